//! `accept_authority`: the proposed key takes over, nobody else can.

use super::prelude::*;

#[tokio::test]
async fn accept_authority_ok() {
    // Given a proposed authority
    let (mut env, rewards) = setup().await;
    let next = env.funded_keypair(100_000_000).await;
    let ix = sdk::transfer_authority(&rewards.authority.pubkey(), Some(next.pubkey()));
    env.send(&[ix], &[&rewards.authority]).await.unwrap();

    // When it accepts
    let events = send_with_events::<AuthorityTransferred>(
        &mut env,
        &[sdk::accept_authority(&next.pubkey())],
        &[&next],
    )
    .await;

    // Then it is the authority, nothing is pending, and the old authority lost its rights
    let config = env.rewards_config().await;
    assert_eq!(config.authority, next.pubkey());
    assert_eq!(config.pending_authority, None);
    assert_eq!(events[0].old_authority, rewards.authority.pubkey());
    assert_eq!(events[0].new_authority, next.pubkey());
    let result = env.send(&[sdk::pause(&rewards.authority.pubkey())], &[&rewards.authority]).await;
    assert_error(result, E::NotAuthority);
    env.send(&[sdk::pause(&next.pubkey())], &[&next]).await.expect("new authority pauses");
}

#[tokio::test]
async fn accept_authority_wrong_signer() {
    let (mut env, rewards) = setup().await;
    let next = Pubkey::new_unique();
    let ix = sdk::transfer_authority(&rewards.authority.pubkey(), Some(next));
    env.send(&[ix], &[&rewards.authority]).await.unwrap();
    let intruder = env.funded_keypair(100_000_000).await;
    let result = env.send(&[sdk::accept_authority(&intruder.pubkey())], &[&intruder]).await;
    assert_error(result, E::NotPendingAuthority);
}

#[tokio::test]
async fn accept_authority_nothing_pending() {
    let (mut env, _rewards) = setup().await;
    let someone = env.funded_keypair(100_000_000).await;
    let result = env.send(&[sdk::accept_authority(&someone.pubkey())], &[&someone]).await;
    assert_error(result, E::NoPendingAuthority);
}
