//! Fixed-seed property tests over random worlds. Signatures are random bytes: crediting
//! takes inputs as already verified, and identities only hash the bytes.

use rand::seq::SliceRandom;
use rand::{rngs::StdRng, Rng, SeedableRng};

use super::fixture::*;
use crate::crediting::corrections::Corrections;
use crate::crediting::manifest::{build_manifest, ManifestHeader};
use crate::crediting::*;
use crate::messages::{EnergyReading, WorkReceipt};
use crate::rewards::{compute_epoch_rewards, EpochManifest};

fn fake_reading(rng: &mut StdRng, key: [u8; 32], r: EnergyReading) -> SignedReading {
    SignedReading { device_key: key, message: r.encode(), signature: [rng.gen(); 64] }
}

/// A device history: counters that rise at most at `wp` (exactly, in Wh × 3600), timestamps
/// non-decreasing, from before the epoch to after it.
fn honest_history(
    rng: &mut StdRng,
    node_id: u64,
    wp: u64,
    from: i64,
    to: i64,
) -> Vec<EnergyReading> {
    let (mut t, mut produced, mut consumed) = (from, 0u128, rng.gen_range(0..1_000u64));
    let mut out = Vec::new();
    let mut seq = rng.gen_range(0..5u64);
    while t < to {
        let dt = rng.gen_range(0..4_000i64);
        t += dt;
        produced += u128::from(wp) * dt as u128 * rng.gen_range(0..=1_000u128) / 1_000;
        consumed += rng.gen_range(0..2_000);
        out.push(EnergyReading {
            deployment: DEPLOYMENT,
            node_id,
            sequence: seq,
            timestamp: t,
            produced_wh: u64::try_from(produced / 3_600).unwrap(),
            consumed_wh: consumed,
        });
        seq += rng.gen_range(1..3);
    }
    out
}

/// Random nodes, rotations, honest and dishonest readings, valid and invalid receipts.
fn world(rng: &mut StdRng) -> EpochInputs {
    let kinds = [NodeKind::Compute, NodeKind::Energy, NodeKind::Hybrid];
    let mut nodes = Vec::new();
    let mut bindings = Vec::new();
    let mut readings = Vec::new();
    let mut receipts = Vec::new();
    for n in 1..=rng.gen_range(1..6u8) {
        let kind = *kinds.choose(rng).unwrap();
        let wp = if kind == NodeKind::Compute { 0 } else { rng.gen_range(1..5_000) };
        let units = if kind == NodeKind::Energy { 0 } else { rng.gen_range(1..2_000) };
        nodes.push(node(n, kind, rng.gen_range(0..200), wp, units));
        let rotation = rng.gen_bool(0.3).then(|| rng.gen_range(START - 2_000..END + 2_000));
        let keys = [[n; 32], [n + 100; 32]];
        bindings.push(BindingInput {
            device_key: keys[0],
            node: [n; 32],
            node_id: n.into(),
            bound_at: 0,
            unbound_at: rotation,
        });
        if let Some(at) = rotation {
            bindings.push(BindingInput {
                device_key: keys[1],
                node: [n; 32],
                node_id: n.into(),
                bound_at: at,
                unbound_at: None,
            });
        }
        for key in keys {
            let from = rng.gen_range(0..START);
            let mut history = honest_history(rng, n.into(), wp, from, END + 3_000);
            if kind != NodeKind::Hybrid {
                history.iter_mut().for_each(|r| r.consumed_wh = 0);
            }
            // Some devices cheat: an equivocating or inflated copy of one reading.
            if rng.gen_bool(0.2) && !history.is_empty() {
                let mut bad = *history.choose(rng).unwrap();
                bad.produced_wh += rng.gen_range(1..100_000);
                history.push(bad);
            }
            readings.extend(history.into_iter().map(|r| fake_reading(rng, key, r)));
        }
        for job in 0..rng.gen_range(0..6u64) {
            let started = rng.gen_range(START - 3_000..END);
            let finished = started + rng.gen_range(0..5_000);
            let receipt = WorkReceipt {
                deployment: DEPLOYMENT,
                node_id: n.into(),
                job_id: job % 3,
                requester: [*[200u8, 201, 202, 0x40 + n].choose(rng).unwrap(); 32],
                work_units: rng.gen_range(0..units * 2 + 2),
                started_at: started,
                finished_at: finished,
                output_hash: [rng.gen(); 32],
            };
            let key = keys[rng.gen_range(0..2)];
            receipts.push(SignedReceipt {
                device_key: key,
                message: receipt.encode(),
                device_signature: [rng.gen(); 64],
                requester_signature: [rng.gen(); 64],
            });
        }
    }
    let mut i = inputs(nodes, bindings);
    i.requesters = vec![
        RequesterEntry { key: [200; 32], first_epoch: 0, retired_epoch: None },
        RequesterEntry { key: [201; 32], first_epoch: 0, retired_epoch: None },
    ];
    i.readings = readings;
    i.receipts = receipts;
    i
}

fn manifest(i: &EpochInputs) -> EpochManifest {
    let c = credit(i);
    let header = ManifestHeader {
        node_staking_program: [1; 32],
        rewards_program: [2; 32],
        epoch: c.epoch,
        epoch_start: c.epoch_start,
        epoch_end: c.epoch_end,
        emission: 1_000_000,
        params: c.params,
        stake_decimals: c.stake_decimals,
        previous_manifest_hash: [0; 32],
        previous_cumulative_total: 0,
    };
    build_manifest(&header, Some(&c), &Corrections::default()).unwrap()
}

/// Splits `items` over `oracles` (every item held by at least one) and returns the union
/// as the oracles would concatenate it, shuffled.
fn split_and_union<T: Copy>(rng: &mut StdRng, items: &[T], oracles: usize) -> Vec<T> {
    let mut held: Vec<Vec<T>> = vec![Vec::new(); oracles];
    for item in items {
        let mask = rng.gen_range(1..(1u32 << oracles));
        for (o, list) in held.iter_mut().enumerate() {
            if mask & (1 << o) != 0 {
                list.push(*item);
            }
        }
    }
    let mut union: Vec<T> = held.into_iter().flatten().collect();
    union.shuffle(rng);
    union
}

#[test]
fn permutations_and_partitions_over_oracles_give_the_same_manifest() {
    let mut rng = StdRng::seed_from_u64(0x6f72_6163_6c65);
    let mut listed = 0;
    for _ in 0..60 {
        let full = world(&mut rng);
        let expected = manifest(&full);
        listed += expected.nodes.len();
        for oracles in 1..=3 {
            let mut union = full.clone();
            union.readings = split_and_union(&mut rng, &full.readings, oracles);
            union.receipts = split_and_union(&mut rng, &full.receipts, oracles);
            union.nodes.shuffle(&mut rng);
            union.bindings.shuffle(&mut rng);
            union.requesters.shuffle(&mut rng);
            let got = manifest(&union);
            assert_eq!(got, expected);
            assert_eq!(got.hash(), expected.hash());
        }
    }
    assert!(listed > 30, "the worlds must list nodes ({listed})");
}

#[test]
fn an_honest_device_is_never_zeroed() {
    let mut rng = StdRng::seed_from_u64(0x686f_6e65_7374);
    for _ in 0..300 {
        let wp = rng.gen_range(0..20_000);
        let kind = if rng.gen_bool(0.5) { NodeKind::Hybrid } else { NodeKind::Energy };
        let mut i = inputs(vec![node(1, kind, 100, wp, 1)], vec![binding(1, 1, 0, None)]);
        let history = honest_history(&mut rng, 1, wp, 0, 4 * 14_400);
        let last = history.last().map_or(0, |r| r.produced_wh);
        i.readings = history.into_iter().map(|r| fake_reading(&mut rng, pk(1), r)).collect();
        let mut total = 0;
        for epoch in 0..4 {
            i.epoch = epoch;
            let c = credit(&i);
            for b in &of(&c, 1).energy.bindings {
                assert_eq!(b.zeroed, None, "epoch {epoch}, wp {wp}");
                assert!(b.credited_wh <= b.increase_wh);
            }
            total += of(&c, 1).energy.credited_wh;
        }
        assert!(total <= last);
    }
}

#[test]
fn tiny_consumption_in_a_sunny_hour_gains_at_most_the_capped_bonus() {
    let mut rng = StdRng::seed_from_u64(0x73_756e_6e79);
    let p = crate::rewards::RewardParams { max_work_per_wh: 50, ..params() };
    for _ in 0..300 {
        let consumed = rng.gen_range(0..5u64);
        let mut i = inputs(
            vec![node(7, NodeKind::Hybrid, 1_000, 10_000, 100_000)],
            vec![binding(19, 7, 0, None)],
        );
        i.params = p;
        // Full sun in the second hour (10 kWh), a few Wh consumed in it, both readings inside it.
        let r = |seq, ts, produced, c| {
            fake_reading(
                &mut StdRng::seed_from_u64(seq),
                pk(19),
                EnergyReading {
                    deployment: DEPLOYMENT,
                    node_id: 7,
                    sequence: seq,
                    timestamp: ts,
                    produced_wh: produced,
                    consumed_wh: c,
                },
            )
        };
        i.readings = vec![r(1, 18_000, 0, 0), r(2, 21_599, 10_000, consumed)];
        let units = rng.gen_range(1..50_000u64);
        i.receipts = vec![receipt(Job {
            device: 19,
            node: 7,
            requester: 200,
            job_id: 1,
            units,
            started: 15_000,
            finished: 15_000 + 3_600,
        })];
        let m = manifest(&i);
        assert_eq!(m.nodes.len(), 1);
        let n = m.nodes[0];
        assert_eq!((n.consumed_wh, n.matched_wh, n.energy_wh), (consumed, consumed, 10_000));
        let rewards = compute_epoch_rewards(&p, 0, 1_000_000, &m.nodes).unwrap();
        let green = rewards.node_reward(&m.nodes[0]).unwrap().green_work;
        assert!(green <= consumed * p.max_work_per_wh && green <= n.work_units);
        if consumed == 0 {
            assert_eq!(green, 0);
        }
    }
}

#[test]
fn readings_fed_key_by_key_give_credit_epochs_result() {
    // Given random worlds, When each key's readings (shuffled, some copied twice) are fed in
    // key order as owned values (as an oracle streams its store), Then every decision equals
    // `credit_epoch` over the whole list.
    let mut rng = StdRng::seed_from_u64(0xfeed);
    for _ in 0..200 {
        let inputs = world(&mut rng);
        let expected = credit_epoch(&inputs).expect("credit");
        let mut sorted = inputs.readings.clone();
        sorted.sort_by_key(|r| r.device_key);
        let fed = credit_epoch_fed(&inputs, |crediting| {
            for group in sorted.chunk_by(|a, b| a.device_key == b.device_key) {
                let mut group = group.to_vec();
                if let Some(copy) = group.choose(&mut rng).copied() {
                    group.push(copy);
                }
                group.shuffle(&mut rng);
                crediting.add_device(&group)?;
            }
            Ok::<_, CreditError>(())
        })
        .expect("fed");
        assert_eq!(fed, expected);
    }
}

#[test]
fn readings_fed_out_of_key_order_are_refused_by_name() {
    let inputs = fixture_world();
    let (a, b) = (reading(1, 1, 1, START + 10, 5, 0), reading(2, 1, 1, START + 10, 5, 0));
    let (low, high) = if a.device_key < b.device_key { (a, b) } else { (b, a) };
    let refused = |feed: &[&[SignedReading]]| {
        let mut crediting = EpochCrediting::new(&inputs).expect("new");
        feed.iter().try_for_each(|group| crediting.add_device(group)).expect_err("refused")
    };
    // A key again, a lower key after a higher one, and two keys in one call.
    assert_eq!(refused(&[&[low], &[low]]), CreditError::DeviceKeysOutOfOrder(low.device_key));
    assert_eq!(refused(&[&[high], &[low]]), CreditError::DeviceKeysOutOfOrder(low.device_key));
    assert_eq!(refused(&[&[low, high]]), CreditError::DeviceKeysOutOfOrder(low.device_key));
    // An empty call is nothing, and does not take a key's turn.
    let mut crediting = EpochCrediting::new(&inputs).expect("new");
    let none: &[SignedReading] = &[];
    crediting.add_device(none).expect("empty");
    crediting.add_device(&[low]).expect("low");
    crediting.add_device(none).expect("empty again");
    crediting.add_device(&[high]).expect("high");
    let mut whole = inputs.clone();
    whole.readings = vec![high, low];
    assert_eq!(crediting.finish(), credit_epoch(&whole).expect("credit"));
}

/// One energy node with two bound keys.
fn fixture_world() -> EpochInputs {
    inputs(
        vec![node(1, NodeKind::Energy, 100, 1_000, 0)],
        vec![binding(1, 1, START - 100, None), binding(2, 1, START - 100, None)],
    )
}
