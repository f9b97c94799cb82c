//! `set_params` rejections, each with its exact error: the effective epoch, the delay of a
//! possible increase (at the bound and one second short of it), the minimum challenge
//! period, every parameter bound, the signer and a set equal to the current one.

use super::prelude::*;
use gridmint_protocol::limits::{MAX_CHALLENGE_PERIOD_SECONDS, MAX_REPORT_GRACE_SECONDS};

/// The default set with a lower hard cap.
fn lower_cap() -> Params {
    let mut p = default_params();
    p.hard_cap_per_epoch = 1_000;
    p
}

#[tokio::test]
async fn set_params_effective_epoch_too_early() {
    // Given nothing final (next_epoch = 0), Then epoch 0 cannot be changed
    let (mut env, rewards) = setup().await;
    assert_error(env.schedule_params(&rewards, lower_cap(), 0).await, E::EffectiveEpochTooEarly);
    // Given epochs 0 and 1 final (next_epoch = 2)
    env.finalize_claimable(&rewards, 0, &tree(&[])).await;
    env.finalize_claimable(&rewards, 1, &tree(&[])).await;
    // Then an epoch in the past and the epoch being reported are refused, the next one is not
    assert_error(env.schedule_params(&rewards, lower_cap(), 1).await, E::EffectiveEpochTooEarly);
    assert_error(env.schedule_params(&rewards, lower_cap(), 2).await, E::EffectiveEpochTooEarly);
    env.schedule_params(&rewards, lower_cap(), 3).await.expect("after next_epoch");
}

#[tokio::test]
async fn set_params_lowering_takes_effect_for_the_next_epoch() {
    // Given the epoch after next_epoch starts well within a day of now
    let (mut env, rewards) = setup().await;
    // When every emission field is lowered at once from epoch 1, Then it is accepted
    let mut p = lower_cap();
    p.emission.initial_per_epoch = 500;
    p.emission.floor_per_epoch = 0;
    p.emission.decay_bps = 5_000;
    p.emission.decay_interval_epochs = 1;
    env.schedule_params(&rewards, p, 1).await.expect("lowering for the next epoch");
}

#[tokio::test]
async fn set_params_increase_too_soon() {
    // Given an increase of the hard cap from epoch 3, which starts at G + 3L; the bound is
    // start ≥ now + L + max(old, new challenge period)
    let (mut env, rewards) = setup().await;
    let mut up = default_params();
    up.hard_cap_per_epoch += 1;
    let start = rewards.genesis_time + 3 * EPOCH_SECONDS;
    let bound = start - EPOCH_SECONDS - CHALLENGE_SECONDS;

    // When scheduled one second too late, Then IncreaseTooSoon; a sooner epoch too
    env.set_time(bound + 1).await;
    assert_error(env.schedule_params(&rewards, up, 3).await, E::IncreaseTooSoon);
    assert_error(env.schedule_params(&rewards, up, 1).await, E::IncreaseTooSoon);

    // When the new set also lengthens the challenge period, Then the longer one counts
    env.set_time(bound).await;
    let mut longer = up;
    longer.challenge_period_seconds = CHALLENGE_SECONDS + 1;
    assert_error(env.schedule_params(&rewards, longer, 3).await, E::IncreaseTooSoon);

    // When scheduled exactly at the bound, Then accepted
    env.schedule_params(&rewards, up, 3).await.expect("exactly at the bound");
    assert_eq!(env.rewards_config().await.scheduled_params.unwrap().effective_epoch, 3);
}

#[tokio::test]
async fn set_params_each_possible_increase_is_delayed() {
    // Each field that can raise an epoch's emission needs the delay, for the next epoch
    let (mut env, rewards) = setup().await;
    let changes: Vec<Change> = vec![
        Box::new(|p| p.emission.initial_per_epoch += 1),
        Box::new(|p| p.emission.floor_per_epoch += 1),
        Box::new(|p| p.hard_cap_per_epoch += 1),
        Box::new(|p| p.emission.decay_bps -= 1),
        Box::new(|p| p.emission.decay_interval_epochs += 1),
    ];
    for (i, change) in changes.into_iter().enumerate() {
        let mut p = default_params();
        change(&mut p);
        let result = env.schedule_params(&rewards, p, 1).await;
        assert_eq!(custom_error(&result), Some(u32::from(E::IncreaseTooSoon)), "case {i}");
    }
    assert!(env.rewards_config().await.scheduled_params.is_none());
}

#[tokio::test]
async fn set_params_challenge_period_below_minimum() {
    let (mut env, rewards) = setup().await;
    let mut p = default_params();
    p.challenge_period_seconds = MIN_CHALLENGE_SECONDS - 1;
    assert_error(env.schedule_params(&rewards, p, 1).await, E::ChallengePeriodBelowMinimum);
    // The minimum itself is fine (a shorter challenge period is no increase).
    p.challenge_period_seconds = MIN_CHALLENGE_SECONDS;
    env.schedule_params(&rewards, p, 1).await.expect("at the minimum");
}

#[tokio::test]
async fn set_params_not_authority() {
    let (mut env, _rewards) = setup().await;
    let intruder = env.funded_keypair(100_000_000).await;
    let result =
        env.send(&[sdk::set_params(&intruder.pubkey(), lower_cap(), 1)], &[&intruder]).await;
    assert_error(result, E::NotAuthority);
}

#[tokio::test]
async fn set_params_nothing_to_update() {
    let (mut env, rewards) = setup().await;
    assert_error(env.schedule_params(&rewards, default_params(), 1).await, E::NothingToUpdate);
}

/// One out-of-bounds change of the parameters.
type Change = Box<dyn Fn(&mut Params)>;

#[tokio::test]
async fn set_params_bounds() {
    // Each out-of-bounds value fails with its own error and changes nothing.
    let (mut env, rewards) = setup().await;
    let cases: Vec<(Change, E)> = vec![
        (
            Box::new(|p| p.report_grace_seconds = MAX_REPORT_GRACE_SECONDS + 1),
            E::InvalidReportGrace,
        ),
        (Box::new(|p| p.report_grace_seconds = -1), E::InvalidReportGrace),
        // Not below the epoch length (here 1 day, under the 2-day maximum).
        (Box::new(|p| p.report_grace_seconds = EPOCH_SECONDS), E::InvalidReportGrace),
        (Box::new(|p| p.challenge_period_seconds = 0), E::InvalidChallengePeriod),
        (Box::new(|p| p.challenge_period_seconds = EPOCH_SECONDS), E::InvalidChallengePeriod),
        (
            Box::new(|p| p.challenge_period_seconds = MAX_CHALLENGE_PERIOD_SECONDS + 1),
            E::InvalidChallengePeriod,
        ),
        (Box::new(|p| p.emission.decay_bps = 10_001), E::InvalidDecay),
        (Box::new(|p| p.emission.decay_interval_epochs = 0), E::InvalidDecayInterval),
        (
            Box::new(|p| p.emission.floor_per_epoch = p.emission.initial_per_epoch + 1),
            E::FloorAboveInitial,
        ),
        (Box::new(|p| p.hard_cap_per_epoch = 0), E::ZeroHardCap),
        (Box::new(|p| p.reward_formula.compute_pool_bps = 10_001), E::InvalidComputeShare),
        (Box::new(|p| p.reward_formula.green_bonus_bps = 10_001), E::InvalidGreenBonus),
        (Box::new(|p| p.reward_formula.max_capacity_factor_bps = 10_001), E::InvalidCapacityFactor),
    ];
    for (i, (change, error)) in cases.into_iter().enumerate() {
        let mut params = default_params();
        change(&mut params);
        let result = env.schedule_params(&rewards, params, 1).await;
        assert_eq!(custom_error(&result), Some(u32::from(error)), "case {i}");
    }
    let config = env.rewards_config().await;
    assert_eq!((config.params, config.scheduled_params), (default_params(), None));
    // Just below the epoch length, the grace is fine.
    let mut p = default_params();
    p.report_grace_seconds = EPOCH_SECONDS - 1;
    env.schedule_params(&rewards, p, 1).await.expect("grace below the epoch length");
}
