//! `set_params`: bounded replacement of the parameters, with old and new values in the event.

use super::prelude::*;
use gridmint_protocol::limits::{MAX_CHALLENGE_PERIOD_SECONDS, MAX_REPORT_GRACE_SECONDS};

async fn set(
    env: &mut Env,
    rewards: &Rewards,
    params: Params,
) -> Result<(), solana_transaction::TransactionError> {
    env.send(&[sdk::set_params(&rewards.authority.pubkey(), params)], &[&rewards.authority]).await
}

#[tokio::test]
async fn set_params_ok() {
    // Given a deployment with the default parameters
    let (mut env, rewards) = setup().await;
    let mut new = default_params();
    new.challenge_period_seconds = 7_200;
    new.emission.initial_per_epoch = 5_000_000_000;
    new.hard_cap_per_epoch = 4_000_000_000;
    new.reward_formula.green_bonus_bps = 10_000;

    // When the authority sets new ones
    let ix = sdk::set_params(&rewards.authority.pubkey(), new);
    let events = send_with_events::<ParamsUpdated>(&mut env, &[ix], &[&rewards.authority]).await;

    // Then they are stored and the event carries old and new
    assert_eq!(env.rewards_config().await.params, new);
    assert_eq!(events[0].old, default_params());
    assert_eq!(events[0].new, new);
}

#[tokio::test]
async fn set_params_changes_the_emission_bound() {
    // Given a lower hard cap set before epoch 0 is reported
    let (mut env, rewards) = setup().await;
    let mut new = default_params();
    new.hard_cap_per_epoch = 1_000;
    set(&mut env, &rewards, new).await.unwrap();
    // Then an increase of 1,001 exceeds the emission, 1,000 finalizes
    env.advance_to(rewards.report_time(0)).await;
    let who = recipients(1);
    let over = rewards.report_args(0, 0, &tree(&[(who[0], 1_001)]), manifest(0));
    assert_error(env.submit_report(&rewards.oracles[0], over).await, E::EmissionExceeded);
    env.finalize_epoch(&rewards, 0, &tree(&[(who[0], 1_000)])).await;
}

#[tokio::test]
async fn set_params_not_authority() {
    let (mut env, _rewards) = setup().await;
    let intruder = env.funded_keypair(100_000_000).await;
    let mut new = default_params();
    new.hard_cap_per_epoch = 1;
    let result = env.send(&[sdk::set_params(&intruder.pubkey(), new)], &[&intruder]).await;
    assert_error(result, E::NotAuthority);
}

#[tokio::test]
async fn set_params_nothing_to_update() {
    let (mut env, rewards) = setup().await;
    assert_error(set(&mut env, &rewards, default_params()).await, E::NothingToUpdate);
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
        let result = set(&mut env, &rewards, params).await;
        assert_eq!(custom_error(&result), Some(u32::from(error)), "case {i}");
    }
    assert_eq!(env.rewards_config().await.params, default_params());
}
