//! `request_unstake`.

use super::prelude::*;

async fn started() -> (Env, Staking, Operator, TestNode) {
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let op = s.operator(&mut env, 100_000).await;
    // Compute node: minimum 1,000.
    let node = s.register(&mut env, &op, NodeKind::Compute, 5_000).await;
    (env, s, op, node)
}

#[tokio::test]
async fn request_unstake_ok() {
    // Given a node with 5,000 active
    let (mut env, s, op, node) = started().await;
    let now = env.now().await;

    // When the operator requests 1,500
    let ix = sdk::request_unstake(&op.pubkey(), node.node_id, 1_500);
    let events: Vec<UnstakeRequested> = send_with_events(&mut env, ix, &[&op.keypair]).await;

    // Then it moves from active to pending with an unlock one unbonding period away
    let state = s.node_state(&mut env, node.node_id).await;
    assert_eq!((state.active_stake, state.pending_stake), (3_500, 1_500));
    assert!(state.unlock_at >= now + UNBONDING_SECONDS);
    let c = s.config_state(&mut env).await;
    assert_eq!((c.total_active, c.total_pending), (3_500, 1_500));
    // And the tokens stay in the vault (still slashable)
    assert_eq!(s.vault_balance(&mut env).await, 5_000);
    assert_eq!(
        (events[0].amount, events[0].pending_stake, events[0].unlock_at),
        (1_500, 1_500, state.unlock_at)
    );
}

#[tokio::test]
async fn request_unstake_merges_and_never_unlocks_earlier() {
    // Given a pending request
    let (mut env, s, op, node) = started().await;
    request_unstake(&mut env, &op, node.node_id, 1_000).await;
    let first_unlock = s.node_state(&mut env, node.node_id).await.unlock_at;

    // When a second request comes later
    env.warp_seconds(1_000).await;
    request_unstake(&mut env, &op, node.node_id, 500).await;

    // Then both amounts wait together until the later unlock time
    let state = s.node_state(&mut env, node.node_id).await;
    assert_eq!(state.pending_stake, 1_500);
    assert!(state.unlock_at >= first_unlock + 1_000);

    // When the unbonding period is shortened and a third request comes
    let args =
        SetParamsArgs { unbonding_seconds: Some(UNBONDING_SECONDS - 3_600), ..Default::default() };
    env.send(&[sdk::set_params(&s.authority.pubkey(), args, None)], &[&s.authority])
        .await
        .expect("set_params");
    request_unstake(&mut env, &op, node.node_id, 500).await;

    // Then the unlock time does not move earlier
    assert_eq!(s.node_state(&mut env, node.node_id).await.unlock_at, state.unlock_at);
}

#[tokio::test]
async fn request_unstake_everything_ok() {
    // Given a node with 5,000 active
    let (mut env, s, op, node) = started().await;
    // When the operator requests all of it (a full exit may go below the minimum)
    request_unstake(&mut env, &op, node.node_id, 5_000).await;
    // Then nothing is active
    let state = s.node_state(&mut env, node.node_id).await;
    assert_eq!((state.active_stake, state.pending_stake), (0, 5_000));
}

#[tokio::test]
async fn request_unstake_zero_fails() {
    let (mut env, _s, op, node) = started().await;
    let result =
        env.send(&[sdk::request_unstake(&op.pubkey(), node.node_id, 0)], &[&op.keypair]).await;
    assert_error(result, E::ZeroAmount);
}

#[tokio::test]
async fn request_unstake_more_than_staked_fails() {
    // Given 5,000 active
    let (mut env, _s, op, node) = started().await;
    // When the operator requests 5,001 / Then it exceeds the active stake
    let result =
        env.send(&[sdk::request_unstake(&op.pubkey(), node.node_id, 5_001)], &[&op.keypair]).await;
    assert_error(result, E::InsufficientActiveStake);
}

#[tokio::test]
async fn request_unstake_leaving_less_than_minimum_fails() {
    // Given 5,000 active and a minimum of 1,000
    let (mut env, _s, op, node) = started().await;
    // When the operator requests 4,001 (leaving 999) / Then it is refused
    let result =
        env.send(&[sdk::request_unstake(&op.pubkey(), node.node_id, 4_001)], &[&op.keypair]).await;
    assert_error(result, E::RemainingStakeBelowMinimum);
    // But leaving exactly the minimum is fine
    let result =
        env.send(&[sdk::request_unstake(&op.pubkey(), node.node_id, 4_000)], &[&op.keypair]).await;
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn request_unstake_on_someone_elses_node_fails() {
    let (mut env, s, _op, node) = started().await;
    let intruder = s.operator(&mut env, 0).await;
    let result = env
        .send(&[sdk::request_unstake(&intruder.pubkey(), node.node_id, 100)], &[&intruder.keypair])
        .await;
    assert_error(result, E::NotOperator);
}

#[tokio::test]
async fn request_unstake_while_paused_and_jailed_ok() {
    // Given a jailed node in a paused deployment
    let (mut env, s, op, node) = started().await;
    slash(&mut env, &s, node.node_id, 100).await;
    pause(&mut env, &s).await;

    // When the operator requests an exit
    request_unstake(&mut env, &op, node.node_id, 4_900).await;

    // Then it is recorded (exits are never blocked; the stake stays slashable)
    let state = s.node_state(&mut env, node.node_id).await;
    assert_eq!((state.active_stake, state.pending_stake, state.jailed), (0, 4_900, true));
}

#[tokio::test]
async fn request_unstake_pending_overflow_fails() {
    // Given pending stake injected at u64::MAX
    let (mut env, s, op, node) = started().await;
    let mut state = s.node_state(&mut env, node.node_id).await;
    state.pending_stake = u64::MAX;
    s.set_node(&mut env, node.node_id, &state).await;

    // When the operator requests more / Then it overflows cleanly
    let result =
        env.send(&[sdk::request_unstake(&op.pubkey(), node.node_id, 100)], &[&op.keypair]).await;
    assert_error(result, E::ArithmeticOverflow);
}

#[tokio::test]
async fn request_unstake_with_fake_config_fails() {
    let (mut env, s, op, node) = started().await;
    let fake = fake_config(&mut env, &s, &op.pubkey()).await;
    let mut ix = sdk::request_unstake(&op.pubkey(), node.node_id, 100);
    replace_account(&mut ix, &s.config, fake);
    assert_error(env.send(&[ix], &[&op.keypair]).await, ErrorCode::ConstraintSeeds as u32);
}

#[tokio::test]
async fn request_unstake_uses_the_min_stake_in_force_this_epoch() {
    // Given a compute node with 5,000 and a raise of the minimum to 3,000 made in epoch 1
    let (mut env, s, op, node) = started().await;
    s.warp_into_epoch(&mut env, 1, 100).await;
    let args = SetParamsArgs { min_stake: Some([3_000, 3_000, 3_000]), ..Default::default() };
    env.send(&[sdk::set_params(&s.authority.pubkey(), args, None)], &[&s.authority])
        .await
        .expect("set_params");

    // When the operator leaves 2,000 active during epoch 1 / Then the old minimum applies
    request_unstake(&mut env, &op, node.node_id, 3_000).await;

    // When epoch 2 begins and it leaves 1,000 of the remaining 2,000
    s.warp_into_epoch(&mut env, 2, 0).await;
    let ix = sdk::request_unstake(&op.pubkey(), node.node_id, 1_000);
    let result = env.send(&[ix], &[&op.keypair]).await;

    // Then the new minimum refuses it; a full exit is still allowed
    assert_error(result, E::RemainingStakeBelowMinimum);
    request_unstake(&mut env, &op, node.node_id, 2_000).await;
}
