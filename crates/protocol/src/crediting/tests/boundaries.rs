//! §9.3 boundaries across epochs: energy is lost, never counted twice, and silence never
//! carries an allowance across epochs.

use super::fixture::*;
use super::scenarios::energy_example;
use crate::crediting::*;

#[test]
fn a_reading_signed_after_finality_with_lower_counters_re_credits_nothing() {
    // Epoch 1: S = seq 8 (5,100), T = seq 10 (7,500): 2,400 credited.
    let mut i = energy_example();
    i.readings.pop(); // seq 11 is after the epoch; keep epoch 2 explicit below.
    let first = of(&credit(&i), 1).energy.credited_wh;
    assert_eq!(first, 2_400);
    // After epoch 1 is final the device signs seq 11, timestamped inside epoch 1, with a
    // counter below T's; then reports normally in epoch 2.
    i.readings.push(reading(11, 1, 11, 26_000, 5_200, 0));
    i.readings.push(reading(11, 1, 12, 30_000, 7_600, 0));
    i.epoch = 2;
    let c = credit(&i);
    let b = &of(&c, 1).energy.bindings[0];
    // S is seq 11, but the low counter is the largest before start: 7,500, not 5,200.
    assert_eq!((b.start.map(|s| s.sequence), b.low.produced_wh), (Some(11), 7_500));
    assert_eq!(b.credited_wh, 100);
    assert!(first + b.credited_wh <= 7_600 - 5_100, "nothing counted twice");
}

#[test]
fn silence_carries_no_allowance_across_epochs() {
    // Node 2 reports at 14,000 (before epoch 1), is silent through epoch 1 (say it was
    // jailed, so not listed), then reports 8,000 Wh more 200 s into epoch 2.
    let mut i =
        inputs(vec![node(2, NodeKind::Energy, 100, 1_000, 0)], vec![binding(12, 2, 0, None)]);
    i.readings = vec![reading(12, 2, 1, 14_000, 0, 0), reading(12, 2, 2, 29_000, 8_000, 0)];
    i.epoch = 2;
    let c = credit(&i);
    let b = &of(&c, 2).energy.bindings[0];
    // Δt = 29,000 − max(14,000, 28,800 − 60) = 260: ⌈1,000 × 320 × 1.1 / 3,600⌉ + 1 = 99.
    assert_eq!((b.increase_wh, b.allowance_wh, b.credited_wh), (8_000, 99, 99));
}

#[test]
fn an_exclusion_reason_above_4_makes_the_document_malformed() {
    use crate::crediting::corrections::*;
    let doc = CorrectionDocument {
        version: CORRECTION_VERSION,
        rewards_program: [0xA2; 32],
        epoch: 1,
        action: CorrectionAction::ExcludeNodes(vec![Exclusion {
            node: [7; 32],
            reason: ExclusionReason::DataError,
        }]),
    };
    let mut bytes = borsh::to_vec(&doc).unwrap();
    assert_eq!(*bytes.last().unwrap(), 4, "the reason is the last byte, a u8");
    let fix = corrections(doc.hash(), Some(&bytes), &[0xA2; 32], 1).unwrap();
    assert_eq!((fix.malformed, fix.excluded.len()), (false, 1));
    *bytes.last_mut().unwrap() = 5;
    let hash = solana_sha256_hasher::hash(&bytes).to_bytes();
    let fix = corrections(hash, Some(&bytes), &[0xA2; 32], 1).unwrap();
    assert!(fix.malformed && fix.excluded.is_empty() && !fix.empty_epoch);
    assert_eq!(fix.hash, hash);
}

#[test]
fn an_invalid_epoch_clock_is_refused_by_name() {
    use crate::emission::{EmissionError, EpochClock};
    use crate::limits::MAX_EPOCH_SECONDS;
    let with = |genesis_time, epoch_seconds| {
        let mut i = energy_example();
        i.clock = EpochClock { genesis_time, epoch_seconds };
        credit_epoch(&i).map(|c| c.epoch_start)
    };
    assert_eq!(with(0, 0), Err(CreditError::EpochLengthOutOfRange));
    assert_eq!(with(0, -5), Err(CreditError::EpochLengthOutOfRange));
    assert_eq!(with(0, MAX_EPOCH_SECONDS + 1), Err(CreditError::EpochLengthOutOfRange));
    assert_eq!(with(-1, 14_400), Err(CreditError::GenesisBeforeUnixEpoch));
    assert_eq!(with(0, MAX_EPOCH_SECONDS), Ok(MAX_EPOCH_SECONDS));
    assert_eq!(with(i64::MAX - 10, 14_400), Err(CreditError::Clock(EmissionError::TimeOverflow)));
}
