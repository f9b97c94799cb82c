//! `rotate_device_key`.

use super::prelude::*;

async fn started() -> (Env, Staking, Operator, TestNode) {
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let op = s.operator(&mut env, 100_000).await;
    let node = s.register(&mut env, &op, NodeKind::Compute, 5_000).await;
    (env, s, op, node)
}

fn rotate_ix(op: &Operator, node: &TestNode, new_key: &Pubkey) -> Ix {
    sdk::rotate_device_key(&op.pubkey(), node.node_id, &node.device.pubkey(), new_key)
}

#[tokio::test]
async fn rotate_device_key_ok() {
    // Given a node bound to its first device key
    let (mut env, s, op, node) = started().await;
    let new_device = Keypair::new();
    env.warp_seconds(100).await;
    let now = env.now().await;

    // When the operator rotates to a new key that co-signs
    let events: Vec<DeviceKeyRotated> = send_with_events(
        &mut env,
        rotate_ix(&op, &node, &new_device.pubkey()),
        &[&op.keypair, &new_device],
    )
    .await;

    // Then the node uses the new key
    assert_eq!(s.node_state(&mut env, node.node_id).await.device_key, new_device.pubkey());
    // And the old binding stays, closed at the rotation time
    let old = s.binding_state(&mut env, &node.device.pubkey()).await;
    let rotated_at = old.unbound_at.expect("old binding closed");
    assert!(rotated_at >= now);
    assert!(old.was_bound_at(rotated_at - 1) && !old.was_bound_at(rotated_at));
    // And the new binding starts then
    let new = s.binding_state(&mut env, &new_device.pubkey()).await;
    assert_eq!(
        (new.node, new.node_id, new.bound_at, new.unbound_at),
        (node.address, node.node_id, rotated_at, None)
    );
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].old_device_key, events[0].new_device_key),
        (node.device.pubkey(), new_device.pubkey())
    );
}

#[tokio::test]
async fn rotate_to_a_bound_key_fails() {
    // Given a second node with its own key
    let (mut env, s, op, node) = started().await;
    let other = s.register(&mut env, &op, NodeKind::Compute, 5_000).await;

    // When the operator rotates the first node onto the second node's key, or onto its own
    let to_other = env
        .send(&[rotate_ix(&op, &node, &other.device.pubkey())], &[&op.keypair, &other.device])
        .await;
    let to_self = env
        .send(&[rotate_ix(&op, &node, &node.device.pubkey())], &[&op.keypair, &node.device])
        .await;

    // Then both keys are already bound
    assert_error(to_other, E::DeviceKeyAlreadyBound);
    assert_error(to_self, E::DeviceKeyAlreadyBound);
}

#[tokio::test]
async fn rotate_back_to_an_old_key_fails() {
    // Given a node rotated away from its first key
    let (mut env, s, op, node) = started().await;
    let second = Keypair::new();
    env.send(&[rotate_ix(&op, &node, &second.pubkey())], &[&op.keypair, &second])
        .await
        .expect("rotate");

    // When it rotates back to the first key
    let ix =
        sdk::rotate_device_key(&op.pubkey(), node.node_id, &second.pubkey(), &node.device.pubkey());
    let result = env.send(&[ix], &[&op.keypair, &node.device]).await;

    // Then keys are never reused
    assert_error(result, E::DeviceKeyAlreadyBound);
    assert_eq!(s.node_state(&mut env, node.node_id).await.device_key, second.pubkey());
}

#[tokio::test]
async fn rotate_without_new_key_signature_fails() {
    // Given a rotation where the new key does not sign
    let (mut env, _s, op, node) = started().await;
    let new_device = Keypair::new();
    let mut ix = rotate_ix(&op, &node, &new_device.pubkey());
    for meta in ix.accounts.iter_mut().filter(|m| m.pubkey == new_device.pubkey()) {
        meta.is_signer = false;
    }

    // When it is sent
    let result = env.send(&[ix], &[&op.keypair]).await;

    // Then the new device is not a signer
    assert_error(result, ErrorCode::AccountNotSigner as u32);
}

#[tokio::test]
async fn rotate_someone_elses_node_fails() {
    // Given another operator
    let (mut env, s, _op, node) = started().await;
    let intruder = s.operator(&mut env, 0).await;
    let new_device = Keypair::new();

    // When it rotates the node to its own key
    let ix = sdk::rotate_device_key(
        &intruder.pubkey(),
        node.node_id,
        &node.device.pubkey(),
        &new_device.pubkey(),
    );
    let result = env.send(&[ix], &[&intruder.keypair, &new_device]).await;

    // Then it is refused
    assert_error(result, E::NotOperator);
}

#[tokio::test]
async fn rotate_jailed_node_fails() {
    // Given a jailed node
    let (mut env, s, op, node) = started().await;
    slash(&mut env, &s, node.node_id, 10).await;
    let new_device = Keypair::new();

    // When the operator rotates its key
    let result =
        env.send(&[rotate_ix(&op, &node, &new_device.pubkey())], &[&op.keypair, &new_device]).await;

    // Then it is refused
    assert_error(result, E::NodeJailed);
}

#[tokio::test]
async fn rotate_with_wrong_old_binding_fails() {
    // Given another node's binding passed as the old binding
    let (mut env, s, op, node) = started().await;
    let other = s.register(&mut env, &op, NodeKind::Compute, 5_000).await;
    let new_device = Keypair::new();
    let mut ix = rotate_ix(&op, &node, &new_device.pubkey());
    let own = sdk::device_binding_pda(&s.config, &node.device.pubkey()).0;
    let foreign = sdk::device_binding_pda(&s.config, &other.device.pubkey()).0;
    replace_account(&mut ix, &own, foreign);

    // When the rotation is sent
    let result = env.send(&[ix], &[&op.keypair, &new_device]).await;

    // Then the old binding's seeds do not match the node's key
    assert_error(result, ErrorCode::ConstraintSeeds as u32);
}
