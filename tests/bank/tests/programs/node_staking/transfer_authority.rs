//! `transfer_authority` (step one of the two-step authority transfer).

use super::prelude::*;

#[tokio::test]
async fn transfer_authority_ok() {
    // Given an initialized deployment
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let next = Keypair::new();

    // When the authority proposes a new one
    let ix = sdk::transfer_authority(&s.authority.pubkey(), Some(next.pubkey()));
    let events: Vec<AuthorityTransferProposed> =
        send_with_events(&mut env, ix, &[&s.authority]).await;

    // Then it is pending, the authority is unchanged, and the event has old and new
    let c = s.config_state(&mut env).await;
    assert_eq!(c.pending_authority, Some(next.pubkey()));
    assert_eq!(c.authority, s.authority.pubkey());
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].old_pending, events[0].new_pending), (None, Some(next.pubkey())));
}

#[tokio::test]
async fn transfer_authority_cancel_ok() {
    // Given a pending proposal
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let next = Pubkey::new_unique();
    let ix = sdk::transfer_authority(&s.authority.pubkey(), Some(next));
    env.send(&[ix], &[&s.authority]).await.expect("propose");

    // When the authority cancels it
    let ix = sdk::transfer_authority(&s.authority.pubkey(), None);
    let events: Vec<AuthorityTransferProposed> =
        send_with_events(&mut env, ix, &[&s.authority]).await;

    // Then nothing is pending any more
    assert_eq!(s.config_state(&mut env).await.pending_authority, None);
    assert_eq!((events[0].old_pending, events[0].new_pending), (Some(next), None));
}

#[tokio::test]
async fn transfer_authority_cancel_without_pending_fails() {
    // Given no pending proposal
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;

    // When the authority cancels
    let ix = sdk::transfer_authority(&s.authority.pubkey(), None);
    let result = env.send(&[ix], &[&s.authority]).await;

    // Then there is nothing to cancel
    assert_error(result, E::NoPendingAuthority);
}

#[tokio::test]
async fn transfer_authority_by_other_key_fails() {
    // Given a key that is not the authority
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let intruder = Keypair::new();

    // When it proposes itself
    let ix = sdk::transfer_authority(&intruder.pubkey(), Some(intruder.pubkey()));
    let result = env.send(&[ix], &[&intruder]).await;

    // Then it is refused and nothing is pending
    assert_error(result, E::NotAuthority);
    assert_eq!(s.config_state(&mut env).await.pending_authority, None);
}

#[tokio::test]
async fn transfer_authority_to_default_key_fails() {
    // Given an initialized deployment
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;

    // When the authority proposes the all-zero key
    let ix = sdk::transfer_authority(&s.authority.pubkey(), Some(Pubkey::default()));
    let result = env.send(&[ix], &[&s.authority]).await;

    // Then it is refused
    assert_error(result, E::InvalidAuthority);
}

#[tokio::test]
async fn transfer_authority_with_fake_config_fails() {
    // Given a copy of the config at a non-PDA address naming the attacker as authority
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let attacker = Keypair::new();
    let fake = fake_config(&mut env, &s, &attacker.pubkey()).await;
    let mut ix = sdk::transfer_authority(&attacker.pubkey(), Some(attacker.pubkey()));
    replace_account(&mut ix, &s.config, fake);

    // When the attacker uses it
    let result = env.send(&[ix], &[&attacker]).await;

    // Then the config's seeds do not match
    assert_error(result, ErrorCode::ConstraintSeeds as u32);
}
