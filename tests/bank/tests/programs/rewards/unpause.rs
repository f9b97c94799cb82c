//! `unpause`: reports and claims run again.

use super::prelude::*;

#[tokio::test]
async fn unpause_ok() {
    // Given a paused deployment with a claimable root
    let (mut env, rewards) = setup().await;
    let who = recipients(1);
    let t0 = tree(&[(who[0], 500)]);
    env.finalize_claimable(&rewards, 0, &t0).await;
    env.send(&[sdk::pause(&rewards.authority.pubkey())], &[&rewards.authority]).await.unwrap();

    // When the authority unpauses
    let ix = sdk::unpause(&rewards.authority.pubkey());
    let events = send_with_events::<PauseChanged>(&mut env, &[ix], &[&rewards.authority]).await;

    // Then claims work again
    assert!(!env.rewards_config().await.paused);
    assert_eq!((events[0].old_paused, events[0].new_paused), (true, false));
    env.claim_from_tree(&rewards, &t0, &who[0]).await.expect("claim after unpause");
    assert_eq!(env.reward_balance(&rewards, &who[0]).await, 500);
}

#[tokio::test]
async fn unpause_not_paused() {
    let (mut env, rewards) = setup().await;
    let result =
        env.send(&[sdk::unpause(&rewards.authority.pubkey())], &[&rewards.authority]).await;
    assert_error(result, E::NotPaused);
}

#[tokio::test]
async fn unpause_not_authority() {
    let (mut env, rewards) = setup().await;
    env.send(&[sdk::pause(&rewards.authority.pubkey())], &[&rewards.authority]).await.unwrap();
    let intruder = env.funded_keypair(100_000_000).await;
    let result = env.send(&[sdk::unpause(&intruder.pubkey())], &[&intruder]).await;
    assert_error(result, E::NotAuthority);
}
