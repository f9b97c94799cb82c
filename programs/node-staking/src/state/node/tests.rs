#![allow(clippy::arithmetic_side_effects)] // test arithmetic on small known values

use super::*;

pub(crate) const fn cap(energy_wp: u64, compute_units_per_hour: u64) -> Capacity {
    Capacity { energy_wp, compute_units_per_hour }
}

pub(crate) fn node(kind: NodeKind, capacity: Capacity) -> Node {
    Node {
        config: Pubkey::new_unique(),
        node_id: 1,
        operator: Pubkey::new_unique(),
        kind,
        device_key: Pubkey::new_unique(),
        reward_recipient: Pubkey::new_unique(),
        region: 276,
        capacity,
        has_pending_capacity: false,
        pending_capacity: PendingCapacity::default(),
        capacity_peak: capacity,
        capacity_lowered_at: 0,
        active_stake: 0,
        pending_stake: 0,
        unlock_at: 0,
        jailed: false,
        jailed_at: 0,
        unjailed_at: 0,
        registered_at: 0,
        view: EpochViewState::default(),
        bump: 255,
        reserved: [0; 64],
        metadata_uri: String::new(),
    }
}

const UNBOND: i64 = 1_000;
/// Genesis at 1,000, epochs of 100 s.
const CLOCK: EpochClock = EpochClock { genesis_time: 1_000, epoch_seconds: 100 };

#[test]
fn max_capacity_without_changes_is_current() {
    let n = node(NodeKind::Hybrid, cap(10, 20));
    assert_eq!(n.max_capacity_in_force(0, 100), cap(10, 20));
}

#[test]
fn decrease_applies_at_once_and_peak_covers_earlier_windows() {
    let mut n = node(NodeKind::Hybrid, cap(10, 20));
    let change = n.request_capacity(cap(4, 20), 500, UNBOND).unwrap();
    assert_eq!(change, CapacityChange { in_force: cap(4, 20), pending: None });
    assert_eq!(n.capacity_lowered_at, 500);
    // A window that starts before the decrease may have seen the peak.
    assert_eq!(n.max_capacity_in_force(499, 600), cap(10, 20));
    // A window starting at or after the decrease only sees the lower capacity.
    assert_eq!(n.max_capacity_in_force(500, 600), cap(4, 20));
}

#[test]
fn increase_waits_for_unbonding() {
    let mut n = node(NodeKind::Energy, cap(10, 0));
    let change = n.request_capacity(cap(30, 0), 100, UNBOND).unwrap();
    let pending = PendingCapacity { capacity: cap(30, 0), effective_at: 1_100 };
    assert_eq!(change, CapacityChange { in_force: cap(10, 0), pending: Some(pending) });
    assert_eq!(n.max_capacity_in_force(0, 1_099), cap(10, 0));
    assert_eq!(n.max_capacity_in_force(0, 1_100), cap(30, 0));
    n.apply_change(&CLOCK, 1_099, |_| Ok(())).unwrap();
    assert_eq!((n.capacity, n.pending_capacity()), (cap(10, 0), Some(pending)));
    n.apply_change(&CLOCK, 1_100, |_| Ok(())).unwrap();
    assert_eq!(n.capacity, cap(30, 0));
    assert_eq!(n.capacity_peak, cap(30, 0));
    assert_eq!(n.pending_capacity(), None);
    assert_eq!(n.pending_capacity, PendingCapacity::default(), "zeroed when none");
}

#[test]
fn mixed_change_lowers_now_and_schedules_the_rest() {
    let mut n = node(NodeKind::Hybrid, cap(10, 20));
    let change = n.request_capacity(cap(50, 5), 100, UNBOND).unwrap();
    assert_eq!(change.in_force, cap(10, 5));
    assert_eq!(change.pending, Some(PendingCapacity { capacity: cap(50, 5), effective_at: 1_100 }));
    assert_eq!(n.capacity_lowered_at, 100);
    assert_eq!(n.max_capacity_in_force(50, 200), cap(10, 20));
    assert_eq!(n.max_capacity_in_force(100, 200), cap(10, 5));
    assert_eq!(n.max_capacity_in_force(100, 1_100), cap(50, 5));
    assert_eq!(n.max_capacity_in_force(50, 1_100), cap(50, 20));
}

#[test]
fn a_new_request_replaces_or_cancels_a_scheduled_increase() {
    let mut n = node(NodeKind::Compute, cap(0, 10));
    n.request_capacity(cap(0, 40), 100, UNBOND).unwrap();
    n.request_capacity(cap(0, 20), 200, UNBOND).unwrap();
    assert_eq!(
        n.pending_capacity(),
        Some(PendingCapacity { capacity: cap(0, 20), effective_at: 1_200 })
    );
    n.request_capacity(cap(0, 10), 300, UNBOND).unwrap();
    assert_eq!(n.pending_capacity(), None);
    assert_eq!(n.capacity_lowered_at, 0, "equal capacity is not a decrease");
}

#[test]
fn capacity_must_fit_kind_on_update() {
    let mut n = node(NodeKind::Compute, cap(0, 10));
    assert!(n.request_capacity(cap(5, 10), 0, UNBOND).is_err());
    assert_eq!(n.capacity, cap(0, 10));
}

#[test]
fn increase_time_overflow_is_an_error() {
    let mut n = node(NodeKind::Compute, cap(0, 10));
    assert!(n.request_capacity(cap(0, 11), i64::MAX, UNBOND).is_err());
}

#[test]
fn unstake_rules() {
    let mut n = node(NodeKind::Compute, cap(0, 10));
    n.active_stake = 1_000;
    assert!(n.request_unstake(0, 300, 0, UNBOND).is_err());
    assert!(n.request_unstake(1_001, 300, 0, UNBOND).is_err());
    // Leaving 200 < min 300 active is refused; leaving 300 or 0 is fine.
    assert!(n.request_unstake(800, 300, 0, UNBOND).is_err());
    n.request_unstake(700, 300, 10, UNBOND).unwrap();
    assert_eq!((n.active_stake, n.pending_stake, n.unlock_at), (300, 700, 1_010));
    n.request_unstake(300, 300, 20, UNBOND).unwrap();
    assert_eq!((n.active_stake, n.pending_stake, n.unlock_at), (0, 1_000, 1_020));
}

#[test]
fn merged_unlock_never_moves_earlier() {
    let mut n = node(NodeKind::Compute, cap(0, 10));
    n.active_stake = 100;
    n.request_unstake(10, 1, 500, 2 * UNBOND).unwrap();
    assert_eq!(n.unlock_at, 2_500);
    // A shorter unbonding period (set later) must not pull the unlock time forward.
    n.request_unstake(10, 1, 600, UNBOND).unwrap();
    assert_eq!(n.unlock_at, 2_500);
}

#[test]
fn withdraw_after_unlock_only() {
    let mut n = node(NodeKind::Compute, cap(0, 10));
    assert!(n.withdraw(0).is_err(), "nothing pending");
    n.active_stake = 100;
    n.request_unstake(100, 50, 0, UNBOND).unwrap();
    assert!(n.withdraw(UNBOND - 1).is_err());
    assert_eq!(n.withdraw(UNBOND).unwrap(), 100);
    assert_eq!(n.pending_stake, 0);
}

#[test]
fn top_up_overflow_is_an_error() {
    let mut n = node(NodeKind::Compute, cap(0, 10));
    n.active_stake = u64::MAX;
    assert!(n.add_active(1).is_err());
    assert_eq!(n.active_stake, u64::MAX);
}

#[test]
fn apply_change_rolls_views_around_the_change() {
    // Registered before genesis with 500, unstakes everything in epoch 0.
    let mut n = node(NodeKind::Compute, cap(0, 10));
    n.active_stake = 500;
    n.init_view(&CLOCK, 900);
    assert!(n.still_earning());
    n.apply_change(&CLOCK, 1_050, |n| n.request_unstake(500, 1, 1_050, UNBOND)).unwrap();
    assert_eq!(n.epoch_view(&CLOCK, 0, 1_100).map(|v| v.stake), Some(0));
    // Epoch 1: stake(0) = 0 and nothing now: nothing earns any more.
    n.apply_change(&CLOCK, 1_100, |_| Ok(())).unwrap();
    assert!(!n.still_earning());
}

#[test]
fn a_failed_change_leaves_the_caller_to_abort() {
    let mut n = node(NodeKind::Compute, cap(0, 10));
    n.init_view(&CLOCK, 900);
    let err = n.apply_change(&CLOCK, 1_000, |n| n.withdraw(1_000));
    assert!(err.is_err());
}

#[test]
fn still_earning_looks_at_the_previous_epoch_too() {
    let mut n = node(NodeKind::Compute, cap(0, 10));
    n.active_stake = 500;
    n.init_view(&CLOCK, 900);
    // Epoch 1 begins with 500 staked all through epoch 0; slashed to zero during epoch 1.
    n.apply_change(&CLOCK, 1_150, |n| {
        n.active_stake = 0;
        Ok(())
    })
    .unwrap();
    assert_eq!((n.view.stake_min, n.view.previous_stake_min), (0, 500));
    assert!(n.still_earning());
    n.apply_change(&CLOCK, 1_200, |_| Ok(())).unwrap();
    assert!(!n.still_earning());
}

#[test]
fn a_matured_increase_counts_in_views_from_its_effective_time() {
    let mut n = node(NodeKind::Energy, cap(10, 0));
    n.active_stake = 1;
    n.init_view(&CLOCK, 900);
    n.apply_change(&CLOCK, 950, |n| n.request_capacity(cap(30, 0), 950, 200)).unwrap();
    // Effective at 1,150 (epoch 1); no instruction ran since.
    assert_eq!(n.epoch_view(&CLOCK, 0, 1_200).map(|v| v.capacity.energy_wp), Some(10));
    assert_eq!(n.epoch_view(&CLOCK, 1, 1_200).map(|v| v.capacity.energy_wp), Some(30));
}
