//! The hand-worked examples of PROTOCOL.md §9 and the zeroing rules, one by one.

use super::fixture::*;
use crate::crediting::corrections::*;
use crate::crediting::manifest::{build_manifest, ManifestHeader};
use crate::crediting::*;
use crate::merkle::EMPTY_ROOT;

/// §9.3 example: node 1 (1,000 Wp) with readings before, in and after the epoch.
pub fn energy_example() -> EpochInputs {
    let mut i =
        inputs(vec![node(1, NodeKind::Energy, 100, 1_000, 0)], vec![binding(11, 1, 0, None)]);
    i.readings = vec![
        reading(11, 1, 7, 13_000, 5_000, 0),
        reading(11, 1, 8, 14_000, 5_100, 0),
        reading(11, 1, 9, 18_000, 6_000, 0),
        reading(11, 1, 10, 25_000, 7_500, 0),
        reading(11, 1, 11, 29_000, 8_100, 0),
    ];
    i
}

#[test]
fn boundary_readings_and_increase() {
    let i = energy_example();
    let c = credit(&i);
    let b = &of(&c, 1).energy.bindings[0];
    assert_eq!(b.start.map(|s| s.sequence), Some(8));
    assert_eq!((b.low.sequence, b.end.sequence, b.readings_in_epoch), (8, 10, 2));
    // 7,500 − 5,100; allowance from 14,340: ⌈1000 × 10,720 × 1.1 / 3600⌉ + 1 = 3,277.
    assert_eq!((b.increase_wh, b.allowance_wh, b.credited_wh), (2_400, 3_277, 2_400));
    let e = &of(&c, 1).energy;
    assert_eq!((e.capacity_factor_cap_wh, e.stake_cap_wh, e.credited_wh), (4_000, 100_000, 2_400));
    // Committed: S and the readings in the epoch, not the older or later ones.
    let ids: Vec<_> = i.readings[1..4].iter().map(SignedReading::identity).collect();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(c.considered, expected);
    assert_eq!(c.inputs_root, root::inputs_root(&ids));
}

#[test]
fn first_reading_is_a_baseline() {
    let mut i = energy_example();
    i.readings.drain(0..2);
    let c = credit(&i);
    let b = &of(&c, 1).energy.bindings[0];
    assert_eq!((b.start, b.low.sequence), (None, 9));
    assert_eq!(b.credited_wh, 1_500);
}

#[test]
fn silent_device_is_clamped_by_capacity_factor_and_stake() {
    let mut i =
        inputs(vec![node(2, NodeKind::Energy, 100, 1_000, 0)], vec![binding(12, 2, 0, None)]);
    i.readings = vec![reading(12, 2, 3, 0, 0, 0), reading(12, 2, 4, 20_000, 9_000, 0)];
    let c = credit(&i);
    let b = &of(&c, 2).energy.bindings[0];
    // The allowance runs from start − 60, not from 0: ⌈1000 × 5,720 × 1.1 / 3600⌉ + 1 = 1,749.
    assert_eq!((b.increase_wh, b.allowance_wh, b.credited_wh), (9_000, 1_749, 1_749));
    // Late in the epoch: ⌈1000 × 13,720 × 1.1 / 3600⌉ + 1 = 4,194; factor cap 4,000.
    i.readings[1] = reading(12, 2, 4, 28_000, 9_000, 0);
    let c = credit(&i);
    let b = &of(&c, 2).energy.bindings[0];
    assert_eq!((b.increase_wh, b.allowance_wh, b.credited_wh), (9_000, 4_194, 4_000));
    // 3 tokens × 1,000 Wh per token: the stake cap.
    i.nodes[0].view.stake = 3;
    i.min_stake = [1, 1, 1];
    assert_eq!(of(&credit(&i), 2).energy.credited_wh, 3_000);
}

fn zeroed(readings: Vec<SignedReading>) -> Option<Zeroing> {
    let mut i =
        inputs(vec![node(3, NodeKind::Energy, 100, 1_000, 0)], vec![binding(13, 3, 0, None)]);
    i.readings = readings;
    let c = credit(&i);
    let n = of(&c, 3);
    let b = &n.energy.bindings[0];
    if b.zeroed.is_some() {
        assert_eq!((b.credited_wh, n.energy.credited_wh), (0, 0));
    }
    b.zeroed
}

#[test]
fn fraud_pairs_and_decreasing_timestamps_zero_the_binding() {
    let r = |seq, ts, p| reading(13, 3, seq, ts, p, 0);
    // 800 Wh in 600 s at 1,000 Wp: allowance ⌈1000 × 660 × 1.1 / 3600⌉ + 1 = 203.
    let z = zeroed(vec![r(5, 15_000, 100), r(6, 15_600, 900)]).unwrap();
    assert_eq!(
        (z.reason, z.first, z.second),
        (
            RejectReason::CapacityViolation,
            r(5, 15_000, 100).identity(),
            r(6, 15_600, 900).identity()
        )
    );
    assert_eq!(zeroed(vec![r(5, 15_000, 100), r(6, 15_600, 300)]), None);
    let z = zeroed(vec![r(5, 15_000, 100), r(5, 15_000, 101)]).unwrap();
    assert_eq!(z.reason, RejectReason::Equivocation);
    let z = zeroed(vec![r(5, 15_000, 100), r(6, 16_000, 99)]).unwrap();
    assert_eq!(z.reason, RejectReason::CounterRegression);
    let z = zeroed(vec![r(5, 16_000, 100), r(6, 15_000, 150)]).unwrap();
    assert_eq!(z.reason, RejectReason::DecreasingTimestamps);
    // The start boundary counts for regression and timestamps, not for the capacity rule.
    assert_eq!(
        zeroed(vec![r(4, 14_000, 200), r(5, 15_000, 100)]).unwrap().reason,
        RejectReason::CounterRegression
    );
    assert_eq!(
        zeroed(vec![r(6, 14_000, 100), r(5, 15_000, 100)]).unwrap().reason,
        RejectReason::DecreasingTimestamps
    );
    assert_eq!(zeroed(vec![r(4, 0, 0), r(5, 15_000, 3_000)]), None);
    // An equivocation among the start candidates zeroes too.
    assert_eq!(
        zeroed(vec![r(4, 100, 0), r(4, 200, 0), r(5, 15_000, 10)]).unwrap().reason,
        RejectReason::Equivocation
    );
}

#[test]
fn rotation_sums_bindings_and_readings_outside_a_binding_are_invalid() {
    let b1 = binding(14, 4, 0, Some(20_000));
    let b2 = binding(15, 4, 20_000, None);
    let mut i = inputs(vec![node(4, NodeKind::Energy, 100, 1_000, 0)], vec![b1, b2]);
    let late_old_key = reading(14, 4, 4, 20_000, 2_000, 0);
    i.readings = vec![
        reading(14, 4, 1, 14_000, 100, 0),
        reading(14, 4, 2, 19_000, 1_100, 0),
        late_old_key,
        reading(15, 4, 0, 21_000, 0, 0),
        reading(15, 4, 1, 28_000, 1_500, 0),
    ];
    let c = credit(&i);
    assert_eq!(of(&c, 4).energy.bindings.len(), 2);
    assert_eq!(of(&c, 4).energy.credited_wh, 1_000 + 1_500);
    assert_eq!(c.rejected.len(), 1);
    assert_eq!(
        (c.rejected[0].id, c.rejected[0].reason),
        (late_old_key.identity(), RejectReason::NotBound)
    );
}

#[test]
fn invalid_readings_carry_their_reason() {
    let mut i = inputs(
        vec![node(5, NodeKind::Energy, 100, 1_000, 0), node(6, NodeKind::Compute, 100, 0, 100)],
        vec![binding(16, 5, 0, None), binding(17, 6, 0, None), binding(18, 9, 0, None)],
    );
    let mut wrong_deployment = reading(16, 5, 1, 15_000, 1, 0);
    let mut m = crate::messages::EnergyReading::decode(&wrong_deployment.message).unwrap();
    m.deployment = [1; 32];
    wrong_deployment = SignedReading { message: m.encode(), ..wrong_deployment };
    let mut malformed = reading(16, 5, 2, 15_000, 1, 0);
    malformed.message[8] = 9;
    let cases = [
        (malformed, RejectReason::MalformedMessage),
        (wrong_deployment, RejectReason::WrongDeployment),
        (reading(99, 5, 1, 15_000, 1, 0), RejectReason::UnknownDeviceKey),
        (reading(16, 6, 1, 15_000, 1, 0), RejectReason::BindingNodeMismatch),
        (reading(18, 9, 1, 15_000, 1, 0), RejectReason::UnknownNode),
        (reading(17, 6, 1, 15_000, 0, 5), RejectReason::ConsumedOnNonHybrid),
    ];
    for (r, reason) in cases {
        i.readings = vec![r];
        let c = credit(&i);
        assert_eq!(
            c.rejected.iter().map(|x| (x.id, x.reason)).collect::<Vec<_>>(),
            vec![(r.identity(), reason)]
        );
        assert!(c.considered.is_empty());
    }
}

/// §9.4 example: hybrid node 7 (2,000 Wp, 1,000 units/h).
pub fn green_example() -> EpochInputs {
    let mut i =
        inputs(vec![node(7, NodeKind::Hybrid, 100, 2_000, 1_000)], vec![binding(19, 7, 0, None)]);
    i.readings = vec![
        reading(19, 7, 1, 14_000, 1_000, 500),
        reading(19, 7, 2, 15_000, 1_300, 600),
        reading(19, 7, 3, 17_000, 1_900, 800),
        reading(19, 7, 4, 18_500, 2_400, 850),
        reading(19, 7, 5, 21_000, 3_500, 900),
        reading(19, 7, 6, 22_000, 3_700, 1_500),
        reading(19, 7, 7, 25_000, 4_000, 2_000),
        reading(19, 7, 8, 26_000, 4_100, 2_900),
        reading(19, 7, 9, 28_000, 4_150, 3_300),
    ];
    let job = |job_id, units, started| Job {
        device: 19,
        node: 7,
        requester: 200,
        job_id,
        units,
        started,
        finished: started + 3_600,
    };
    i.receipts = vec![receipt(job(1, 600, 15_000)), receipt(job(2, 700, 20_000))];
    i
}

#[test]
fn green_buckets_match_hour_by_hour() {
    let c = credit(&green_example());
    let n = of(&c, 7);
    let got: Vec<_> = n
        .green
        .buckets
        .iter()
        .map(|b| (b.start, b.produced_wh, b.consumed_wh, b.matched_wh))
        .collect();
    assert_eq!(
        got,
        vec![
            (14_400, 600, 200, 200),
            (18_000, 1_100, 50, 50),
            (21_600, 300, 500, 300),
            (25_200, 50, 400, 50)
        ]
    );
    // Consumed counts every increase (2,800), matched only in-bucket pairs (600).
    assert_eq!(
        (n.green.consumed_wh, n.green.matched_wh, n.energy.credited_wh),
        (2_800, 600, 3_150)
    );
    assert_eq!(
        (n.work.sum_units, n.work.capacity_cap, n.work.credited_units),
        (1_300, 4_000, 1_300)
    );
    // Non-hybrid nodes have no buckets.
    assert!(of(&credit(&energy_example()), 1).green.buckets.is_empty());
}

#[test]
fn eligibility_needs_minimum_stake_and_some_credit() {
    let mut i = energy_example();
    i.nodes.push(node(2, NodeKind::Energy, 100, 1_000, 0));
    i.min_stake = [10, 100, 10];
    let c = credit(&i);
    assert_eq!(
        (of(&c, 1).not_listed, of(&c, 2).not_listed),
        (None, Some(RejectReason::NothingCredited))
    );
    i.min_stake = [10, 101, 10];
    let c = credit(&i);
    assert_eq!(of(&c, 1).not_listed, Some(RejectReason::StakeBelowMinimum));
    // Inputs of unlisted nodes are not committed.
    assert_eq!(c.inputs_root, EMPTY_ROOT);
}

fn header(c: &EpochCredit) -> ManifestHeader {
    ManifestHeader {
        node_staking_program: [0xA1; 32],
        rewards_program: [0xA2; 32],
        epoch: c.epoch,
        epoch_start: c.epoch_start,
        epoch_end: c.epoch_end,
        emission: 1_000_000,
        params: c.params,
        stake_decimals: c.stake_decimals,
        previous_manifest_hash: [0; 32],
        previous_cumulative_total: 0,
    }
}

#[test]
fn corrections_exclude_nodes_or_empty_the_epoch() {
    let mut i = energy_example();
    i.nodes.push(green_example().nodes[0]);
    i.bindings.extend(green_example().bindings);
    i.readings.extend(green_example().readings);
    i.receipts = green_example().receipts;
    let c = credit(&i);
    let h = header(&c);
    let plain = build_manifest(&h, Some(&c), &Corrections::default()).unwrap();
    assert_eq!(plain.nodes.iter().map(|n| n.node[0]).collect::<Vec<_>>(), vec![1, 7]);
    assert_eq!((plain.nodes[1].work_units, plain.nodes[1].matched_wh), (1_300, 600));

    let doc = CorrectionDocument {
        version: CORRECTION_VERSION,
        rewards_program: [0xA2; 32],
        epoch: 1,
        action: CorrectionAction::ExcludeNodes(vec![Exclusion {
            node: [7; 32],
            reason: ExclusionReason::Fraud,
        }]),
    };
    let bytes = borsh::to_vec(&doc).unwrap();
    let reason = reason_in_force(&[[0; 32], doc.hash(), [0; 32]]);
    assert_eq!(reason, doc.hash());
    let fix = corrections(reason, Some(&bytes), &[0xA2; 32], 1).unwrap();
    let m = build_manifest(&h, Some(&c), &fix).unwrap();
    assert_eq!(m.nodes, plain.nodes[..1].to_vec());
    assert_eq!((m.corrections_hash, m.inputs_root), (doc.hash(), plain.inputs_root));

    let empty = CorrectionDocument { action: CorrectionAction::EmptyEpoch, ..doc.clone() };
    let bytes = borsh::to_vec(&empty).unwrap();
    let fix = corrections(empty.hash(), Some(&bytes), &[0xA2; 32], 1).unwrap();
    let m = build_manifest(&h, None, &fix).unwrap();
    assert_eq!((m.nodes.len(), m.inputs_root, m.corrections_hash), (0, EMPTY_ROOT, empty.hash()));

    // A document for another epoch is malformed: committed, changes nothing.
    let other = CorrectionDocument { epoch: 2, ..doc };
    let bytes = borsh::to_vec(&other).unwrap();
    let fix = corrections(other.hash(), Some(&bytes), &[0xA2; 32], 1).unwrap();
    assert!(fix.malformed);
    assert_eq!(build_manifest(&h, Some(&c), &fix).unwrap().nodes, plain.nodes);
    assert_eq!(
        corrections(other.hash(), None, &[0xA2; 32], 1),
        Err(CorrectionError::DocumentMissing)
    );
    assert_eq!(
        corrections(other.hash(), Some(b"x"), &[0xA2; 32], 1),
        Err(CorrectionError::HashMismatch)
    );
    assert_eq!(
        build_manifest(&ManifestHeader { epoch: 2, ..h }, Some(&c), &Corrections::default()),
        Err(CreditError::HeaderMismatch)
    );
}

#[test]
fn a_late_reading_is_lost_never_counted_twice() {
    // Epoch 1 is credited without reading 10 (it arrives after epoch 1 is final).
    let mut i = energy_example();
    let late = i.readings.remove(3);
    let first = of(&credit(&i), 1).energy.credited_wh;
    // Epoch 2 sees it: its start boundary is reading 10, not reading 9 used for epoch 1's end.
    i.readings.push(late);
    i.epoch = 2;
    i.readings.push(reading(11, 1, 12, 30_000, 8_300, 0));
    let second = of(&credit(&i), 1).energy.credited_wh;
    // 6,000 − 5,100 in epoch 1; in epoch 2 the increase 8,300 − 7,500 = 800 is clamped to
    // the allowance from 28,740: ⌈1000 × 1,320 × 1.1 / 3600⌉ + 1 = 405. 7,500 − 6,000 is lost.
    assert_eq!((first, second), (900, 405));
    assert!(first + second <= 8_300 - 5_100);
}
