//! Retention: what pruning keeps, and that later closes are unchanged by it, over random
//! histories with equivocations, regressions and readings outside the binding.

use std::collections::BTreeSet;

use gridmint_protocol::crediting::corrections::Corrections;
use gridmint_protocol::crediting::{
    canonical_readings, credit_epoch, BindingInput, ChallengeTally, EpochInputs, NodeInput,
    NodeKind, SignedReading,
};
use gridmint_protocol::emission::EpochClock;
use gridmint_protocol::messages::EnergyReading;
use gridmint_protocol::rewards::RewardParams;
use gridmint_protocol::views::{Capacity, NodeEpochView};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{invalid_readings, readings_to_keep};
use crate::epoch::close::close;
use crate::epoch::gather::EpochContext;

const L: i64 = 3_600;
const KEY: [u8; 32] = [5; 32];
/// The binding starts inside epoch 1: earlier readings are `NotBound`, invalid for good.
const BOUND_AT: i64 = 4_000;

/// Crediting takes inputs as verified: the signature bytes are never looked at here.
fn reading(sequence: u64, timestamp: i64, produced_wh: u64, consumed_wh: u64) -> SignedReading {
    let message = EnergyReading {
        deployment: [9; 32],
        node_id: 1,
        sequence,
        timestamp,
        produced_wh,
        consumed_wh,
    }
    .encode();
    SignedReading { device_key: KEY, message, signature: [0; 64] }
}

fn ids(rows: &[SignedReading]) -> BTreeSet<[u8; 32]> {
    rows.iter().map(SignedReading::identity).collect()
}

#[test]
fn per_key_it_keeps_the_highest_sequences_and_counters() {
    // Given seq 1..4 rising, seq 2 with the highest produced counter, two copies of seq 4
    // (an equivocation) and seq 5 invalid,
    let r = [
        reading(1, 10, 100, 0),
        reading(2, 20, 9_000, 0),
        reading(3, 30, 300, 50),
        reading(4, 40, 400, 0),
        reading(4, 41, 401, 0),
        reading(5, 50, 99_999, 99_999),
    ];
    let invalid = ids(&r[5..]);
    // When retention runs, Then it keeps both seq 4 (highest valid sequence), seq 2 and 3
    // (highest valid counters) and seq 5 (highest sequence of all, for last-reading); seq 1
    // goes.
    let keep = readings_to_keep(&r, &invalid);
    assert_eq!(keep, ids(&r[1..]));
    // Without the invalid one, the valid maxima alone.
    assert_eq!(readings_to_keep(&r[..5], &BTreeSet::new()), ids(&r[1..5]));
}

fn inputs(epoch: u64, readings: &[SignedReading]) -> EpochInputs {
    let node = NodeInput {
        node: [1; 32],
        node_id: 1,
        kind: NodeKind::Hybrid,
        operator: [2; 32],
        view: NodeEpochView {
            stake: 1_000_000_000,
            recipient: [3; 32],
            capacity: Capacity { energy_wp: 2_000, compute_units_per_hour: 10 },
        },
        challenges: ChallengeTally::default(),
    };
    let binding = BindingInput {
        device_key: KEY,
        node: [1; 32],
        node_id: 1,
        bound_at: BOUND_AT,
        unbound_at: None,
    };
    let mut readings = readings.to_vec();
    canonical_readings(&mut readings);
    EpochInputs {
        deployment: [9; 32],
        clock: EpochClock { genesis_time: 0, epoch_seconds: L },
        epoch,
        params: params(),
        stake_decimals: 6,
        min_stake: [1, 1, 1],
        nodes: vec![node],
        bindings: vec![binding],
        requesters: vec![],
        readings,
        receipts: vec![],
    }
}

fn params() -> RewardParams {
    RewardParams {
        compute_pool_bps: 5_000,
        green_bonus_bps: 1_000,
        work_per_staked_token: 10,
        wh_per_staked_token: 10_000,
        max_capacity_factor_bps: 10_000,
        max_work_per_wh: 1,
    }
}

/// The manifest hash of `epoch` closed over `readings`, and whether it lists the node.
fn manifest_hash(epoch: u64, readings: &[SignedReading]) -> ([u8; 32], bool) {
    let start = L * epoch as i64;
    let ctx = EpochContext {
        epoch,
        deployment: [9; 32],
        clock: EpochClock { genesis_time: 0, epoch_seconds: L },
        params: params(),
        emission: 1_000_000,
        start,
        end: start + L,
    };
    let input = inputs(epoch, readings);
    let closed = close(&ctx, Some(&input), 6, &Corrections::default(), &Default::default());
    let closed = closed.expect("close");
    (closed.report.manifest_hash, !closed.manifest.nodes.is_empty())
}

/// `readings` without what pruning `epoch` deletes.
fn pruned(readings: &[SignedReading], epoch: u64) -> Vec<SignedReading> {
    let range = L * epoch as i64..L * (epoch as i64 + 1);
    let in_epoch = |r: &SignedReading| {
        range.contains(&EnergyReading::decode(&r.message).expect("decodes").timestamp)
    };
    let mut rows: Vec<SignedReading> = readings.iter().copied().filter(in_epoch).collect();
    canonical_readings(&mut rows);
    let credit = credit_epoch(&inputs(epoch, readings)).expect("credit");
    let keep = readings_to_keep(&rows, &invalid_readings(&credit));
    readings.iter().copied().filter(|r| !in_epoch(r) || keep.contains(&r.identity())).collect()
}

/// A device history over epochs 0..4, mostly honest (sequence and counters rising with
/// time), with repeated sequences, falling counters, and readings signed late with a high
/// sequence but timestamped before the binding (invalid).
fn history(rng: &mut StdRng) -> Vec<SignedReading> {
    let n = rng.gen_range(4..30);
    let mut times: Vec<i64> = (0..n).map(|_| rng.gen_range(0..4 * L)).collect();
    times.sort_unstable();
    let (mut sequence, mut produced, mut consumed) = (0u64, 0u64, 0u64);
    let mut out = Vec::new();
    for t in times {
        if !rng.gen_bool(0.02) {
            sequence += 1;
        }
        produced = if rng.gen_bool(0.02) { produced / 2 } else { produced + rng.gen_range(0..150) };
        consumed = if rng.gen_bool(0.02) { consumed / 2 } else { consumed + rng.gen_range(0..40) };
        out.push(reading(sequence, t, produced, consumed));
        if rng.gen_bool(0.1) {
            let early = rng.gen_range(L..BOUND_AT);
            out.push(reading(sequence + 50, early, produced + 5_000, consumed + 500));
        }
    }
    out
}

/// The store lists an epoch's device keys (`epoch_keys`) once and pruning leaves the list as
/// it is: that holds because every key keeps a reading of the epoch.
#[test]
fn every_key_keeps_a_reading_of_the_pruned_epoch() {
    for seed in 0..300 {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut rows: Vec<SignedReading> = history(&mut rng)
            .into_iter()
            .enumerate()
            .map(|(i, mut r)| {
                r.device_key = [(i % 3) as u8; 32]; // three devices share the history
                r
            })
            .collect();
        canonical_readings(&mut rows);
        let invalid: BTreeSet<_> = rows.iter().step_by(3).map(SignedReading::identity).collect();
        let keep = readings_to_keep(&rows, &invalid);
        let keys = |rows: &mut dyn Iterator<Item = &SignedReading>| -> BTreeSet<[u8; 32]> {
            rows.map(|r| r.device_key).collect()
        };
        let kept = keys(&mut rows.iter().filter(|r| keep.contains(&r.identity())));
        assert_eq!(kept, keys(&mut rows.iter()), "seed {seed}");
    }
}

#[test]
fn pruning_epochs_one_then_two_leaves_every_later_close_unchanged() {
    let (mut pruned_rows, mut listed) = (0, 0);
    for seed in 0..300 {
        let mut rng = StdRng::seed_from_u64(seed);
        let all = history(&mut rng);
        // Given epoch 1 pruned, Then epochs 2 and 3 close to the same manifests;
        let after_one = pruned(&all, 1);
        for later in [2, 3] {
            let (hash, listing) = manifest_hash(later, &all);
            assert_eq!(manifest_hash(later, &after_one).0, hash, "seed {seed}");
            listed += usize::from(listing);
        }
        // and with epoch 2 pruned as well, epoch 3 still does.
        let after_two = pruned(&after_one, 2);
        assert_eq!(manifest_hash(3, &after_two), manifest_hash(3, &all), "seed {seed}");
        pruned_rows += all.len() - after_two.len();
    }
    // The histories gave pruning something to do, and the closes something to credit.
    assert!(pruned_rows > 1_000 && listed > 200, "{pruned_rows} rows pruned, {listed} listed");
}
