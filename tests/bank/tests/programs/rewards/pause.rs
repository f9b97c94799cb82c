//! `pause`: blocks `submit_report` and `claim`; vetoes, rounds and admin keep working.

use super::prelude::*;

#[tokio::test]
async fn pause_ok_blocks_reports_and_claims() {
    // Given a claimable epoch 0 and a final epoch 1 in its challenge period
    let (mut env, rewards) = setup().await;
    let who = recipients(2);
    let t0 = tree(&[(who[0], 100), (who[1], 200)]);
    env.finalize_claimable(&rewards, 0, &t0).await;
    let t1 = tree(&[(who[0], 300), (who[1], 400)]);
    env.finalize_epoch(&rewards, 1, &t1).await;

    // When the authority pauses
    let ix = sdk::pause(&rewards.authority.pubkey());
    let events = send_with_events::<PauseChanged>(&mut env, &[ix], &[&rewards.authority]).await;
    assert!(env.rewards_config().await.paused);
    assert_eq!((events[0].old_paused, events[0].new_paused), (false, true));

    // Then claims and reports are refused (the pause is checked before anything else)
    assert_error(env.claim_from_tree(&rewards, &t0, &who[0]).await, E::Paused);
    let args = rewards.report_args(2, 0, &t1, manifest(2));
    assert_error(env.submit_report(&rewards.oracles[0], args).await, E::Paused);

    // But the authority can still veto epoch 1, which is in its challenge period
    let ix = sdk::veto_epoch(&rewards.authority.pubkey(), 1, [9; 32]);
    env.send(&[ix], &[&rewards.authority]).await.expect("veto while paused");
    assert_eq!(env.epoch_state(1).await.unwrap().status, EpochStatus::Voting);
}

#[tokio::test]
async fn pause_twice_fails() {
    let (mut env, rewards) = setup().await;
    env.send(&[sdk::pause(&rewards.authority.pubkey())], &[&rewards.authority]).await.unwrap();
    let result = env.send(&[sdk::pause(&rewards.authority.pubkey())], &[&rewards.authority]).await;
    assert_error(result, E::AlreadyPaused);
}

#[tokio::test]
async fn pause_not_authority() {
    let (mut env, _rewards) = setup().await;
    let intruder = env.funded_keypair(100_000_000).await;
    let result = env.send(&[sdk::pause(&intruder.pubkey())], &[&intruder]).await;
    assert_error(result, E::NotAuthority);
}
