//! The parameter schedule's pure functions, without a Bank: which set is in force for an
//! epoch, when a scheduled set is promoted, what counts as a possible increase and every
//! rule of `check_schedule`.

use super::prelude::*;
use super::state_math::{code, config, root};
use gridmint_sdk::rewards::{PendingRoot, ScheduledParams};

const L: i64 = EPOCH_SECONDS;

/// One change of the parameters.
type Change = Box<dyn Fn(&mut Params)>;

/// The default set with a different hard cap (lower when `cap` is small).
fn with_cap(cap: u64) -> Params {
    let mut p = default_params();
    p.hard_cap_per_epoch = cap;
    p
}

fn err(e: E) -> Option<u32> {
    Some(u32::from(e))
}

#[test]
fn params_for_switches_at_the_effective_epoch() {
    let mut c = config();
    assert_eq!(*c.params_for(0), default_params());
    assert_eq!(*c.params_for(u64::MAX), default_params());
    c.scheduled_params = Some(ScheduledParams { params: with_cap(7), effective_epoch: 5 });
    assert_eq!(*c.params_for(4), default_params());
    assert_eq!(*c.params_for(5), with_cap(7));
    assert_eq!(*c.params_for(99), with_cap(7));
}

#[test]
fn promotion_waits_until_no_earlier_epoch_can_change() {
    let mut c = config();
    c.scheduled_params = Some(ScheduledParams { params: with_cap(7), effective_epoch: 5 });
    // Epoch 4 not final yet.
    c.next_epoch = 4;
    assert_eq!(c.due_params(0), None);
    // Epoch 4 final but still in its challenge period (a veto would reopen it): not yet.
    c.next_epoch = 5;
    c.pending_root = Some(PendingRoot { root: root(4, 10), claimable_at: 100 });
    assert_eq!(c.due_params(99), None);
    assert_eq!(c.promote_due_params(99), None);
    assert!(c.scheduled_params.is_some());
    // From the end of that challenge period on it is due.
    assert_eq!(c.due_params(100).map(|s| s.effective_epoch), Some(5));
    // Without a pending root, or with one at or after the effective epoch, it is due at once.
    c.pending_root = None;
    assert!(c.due_params(0).is_some());
    c.next_epoch = 6;
    c.pending_root = Some(PendingRoot { root: root(5, 10), claimable_at: 100 });
    assert!(c.due_params(0).is_some());
}

#[test]
fn promotion_moves_the_set_and_keeps_params_for() {
    let mut c = config();
    c.scheduled_params = Some(ScheduledParams { params: with_cap(7), effective_epoch: 2 });
    c.next_epoch = 2;
    let before: Vec<Params> = (2..6).map(|e| *c.params_for(e)).collect();
    let promoted = c.promote_due_params(0).expect("due");
    assert_eq!(
        (promoted.old, promoted.new, promoted.effective_epoch),
        (default_params(), with_cap(7), 2)
    );
    assert_eq!((c.params, c.scheduled_params), (with_cap(7), None));
    assert_eq!((2..6).map(|e| *c.params_for(e)).collect::<Vec<_>>(), before);
    assert_eq!(c.promote_due_params(0), None);
}

#[test]
fn may_increase_emission_is_field_wise() {
    let base = default_params();
    let raised: Vec<Change> = vec![
        Box::new(|p| p.emission.initial_per_epoch += 1),
        Box::new(|p| p.emission.floor_per_epoch += 1),
        Box::new(|p| p.hard_cap_per_epoch += 1),
        Box::new(|p| p.emission.decay_bps -= 1),
        Box::new(|p| p.emission.decay_interval_epochs += 1),
    ];
    for (i, change) in raised.iter().enumerate() {
        let mut p = base;
        change(&mut p);
        assert!(base.may_increase_emission(&p), "case {i}");
        // The opposite direction is a lowering.
        assert!(!p.may_increase_emission(&base), "case {i} reversed");
    }
    // Other parameters never count as an increase.
    let mut p = base;
    p.challenge_period_seconds += 1;
    p.report_grace_seconds += 1;
    p.reward_formula.compute_pool_bps = 1;
    assert!(!base.may_increase_emission(&p));
    // One field up is enough, even with others down.
    let mut p = with_cap(1);
    p.emission.initial_per_epoch += 1;
    assert!(base.may_increase_emission(&p));
}

#[test]
fn check_schedule_rules() {
    let mut c = config();
    c.next_epoch = 3;
    // Lowering: any epoch after next_epoch, whenever.
    assert_eq!(code(c.check_schedule(&with_cap(1), 3, 0)), err(E::EffectiveEpochTooEarly));
    assert_eq!(code(c.check_schedule(&with_cap(1), 2, 0)), err(E::EffectiveEpochTooEarly));
    assert_eq!(c.check_schedule(&with_cap(1), 4, i64::MAX / 2).unwrap(), 4 * L);
    // The same set again.
    assert_eq!(code(c.check_schedule(&default_params(), 4, 0)), err(E::NothingToUpdate));
    // Bounds and the minimum challenge period.
    let mut p = with_cap(1);
    p.report_grace_seconds = L;
    assert_eq!(code(c.check_schedule(&p, 4, 0)), err(E::InvalidReportGrace));
    p.report_grace_seconds = 0;
    p.challenge_period_seconds = MIN_CHALLENGE_SECONDS - 1;
    assert_eq!(code(c.check_schedule(&p, 4, 0)), err(E::ChallengePeriodBelowMinimum));
    // An increase: start(e) ≥ now + L + max(old, new challenge period).
    let up = with_cap(u64::MAX);
    let start = 10 * L;
    let bound = start - L - CHALLENGE_SECONDS;
    assert_eq!(c.check_schedule(&up, 10, bound).unwrap(), start);
    assert_eq!(code(c.check_schedule(&up, 10, bound + 1)), err(E::IncreaseTooSoon));
    let mut longer = up;
    longer.challenge_period_seconds = CHALLENGE_SECONDS + 100;
    assert_eq!(code(c.check_schedule(&longer, 10, bound)), err(E::IncreaseTooSoon));
    assert!(c.check_schedule(&longer, 10, bound - 100).is_ok());
    // An epoch whose start does not fit an i64.
    assert_eq!(code(c.check_schedule(&with_cap(1), u64::MAX, 0)), err(E::ArithmeticOverflow));
}

#[test]
fn check_schedule_sees_the_state_after_promotion() {
    let mut c = config();
    c.scheduled_params = Some(ScheduledParams { params: with_cap(7), effective_epoch: 2 });
    c.next_epoch = 1;
    // Not due: a second set is refused.
    assert_eq!(code(c.check_schedule(&with_cap(5), 3, 0)), err(E::ParamsAlreadyScheduled));
    // Due: the scheduled set is the one replaced, so scheduling it again changes nothing,
    // and raising the cap back above it is an increase.
    c.next_epoch = 2;
    assert_eq!(code(c.check_schedule(&with_cap(7), 3, 0)), err(E::NothingToUpdate));
    assert!(c.check_schedule(&with_cap(5), 3, 0).is_ok());
    assert_eq!(code(c.check_schedule(&with_cap(8), 3, 3 * L)), err(E::IncreaseTooSoon));
}

#[test]
fn sdk_earliest_effective_epoch_meets_the_rules() {
    let mut c = config();
    c.next_epoch = 3;
    // A lowering: right after next_epoch.
    assert_eq!(sdk::earliest_effective_epoch(&c, &with_cap(1), 0), Some(4));
    // An increase: the first epoch starting at or after now + L + C.
    let up = with_cap(u64::MAX);
    for now in [0, 5 * L - 1, 5 * L, 5 * L + 1, 20 * L + 7] {
        let e = sdk::earliest_effective_epoch(&c, &up, now).unwrap();
        assert!(c.check_schedule(&up, e, now).is_ok(), "now {now}");
        assert!(e == 4 || c.check_schedule(&up, e - 1, now).is_err(), "now {now}");
    }
}
