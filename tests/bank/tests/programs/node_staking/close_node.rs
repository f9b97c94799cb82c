//! `close_node`.

use super::prelude::*;

async fn started() -> (Env, Staking, Operator, TestNode) {
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let op = s.operator(&mut env, 100_000).await;
    let node = s.register(&mut env, &op, NodeKind::Compute, 5_000).await;
    (env, s, op, node)
}

/// Unstakes everything and withdraws it.
async fn empty(env: &mut Env, s: &Staking, op: &Operator, node: &TestNode) {
    let active = s.node_state(env, node.node_id).await.active_stake;
    request_unstake(env, op, node.node_id, active).await;
    env.warp_seconds(UNBONDING_SECONDS).await;
    env.send(&[sdk::withdraw(&op.pubkey(), node.node_id, &s.tokens(op))], &[&op.keypair])
        .await
        .expect("withdraw");
}

fn close_ix(op: &Operator, node: &TestNode) -> Ix {
    sdk::close_node(&op.pubkey(), node.node_id, &node.device.pubkey())
}

#[tokio::test]
async fn close_node_ok() {
    // Given a node with no stake left
    let (mut env, s, op, node) = started().await;
    empty(&mut env, &s, &op, &node).await;
    let rent = env.lamports(&node.address).await;
    let before = env.lamports(&op.pubkey()).await;

    // When the operator closes it
    let events: Vec<NodeClosed> =
        send_with_events(&mut env, close_ix(&op, &node), &[&op.keypair]).await;

    // Then the account is gone and its rent went to the operator
    assert!(env.account(&node.address).await.is_none());
    assert_eq!(env.lamports(&op.pubkey()).await, before + rent);
    // And the binding stays, closed at that time, so the key is never reused
    let binding = s.binding_state(&mut env, &node.device.pubkey()).await;
    let closed_at = binding.unbound_at.expect("binding closed");
    assert_eq!((events[0].node_id, events[0].closed_at), (node.node_id, closed_at));
    // And the vault holds nothing for anyone
    assert_eq!(s.vault_balance(&mut env).await, 0);
}

#[tokio::test]
async fn close_node_with_active_stake_fails() {
    let (mut env, _s, op, node) = started().await;
    // When the operator closes a staked node / Then it still has active stake
    assert_error(env.send(&[close_ix(&op, &node)], &[&op.keypair]).await, E::NodeHasActiveStake);
}

#[tokio::test]
async fn close_node_with_pending_stake_fails() {
    // Given everything requested but not withdrawn
    let (mut env, _s, op, node) = started().await;
    request_unstake(&mut env, &op, node.node_id, 5_000).await;
    // When the operator closes / Then pending stake remains
    assert_error(env.send(&[close_ix(&op, &node)], &[&op.keypair]).await, E::NodeHasPendingStake);
}

#[tokio::test]
async fn close_jailed_node_fails() {
    // Given a node slashed to zero (and so jailed)
    let (mut env, s, op, node) = started().await;
    slash(&mut env, &s, node.node_id, 5_000).await;
    // When the operator closes it / Then a jailed node cannot be closed
    assert_error(env.send(&[close_ix(&op, &node)], &[&op.keypair]).await, E::NodeJailed);
}

#[tokio::test]
async fn close_someone_elses_node_fails() {
    // Given an empty node and another operator
    let (mut env, s, op, node) = started().await;
    empty(&mut env, &s, &op, &node).await;
    let thief = s.operator(&mut env, 0).await;
    // When it closes the node to collect the rent / Then it is refused
    let ix = sdk::close_node(&thief.pubkey(), node.node_id, &node.device.pubkey());
    assert_error(env.send(&[ix], &[&thief.keypair]).await, E::NotOperator);
}

#[tokio::test]
async fn close_node_with_wrong_binding_fails() {
    // Given an empty node and another node's binding
    let (mut env, s, op, node) = started().await;
    let other = s.register(&mut env, &op, NodeKind::Compute, 5_000).await;
    empty(&mut env, &s, &op, &node).await;
    let ix = sdk::close_node(&op.pubkey(), node.node_id, &other.device.pubkey());
    // When closing with it / Then the binding's seeds do not match the node's key
    assert_error(env.send(&[ix], &[&op.keypair]).await, ErrorCode::ConstraintSeeds as u32);
}

#[tokio::test]
async fn close_node_while_paused_ok() {
    // Given an empty node in a paused deployment
    let (mut env, s, op, node) = started().await;
    empty(&mut env, &s, &op, &node).await;
    pause(&mut env, &s).await;
    // When the operator closes it / Then it is closed
    env.send(&[close_ix(&op, &node)], &[&op.keypair]).await.expect("close");
    assert!(env.account(&node.address).await.is_none());
}

/// A node staked through epochs 0–2, slashed to zero and unjailed during epoch 3.
async fn zeroed_in_epoch_3() -> (Env, Staking, Operator, TestNode) {
    let (mut env, s, op, node) = started().await;
    s.warp_into_epoch(&mut env, 3, 100).await;
    slash(&mut env, &s, node.node_id, 5_000).await;
    env.send(&[sdk::unjail(&s.authority.pubkey(), node.node_id)], &[&s.authority])
        .await
        .expect("unjail");
    (env, s, op, node)
}

#[tokio::test]
async fn close_node_still_earning_in_the_previous_epoch_fails() {
    // Given a node without stake whose previous epoch (2) had stake all through
    let (mut env, s, op, node) = zeroed_in_epoch_3().await;
    let state = s.node_state(&mut env, node.node_id).await;
    assert_eq!((state.active_stake, state.pending_stake, state.jailed), (0, 0, false));

    // When the operator closes it during epoch 3 (the oracles still read epoch 2 from it)
    let result = env.send(&[close_ix(&op, &node)], &[&op.keypair]).await;

    // Then it is refused and the node stays readable
    assert_error(result, E::NodeStillEarning);
    let config = s.config_state(&mut env).await;
    let now = env.now().await;
    let view = sdk::node_epoch_view(&state, &config, 2, now).expect("epoch 2 is readable");
    assert_eq!(view.stake, 5_000);

    // When epoch 4 begins (stake(3) = 0 and nothing staked now)
    s.warp_into_epoch(&mut env, 4, 0).await;

    // Then it can be closed
    env.send(&[close_ix(&op, &node)], &[&op.keypair]).await.expect("close");
    assert!(env.account(&node.address).await.is_none());
}

#[tokio::test]
async fn close_node_after_a_full_exit_ok_once_its_views_are_empty() {
    // Given a node that unstaked everything during epoch 1 and withdrew after unbonding
    let (mut env, s, op, node) = started().await;
    s.warp_into_epoch(&mut env, 1, 10).await;
    empty(&mut env, &s, &op, &node).await;

    // Then its current and previous views hold no stake (stake(1) is 0: it ended at 0)
    let state = s.node_state(&mut env, node.node_id).await;
    assert_eq!((state.view.stake_min, state.view.previous_stake_min), (0, 0));

    // And it can be closed
    env.send(&[close_ix(&op, &node)], &[&op.keypair]).await.expect("close");
}
