//! `unjail`.

use super::prelude::*;

async fn jailed() -> (Env, Staking, Operator, TestNode) {
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let op = s.operator(&mut env, 100_000).await;
    let node = s.register(&mut env, &op, NodeKind::Compute, 5_000).await;
    slash(&mut env, &s, node.node_id, 100).await;
    (env, s, op, node)
}

#[tokio::test]
async fn unjail_ok() {
    // Given a jailed node
    let (mut env, s, op, node) = jailed().await;

    // When the config authority unjails it
    let ix = sdk::unjail(&s.authority.pubkey(), node.node_id);
    let events: Vec<NodeUnjailed> = send_with_events(&mut env, ix, &[&s.authority]).await;

    // Then it is free and can stake again
    assert!(!s.node_state(&mut env, node.node_id).await.jailed);
    assert_eq!((events[0].node_id, events[0].authority), (node.node_id, s.authority.pubkey()));
    let ix = sdk::stake(&op.pubkey(), node.node_id, &s.tokens(&op), 100);
    env.send(&[ix], &[&op.keypair]).await.expect("stake after unjail");
}

#[tokio::test]
async fn unjail_by_non_authority_fails() {
    // Given the slash authority and the operator (neither is the config authority)
    let (mut env, s, op, node) = jailed().await;
    for intruder in [&s.slash_authority, &op.keypair] {
        // When it unjails / Then it is refused
        let result = env.send(&[sdk::unjail(&intruder.pubkey(), node.node_id)], &[intruder]).await;
        assert_error(result, E::NotAuthority);
    }
}

#[tokio::test]
async fn unjail_free_node_fails() {
    // Given an unjailed node
    let (mut env, s, _op, node) = jailed().await;
    env.send(&[sdk::unjail(&s.authority.pubkey(), node.node_id)], &[&s.authority])
        .await
        .expect("unjail");
    // When it is unjailed again / Then it is not jailed
    let result =
        env.send(&[sdk::unjail(&s.authority.pubkey(), node.node_id)], &[&s.authority]).await;
    assert_error(result, E::NodeNotJailed);
}

#[tokio::test]
async fn unjail_fake_node_fails() {
    let (mut env, s, op, node) = jailed().await;
    let fake = fake_node(&mut env, &s, node.node_id, &op.pubkey()).await;
    let mut ix = sdk::unjail(&s.authority.pubkey(), node.node_id);
    replace_account(&mut ix, &node.address, fake);
    assert_error(env.send(&[ix], &[&s.authority]).await, ErrorCode::ConstraintSeeds as u32);
}

#[tokio::test]
async fn unjail_records_the_time_for_fraud_evidence() {
    // Given a node jailed in epoch 0 and unjailed in epoch 1
    let (mut env, s, _op, node) = jailed().await;
    s.warp_into_epoch(&mut env, 1, 5).await;
    let now = env.now().await;

    // When the authority unjails it
    let ix = sdk::unjail(&s.authority.pubkey(), node.node_id);
    let events: Vec<NodeUnjailed> = send_with_events(&mut env, ix, &[&s.authority]).await;

    // Then the time is recorded and announced
    let state = s.node_state(&mut env, node.node_id).await;
    assert_eq!((state.unjailed_at, events[0].unjailed_at), (now, now));
    // And epoch 1 counts no stake (it began jailed), epoch 2 the whole stake
    let config = s.config_state(&mut env).await;
    s.warp_into_epoch(&mut env, 2, 0).await;
    let read = env.now().await;
    assert_eq!(sdk::node_epoch_view(&state, &config, 1, read).map(|v| v.stake), Some(0));
    s.warp_into_epoch(&mut env, 3, 0).await;
    let read = env.now().await;
    assert_eq!(sdk::node_epoch_view(&state, &config, 2, read).map(|v| v.stake), Some(4_900));
}
