//! `unpause`.

use super::prelude::*;

#[tokio::test]
async fn unpause_ok() {
    // Given a paused deployment
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    pause(&mut env, &s).await;

    // When the authority unpauses
    let events: Vec<PauseChanged> =
        send_with_events(&mut env, sdk::unpause(&s.authority.pubkey()), &[&s.authority]).await;

    // Then registration works again
    assert!(!s.config_state(&mut env).await.paused);
    assert_eq!((events[0].old_paused, events[0].new_paused), (true, false));
    let op = s.operator(&mut env, 10_000).await;
    s.register(&mut env, &op, NodeKind::Compute, 1_000).await;
}

#[tokio::test]
async fn unpause_when_not_paused_fails() {
    // Given a running deployment
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;

    // When the authority unpauses
    let result = env.send(&[sdk::unpause(&s.authority.pubkey())], &[&s.authority]).await;

    // Then it is refused
    assert_error(result, E::NotPaused);
}

#[tokio::test]
async fn unpause_by_other_key_fails() {
    // Given a paused deployment
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    pause(&mut env, &s).await;
    let intruder = Keypair::new();

    // When another key unpauses
    let result = env.send(&[sdk::unpause(&intruder.pubkey())], &[&intruder]).await;

    // Then it is refused
    assert_error(result, E::NotAuthority);
}
