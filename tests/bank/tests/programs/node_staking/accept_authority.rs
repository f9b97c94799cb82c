//! `accept_authority` (step two of the authority transfer).

use super::prelude::*;

async fn with_pending() -> (Env, Staking, Keypair) {
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let next = env.funded_keypair(LAMPORTS).await;
    let ix = sdk::transfer_authority(&s.authority.pubkey(), Some(next.pubkey()));
    env.send(&[ix], &[&s.authority]).await.expect("propose");
    (env, s, next)
}

#[tokio::test]
async fn accept_authority_ok() {
    // Given a proposed new authority
    let (mut env, s, next) = with_pending().await;

    // When it accepts
    let events: Vec<AuthorityTransferred> =
        send_with_events(&mut env, sdk::accept_authority(&next.pubkey()), &[&next]).await;

    // Then it is the authority, nothing is pending, and the event has old and new
    let c = s.config_state(&mut env).await;
    assert_eq!((c.authority, c.pending_authority), (next.pubkey(), None));
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].old_authority, events[0].new_authority),
        (s.authority.pubkey(), next.pubkey())
    );
    // And the old authority lost its powers while the new one has them
    let result = env.send(&[sdk::pause(&s.authority.pubkey())], &[&s.authority]).await;
    assert_error(result, E::NotAuthority);
    env.send(&[sdk::pause(&next.pubkey())], &[&next]).await.expect("new authority pauses");
}

#[tokio::test]
async fn accept_authority_by_other_key_fails() {
    // Given a proposed new authority
    let (mut env, s, _next) = with_pending().await;
    let intruder = Keypair::new();

    // When another key accepts
    let result = env.send(&[sdk::accept_authority(&intruder.pubkey())], &[&intruder]).await;

    // Then it is refused and the authority is unchanged
    assert_error(result, E::NotPendingAuthority);
    assert_eq!(s.config_state(&mut env).await.authority, s.authority.pubkey());
}

#[tokio::test]
async fn accept_authority_without_pending_fails() {
    // Given no proposal
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;

    // When the current authority "accepts"
    let result = env.send(&[sdk::accept_authority(&s.authority.pubkey())], &[&s.authority]).await;

    // Then there is nothing to accept
    assert_error(result, E::NoPendingAuthority);
}

#[tokio::test]
async fn accept_authority_after_cancel_fails() {
    // Given a proposal that was cancelled
    let (mut env, s, next) = with_pending().await;
    let ix = sdk::transfer_authority(&s.authority.pubkey(), None);
    env.send(&[ix], &[&s.authority]).await.expect("cancel");

    // When the once-proposed key accepts
    let result = env.send(&[sdk::accept_authority(&next.pubkey())], &[&next]).await;

    // Then it is refused
    assert_error(result, E::NoPendingAuthority);
}

#[tokio::test]
async fn accept_authority_with_fake_config_fails() {
    // Given a fake config copy whose pending authority is the attacker
    let (mut env, s, _next) = with_pending().await;
    let attacker = Keypair::new();
    let mut config = s.config_state(&mut env).await;
    config.pending_authority = Some(attacker.pubkey());
    let fake = Pubkey::new_unique();
    env.set_anchor_account(&fake, &config, &node_staking::ID).await;
    let mut ix = sdk::accept_authority(&attacker.pubkey());
    replace_account(&mut ix, &s.config, fake);

    // When the attacker accepts through it
    let result = env.send(&[ix], &[&attacker]).await;

    // Then the config's seeds do not match
    assert_error(result, ErrorCode::ConstraintSeeds as u32);
}
