//! `pause`, and what a pause blocks (each blocked instruction's own test lives in its file).

use super::prelude::*;

#[tokio::test]
async fn pause_ok() {
    // Given a running deployment
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;

    // When the authority pauses
    let events: Vec<PauseChanged> =
        send_with_events(&mut env, sdk::pause(&s.authority.pubkey()), &[&s.authority]).await;

    // Then it is paused and the event has old and new values
    assert!(s.config_state(&mut env).await.paused);
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].old_paused, events[0].new_paused), (false, true));
}

#[tokio::test]
async fn pause_twice_fails() {
    // Given a paused deployment
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    pause(&mut env, &s).await;

    // When the authority pauses again
    let result = env.send(&[sdk::pause(&s.authority.pubkey())], &[&s.authority]).await;

    // Then it is refused
    assert_error(result, E::AlreadyPaused);
}

#[tokio::test]
async fn pause_by_other_key_fails() {
    // Given the slash authority (not the config authority)
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;

    // When it pauses
    let result = env.send(&[sdk::pause(&s.slash_authority.pubkey())], &[&s.slash_authority]).await;

    // Then it is refused
    assert_error(result, E::NotAuthority);
}

#[tokio::test]
async fn pause_keeps_every_exit_open() {
    // Given two staked nodes, one with unlocked pending stake, and a paused deployment
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let op = s.operator(&mut env, 100_000).await;
    let leaving = s.register(&mut env, &op, NodeKind::Compute, 5_000).await;
    let other = s.register(&mut env, &op, NodeKind::Energy, 5_000).await;
    request_unstake(&mut env, &op, leaving.node_id, 5_000).await;
    env.warp_seconds(UNBONDING_SECONDS).await;
    pause(&mut env, &s).await;

    // When the operator requests, withdraws, closes and rotates while paused
    request_unstake(&mut env, &op, other.node_id, 1_000).await;
    let ix = sdk::withdraw(&op.pubkey(), leaving.node_id, &s.tokens(&op));
    env.send(&[ix], &[&op.keypair]).await.expect("withdraw while paused");
    let ix = sdk::close_node(&op.pubkey(), leaving.node_id, &leaving.device.pubkey());
    env.send(&[ix], &[&op.keypair]).await.expect("close while paused");
    let new_device = Keypair::new();
    let ix = sdk::rotate_device_key(
        &op.pubkey(),
        other.node_id,
        &other.device.pubkey(),
        &new_device.pubkey(),
    );
    env.send(&[ix], &[&op.keypair, &new_device]).await.expect("rotate while paused");
    // And the protocol still slashes and unjails
    slash(&mut env, &s, other.node_id, 100).await;
    let ix = sdk::unjail(&s.authority.pubkey(), other.node_id);
    env.send(&[ix], &[&s.authority]).await.expect("unjail while paused");

    // Then all of it took effect
    assert_eq!(env.token_balance(&op.token).await, 100_000 - 10_000 + 5_000);
    assert!(env.account(&leaving.address).await.is_none());
    let node = s.node_state(&mut env, other.node_id).await;
    assert_eq!((node.active_stake, node.pending_stake), (3_900, 1_000));
    assert_eq!(node.device_key, new_device.pubkey());
    assert!(!node.jailed);
}
