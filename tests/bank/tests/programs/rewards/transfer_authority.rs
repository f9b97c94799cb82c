//! `transfer_authority`: propose and cancel, with its failures.

use super::prelude::*;

#[tokio::test]
async fn transfer_authority_ok_and_cancel() {
    // Given a deployment
    let (mut env, rewards) = setup().await;
    let next = Pubkey::new_unique();

    // When the authority proposes a new one
    let ix = sdk::transfer_authority(&rewards.authority.pubkey(), Some(next));
    let events =
        send_with_events::<AuthorityTransferProposed>(&mut env, &[ix], &[&rewards.authority]).await;

    // Then it is pending (the authority is unchanged) and the event has old and new
    let config = env.rewards_config().await;
    assert_eq!(config.pending_authority, Some(next));
    assert_eq!(config.authority, rewards.authority.pubkey());
    assert_eq!((events[0].old_pending, events[0].new_pending), (None, Some(next)));

    // When it cancels, Then nothing is pending
    let ix = sdk::transfer_authority(&rewards.authority.pubkey(), None);
    let events =
        send_with_events::<AuthorityTransferProposed>(&mut env, &[ix], &[&rewards.authority]).await;
    assert_eq!(env.rewards_config().await.pending_authority, None);
    assert_eq!((events[0].old_pending, events[0].new_pending), (Some(next), None));
}

#[tokio::test]
async fn transfer_authority_not_authority() {
    let (mut env, _rewards) = setup().await;
    let intruder = env.funded_keypair(100_000_000).await;
    let ix = sdk::transfer_authority(&intruder.pubkey(), Some(intruder.pubkey()));
    assert_error(env.send(&[ix], &[&intruder]).await, E::NotAuthority);
}

#[tokio::test]
async fn transfer_authority_invalid_key() {
    let (mut env, rewards) = setup().await;
    let ix = sdk::transfer_authority(&rewards.authority.pubkey(), Some(Pubkey::default()));
    assert_error(env.send(&[ix], &[&rewards.authority]).await, E::InvalidAuthority);
}

#[tokio::test]
async fn transfer_authority_cancel_without_pending() {
    let (mut env, rewards) = setup().await;
    let ix = sdk::transfer_authority(&rewards.authority.pubkey(), None);
    assert_error(env.send(&[ix], &[&rewards.authority]).await, E::NoPendingAuthority);
}
