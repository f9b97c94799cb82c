//! `set_challenge_params`: the authority sets the compute-challenge parameters (§10.1);
//! every bound, the report-grace rule (both ways), the signer and a no-op change.

use super::prelude::*;
use gridmint_sdk::rewards::ChallengeSettings;

/// §10.9's example set: N = 4, R = 2, T = 1, grace = 29.
pub fn example() -> ChallengeSettings {
    ChallengeSettings {
        beacons_per_epoch: 4,
        challenges_per_epoch: 2,
        target_seconds: 1,
        grace_seconds: 29,
    }
}

/// The authority sets `params`.
pub async fn set_challenge(
    env: &mut Env,
    rewards: &Rewards,
    params: ChallengeSettings,
) -> Result<(), solana_transaction::TransactionError> {
    let ix = sdk::set_challenge_params(&rewards.authority.pubkey(), params);
    env.send(&[ix], &[&rewards.authority]).await
}

#[tokio::test]
async fn set_challenge_params_ok() {
    // Given a deployment that predates challenges (all zero: disabled)
    let (mut env, rewards) = setup().await;
    let before = env.rewards_config().await;
    assert_eq!(before.challenge, ChallengeSettings::default());

    // When the authority sets the example parameters
    let ix = sdk::set_challenge_params(&rewards.authority.pubkey(), example());
    let events =
        send_with_events::<ChallengeParamsUpdated>(&mut env, &[ix], &[&rewards.authority]).await;

    // Then they are stored, nothing else changed, and the event carries old and new
    let after = env.rewards_config().await;
    assert_eq!(after.challenge, example());
    assert_eq!(sdk::Config { challenge: ChallengeSettings::default(), ..after }, before);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].authority, rewards.authority.pubkey());
    assert_eq!((events[0].old, events[0].new), (ChallengeSettings::default(), example()));

    // And the all-zero set disables them again
    set_challenge(&mut env, &rewards, ChallengeSettings::default()).await.expect("disable");
    assert_eq!(env.rewards_config().await.challenge, ChallengeSettings::default());
}

#[tokio::test]
async fn set_challenge_params_not_authority() {
    let (mut env, _rewards) = setup().await;
    let intruder = env.funded_keypair(100_000_000).await;
    let ix = sdk::set_challenge_params(&intruder.pubkey(), example());
    assert_error(env.send(&[ix], &[&intruder]).await, E::NotAuthority);
}

#[tokio::test]
async fn set_challenge_params_same_set_fails() {
    let (mut env, rewards) = setup().await;
    set_challenge(&mut env, &rewards, example()).await.expect("first");
    assert_error(set_challenge(&mut env, &rewards, example()).await, E::NothingToUpdate);
}

#[tokio::test]
async fn set_challenge_params_bounds() {
    let (mut env, rewards) = setup().await;
    let with = |f: &dyn Fn(&mut ChallengeSettings)| {
        let mut p = example();
        f(&mut p);
        p
    };
    let cases: [(ChallengeSettings, E); 7] = [
        (with(&|p| p.beacons_per_epoch = 0), E::InvalidBeaconCount),
        (with(&|p| p.beacons_per_epoch = 65), E::InvalidBeaconCount),
        (with(&|p| p.challenges_per_epoch = 5), E::ChallengesAboveBeacons),
        (with(&|p| p.target_seconds = 0), E::InvalidChallengeTarget),
        (with(&|p| p.target_seconds = 601), E::InvalidChallengeTarget),
        (with(&|p| p.grace_seconds = 601), E::InvalidChallengeGrace),
        // Zero beacons but a target: not the all-zero "disabled" set, so bounds apply.
        (ChallengeSettings { target_seconds: 1, ..Default::default() }, E::InvalidBeaconCount),
    ];
    for (params, error) in cases {
        assert_error(set_challenge(&mut env, &rewards, params).await, error);
    }
    // At the bounds: N = 64 = R, T = 600, grace = 600 (1,200 s ≤ the 3,600 s report grace)
    let max = ChallengeSettings {
        beacons_per_epoch: 64,
        challenges_per_epoch: 64,
        target_seconds: 600,
        grace_seconds: 600,
    };
    set_challenge(&mut env, &rewards, max).await.expect("every bound at its maximum");
    assert_eq!(env.rewards_config().await.challenge, max);
}

#[tokio::test]
async fn set_challenge_params_epoch_too_short() {
    // Given a config whose epochs last 100 s (injected: initialize's bounds allow it, but the
    // default fixture uses a day)
    let (mut env, rewards) = setup().await;
    let mut config = env.rewards_config().await;
    config.epoch_seconds = 100;
    env.set_anchor_account(&sdk::config_address(), &config, &sdk::PROGRAM_ID).await;
    // Then 64 beacons need 128 s, 50 beacons fit
    let mut p = example();
    p.beacons_per_epoch = 64;
    assert_error(set_challenge(&mut env, &rewards, p).await, E::EpochTooShortForBeacons);
    p.beacons_per_epoch = 50;
    set_challenge(&mut env, &rewards, p).await.expect("2N = L");
}

#[tokio::test]
async fn set_challenge_params_response_within_report_grace() {
    // Given a report grace of 3,600 s now and 1,000 s in a scheduled set (T + grace is at
    // most 1,200 s, so only a short report grace can be exceeded)
    let (mut env, rewards) = setup().await;
    let mut p = example();
    let mut params = default_params();
    params.report_grace_seconds = 1_000;
    env.schedule_params(&rewards, params, 1).await.expect("schedule a shorter grace");
    // Then T + grace = 1,001 s is refused against the shorter of the two, 1,000 s is not
    p.target_seconds = 600;
    p.grace_seconds = 401;
    assert_error(
        set_challenge(&mut env, &rewards, p).await,
        E::ChallengeResponseExceedsReportGrace,
    );
    p.grace_seconds = 400;
    set_challenge(&mut env, &rewards, p).await.expect("T + grace = report grace");
    // And challenges disabled (R = 0) are not bound by the report grace
    let mut off = p;
    off.challenges_per_epoch = 0;
    off.grace_seconds = 600;
    set_challenge(&mut env, &rewards, off).await.expect("R = 0");
}

#[tokio::test]
async fn set_params_report_grace_below_challenge_response_fails() {
    // Given challenges with T + grace = 1,000 s
    let (mut env, rewards) = setup().await;
    let mut p = example();
    p.target_seconds = 600;
    p.grace_seconds = 400;
    set_challenge(&mut env, &rewards, p).await.expect("challenges on");
    // When a parameter set lowers the report grace below it, Then it is refused
    let mut params = default_params();
    params.report_grace_seconds = 999;
    assert_error(
        env.schedule_params(&rewards, params, 1).await,
        E::ChallengeResponseExceedsReportGrace,
    );
    params.report_grace_seconds = 1_000;
    env.schedule_params(&rewards, params, 1).await.expect("equal is enough");
}
