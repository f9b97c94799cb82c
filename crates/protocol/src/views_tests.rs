#![allow(clippy::arithmetic_side_effects)] // test arithmetic on small known values

use super::*;
use rand::{rngs::StdRng, Rng, SeedableRng};

const CLOCK: EpochClock = EpochClock { genesis_time: 1_000, epoch_seconds: 100 };
const UNBONDING: i64 = 150;

fn cap(energy_wp: u64, compute_units_per_hour: u64) -> Capacity {
    Capacity { energy_wp, compute_units_per_hour }
}

fn live(stake: u64, recipient: u8, capacity: Capacity) -> LiveNode {
    LiveNode {
        active_stake: stake,
        jailed: false,
        recipient: [recipient; 32],
        capacity,
        pending_capacity: None,
    }
}

/// One change as an instruction makes it: settle, mutate, observe.
fn change(view: &mut EpochViewState, node: &mut LiveNode, now: i64, f: impl FnOnce(&mut LiveNode)) {
    settle(view, node, &CLOCK, now);
    f(node);
    observe(view, node, &CLOCK, now);
}

#[test]
fn registration_epoch_earns_nothing_and_the_next_one_counts_from_its_start() {
    let mut node = live(500, 1, cap(10, 0));
    let mut view = EpochViewState::at_registration(&node, &CLOCK, 1_050);
    let v0 = node_epoch_view(&view, &node, &CLOCK, 0, 1_100).unwrap();
    assert_eq!((v0.stake, v0.capacity), (0, cap(10, 0)));
    // Epoch 1: a top-up does not raise the minimum; an unstake lowers it.
    change(&mut view, &mut node, 1_120, |n| n.active_stake = 900);
    change(&mut view, &mut node, 1_150, |n| n.active_stake = 300);
    change(&mut view, &mut node, 1_160, |n| n.active_stake = 700);
    assert_eq!(node_epoch_view(&view, &node, &CLOCK, 1, 1_150), None, "epoch not over");
    assert_eq!(node_epoch_view(&view, &node, &CLOCK, 1, 1_200).unwrap().stake, 300);
    // Epoch 2 starts from the live value 700.
    assert_eq!(node_epoch_view(&view, &node, &CLOCK, 2, 1_399).unwrap().stake, 700);
}

#[test]
fn registration_before_genesis_counts_the_value_at_genesis() {
    let mut node = live(500, 1, cap(10, 0));
    let mut view = EpochViewState::at_registration(&node, &CLOCK, 900);
    change(&mut view, &mut node, 950, |n| n.active_stake = 0);
    change(&mut view, &mut node, 990, |n| n.active_stake = 800);
    assert_eq!(node_epoch_view(&view, &node, &CLOCK, 0, 1_100).unwrap().stake, 800);
}

#[test]
fn jailing_zeroes_the_epoch_and_unjailing_counts_from_the_next() {
    let mut node = live(500, 1, cap(10, 0));
    let mut view = EpochViewState::at_registration(&node, &CLOCK, 900);
    change(&mut view, &mut node, 1_010, |n| n.jailed = true);
    change(&mut view, &mut node, 1_020, |n| n.jailed = false);
    assert_eq!(node_epoch_view(&view, &node, &CLOCK, 0, 1_150).unwrap().stake, 0);
    assert_eq!(node_epoch_view(&view, &node, &CLOCK, 1, 1_250).unwrap().stake, 500);
}

#[test]
fn recipient_is_the_one_in_force_at_the_end() {
    let mut node = live(500, 1, cap(10, 0));
    let mut view = EpochViewState::at_registration(&node, &CLOCK, 900);
    change(&mut view, &mut node, 1_050, |n| n.recipient = [2; 32]);
    // Read in epoch 1 after another change: epoch 0 ended with recipient 2.
    change(&mut view, &mut node, 1_150, |n| n.recipient = [3; 32]);
    assert_eq!(node_epoch_view(&view, &node, &CLOCK, 0, 1_150).unwrap().recipient, [2; 32]);
    assert_eq!(node_epoch_view(&view, &node, &CLOCK, 1, 1_200).unwrap().recipient, [3; 32]);
}

#[test]
fn a_scheduled_increase_counts_from_its_effective_time_without_any_instruction() {
    let mut node = live(500, 1, cap(10, 0));
    let mut view = EpochViewState::at_registration(&node, &CLOCK, 900);
    change(&mut view, &mut node, 1_010, |n| {
        n.pending_capacity = Some(ScheduledCapacity { capacity: cap(40, 0), effective_at: 1_150 });
    });
    assert_eq!(node_epoch_view(&view, &node, &CLOCK, 0, 1_100).unwrap().capacity, cap(10, 0));
    assert_eq!(node_epoch_view(&view, &node, &CLOCK, 1, 1_200).unwrap().capacity, cap(40, 0));
    // A later instruction applies it at its own time; the views stay the same.
    change(&mut view, &mut node, 1_210, |_| {});
    assert_eq!(node.capacity, cap(40, 0));
    assert_eq!(node_epoch_view(&view, &node, &CLOCK, 1, 1_250).unwrap().capacity, cap(40, 0));
}

#[test]
fn outside_the_window_it_says_not_derivable_rather_than_guess() {
    let mut node = live(500, 1, cap(10, 0));
    let mut view = EpochViewState::at_registration(&node, &CLOCK, 900);
    change(&mut view, &mut node, 1_010, |n| n.active_stake = 100);
    change(&mut view, &mut node, 1_250, |n| n.active_stake = 200);
    // Epoch 0's values are gone once the view rolled two epochs on.
    assert_eq!(node_epoch_view(&view, &node, &CLOCK, 0, 1_250), None);
    // Epoch 1 had no change: still exact.
    assert_eq!(node_epoch_view(&view, &node, &CLOCK, 1, 1_250).unwrap().stake, 100);
}

#[test]
fn scheduled_values_take_effect_from_the_next_epoch() {
    let mut s = EpochScheduled::new(10u64);
    s.set(20, &CLOCK, 900); // before genesis: from epoch 0
    assert_eq!(s.value_for(0), Some(20));
    s.set(30, &CLOCK, 1_050);
    s.set(31, &CLOCK, 1_060); // replaces the first change of the same epoch
    assert_eq!((s.value_for(0), s.value_for(1)), (Some(20), Some(31)));
    s.set(40, &CLOCK, 1_150); // epoch 1: 31 becomes current, 20 previous
    assert_eq!((s.value_for(0), s.value_for(1), s.value_for(2)), (Some(20), Some(31), Some(40)));
    s.set(50, &CLOCK, 1_250);
    assert_eq!(s.value_for(0), None);
    assert_eq!((s.value_for(1), s.value_for(2), s.value_for(3)), (Some(31), Some(40), Some(50)));
}

// ---- Property test: lazy views against a brute-force replay of the whole history. ----

#[derive(Clone, Copy, Debug)]
enum Op {
    Stake(u64),
    Unstake(u64),
    Jail,
    Unjail,
    Recipient(u8),
    Capacity(Capacity),
    /// Changes nothing the views follow (withdraw, key rotation).
    Other,
}

fn random_op(rng: &mut StdRng) -> Op {
    match rng.gen_range(0..7) {
        0 => Op::Stake(rng.gen_range(1..500)),
        1 => Op::Unstake(rng.gen_range(1..500)),
        2 => Op::Jail,
        3 => Op::Unjail,
        4 => Op::Recipient(rng.gen_range(1..5)),
        5 => Op::Capacity(cap(rng.gen_range(1..50), rng.gen_range(1..50))),
        _ => Op::Other,
    }
}

/// The program's rules for a capacity request: decreases now, increases after unbonding.
fn request_capacity(node: &mut LiveNode, new: Capacity, now: i64) {
    let lowered = Capacity {
        energy_wp: node.capacity.energy_wp.min(new.energy_wp),
        compute_units_per_hour: node
            .capacity
            .compute_units_per_hour
            .min(new.compute_units_per_hour),
    };
    node.capacity = lowered;
    node.pending_capacity = (new != lowered)
        .then_some(ScheduledCapacity { capacity: new, effective_at: now + UNBONDING });
}

fn apply(node: &mut LiveNode, op: Op, now: i64) {
    match op {
        Op::Stake(a) => node.active_stake += a,
        Op::Unstake(a) => node.active_stake = node.active_stake.saturating_sub(a),
        Op::Jail => node.jailed = true,
        Op::Unjail => node.jailed = false,
        Op::Recipient(r) => node.recipient = [r; 32],
        Op::Capacity(c) => request_capacity(node, c, now),
        Op::Other => {}
    }
}

/// Every state the node was in, as `(time, state)`, with matured increases as their own
/// entries (replayed independently of `settle`).
fn timeline(
    registered_at: i64,
    first: LiveNode,
    ops: &[(i64, Op)],
    until: i64,
) -> Vec<(i64, LiveNode)> {
    let mut states = vec![(registered_at, first)];
    let mut node = first;
    let mature = |node: &mut LiveNode, states: &mut Vec<(i64, LiveNode)>, t: i64| {
        if let Some(p) = node.pending_capacity.filter(|p| p.effective_at <= t) {
            node.capacity = p.capacity;
            node.pending_capacity = None;
            states.push((p.effective_at, *node));
        }
    };
    for &(t, op) in ops {
        mature(&mut node, &mut states, t);
        apply(&mut node, op, t);
        states.push((t, node));
    }
    mature(&mut node, &mut states, until);
    states
}

fn brute_force(states: &[(i64, LiveNode)], epoch: u64) -> (NodeEpochView, bool) {
    let (start, end) = (CLOCK.start(epoch).unwrap(), CLOCK.end(epoch).unwrap());
    let before: Vec<_> = states.iter().filter(|(t, _)| *t < start).collect();
    let during: Vec<_> = states.iter().filter(|(t, _)| (start..end).contains(t)).collect();
    let mut values: Vec<LiveNode> = during.iter().map(|(_, s)| *s).collect();
    values.push(before.last().map(|(_, s)| *s).unwrap_or_default());
    let existed = states.iter().any(|(t, _)| *t < end);
    let recipient = states.iter().rfind(|(t, _)| *t < end).map(|(_, s)| s.recipient);
    let view = NodeEpochView {
        stake: values.iter().map(LiveNode::effective_stake).min().unwrap(),
        recipient: recipient.unwrap_or_default(),
        capacity: values.iter().fold(Capacity::default(), |m, s| m.max(s.capacity)),
    };
    (view, existed)
}

#[test]
fn lazy_views_equal_a_brute_force_replay_inside_the_window() {
    let mut rng = StdRng::seed_from_u64(0x7669_6577);
    let (mut exact, mut underivable) = (0u32, 0u32);
    for _ in 0..400 {
        let registered_at = rng.gen_range(800..1_300);
        let first =
            live(rng.gen_range(0..1_000), 1, cap(rng.gen_range(1..50), rng.gen_range(1..50)));
        let mut ops = Vec::new();
        let mut t = registered_at;
        for _ in 0..rng.gen_range(0..25) {
            // Clusters of same-second changes, quiet epochs and epoch-boundary hits.
            t += [0, 1, 7, 40, 99, 100, 250][rng.gen_range(0..7)];
            ops.push((t, random_op(&mut rng)));
        }
        for _ in 0..20 {
            let read_time = rng.gen_range(registered_at..t + 400);
            let mut node = first;
            let mut view = EpochViewState::at_registration(&node, &CLOCK, registered_at);
            for &(at, op) in ops.iter().filter(|(at, _)| *at <= read_time) {
                change(&mut view, &mut node, at, |n| apply(n, op, at));
            }
            let states = timeline(registered_at, first, &ops, read_time + 1_000);
            for epoch in 0..12u64 {
                let got = node_epoch_view(&view, &node, &CLOCK, epoch, read_time);
                if read_time < CLOCK.end(epoch).unwrap() {
                    assert_eq!(got, None, "epoch {epoch} not over at {read_time}");
                    continue;
                }
                let (want, existed) = brute_force(&states, epoch);
                let in_window = read_time < CLOCK.start(epoch + 2).unwrap();
                match got {
                    None => {
                        assert!(!in_window, "epoch {epoch} read at {read_time}: not derivable");
                        underivable += 1;
                    }
                    Some(got) => {
                        let ctx = format!("epoch {epoch} read at {read_time}, ops {ops:?}");
                        assert_eq!(got.stake, want.stake, "stake, {ctx}");
                        assert_eq!(got.capacity, want.capacity, "capacity, {ctx}");
                        if existed {
                            assert_eq!(got.recipient, want.recipient, "recipient, {ctx}");
                        }
                        exact += 1;
                    }
                }
            }
        }
    }
    // The generator must exercise both outcomes.
    assert!(exact > 10_000 && underivable > 1_000, "exact {exact}, underivable {underivable}");
}
