//! `stake` (top-up).

use super::prelude::*;

async fn started() -> (Env, Staking, Operator, TestNode) {
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let op = s.operator(&mut env, 100_000).await;
    let node = s.register(&mut env, &op, NodeKind::Compute, 5_000).await;
    (env, s, op, node)
}

fn stake_ix(s: &Staking, op: &Operator, node: &TestNode, amount: u64) -> Ix {
    sdk::stake(&op.pubkey(), node.node_id, &s.tokens(op), amount)
}

#[tokio::test]
async fn stake_ok() {
    // Given a staked node
    let (mut env, s, op, node) = started().await;

    // When the operator tops up
    let events: Vec<Staked> =
        send_with_events(&mut env, stake_ix(&s, &op, &node, 2_500), &[&op.keypair]).await;

    // Then node, totals, vault and wallet all move by the amount
    assert_eq!(s.node_state(&mut env, node.node_id).await.active_stake, 7_500);
    assert_eq!(s.config_state(&mut env).await.total_active, 7_500);
    assert_eq!(s.vault_balance(&mut env).await, 7_500);
    assert_eq!(env.token_balance(&op.token).await, 100_000 - 7_500);
    assert_eq!((events[0].amount, events[0].active_stake), (2_500, 7_500));
}

#[tokio::test]
async fn stake_zero_fails() {
    let (mut env, s, op, node) = started().await;
    // When the operator stakes 0 / Then it is refused
    assert_error(env.send(&[stake_ix(&s, &op, &node, 0)], &[&op.keypair]).await, E::ZeroAmount);
}

#[tokio::test]
async fn stake_while_paused_fails() {
    // Given a paused deployment
    let (mut env, s, op, node) = started().await;
    pause(&mut env, &s).await;
    // When the operator stakes / Then it is refused
    assert_error(env.send(&[stake_ix(&s, &op, &node, 10)], &[&op.keypair]).await, E::Paused);
}

#[tokio::test]
async fn stake_on_jailed_node_fails() {
    // Given a jailed node
    let (mut env, s, op, node) = started().await;
    slash(&mut env, &s, node.node_id, 10).await;
    // When the operator stakes / Then it is refused
    assert_error(env.send(&[stake_ix(&s, &op, &node, 10)], &[&op.keypair]).await, E::NodeJailed);
}

#[tokio::test]
async fn stake_on_someone_elses_node_fails() {
    // Given another operator with tokens
    let (mut env, s, _op, node) = started().await;
    let other = s.operator(&mut env, 10_000).await;

    // When it stakes on the node
    let result = env.send(&[stake_ix(&s, &other, &node, 10)], &[&other.keypair]).await;

    // Then it is refused (only the operator controls the node's stake)
    assert_error(result, E::NotOperator);
}

#[tokio::test]
async fn stake_from_someone_elses_token_account_fails() {
    // Given another operator's token account
    let (mut env, s, op, node) = started().await;
    let victim = s.operator(&mut env, 10_000).await;
    let mut ix = stake_ix(&s, &op, &node, 10);
    replace_account(&mut ix, &op.token, victim.token);

    // When the operator pays with it / Then the owner does not match
    assert_error(env.send(&[ix], &[&op.keypair]).await, ErrorCode::ConstraintTokenOwner as u32);
}

#[tokio::test]
async fn stake_with_wrong_mint_fails() {
    // Given the operator's account of another mint
    let (mut env, s, op, node) = started().await;
    let (mint, account) = other_mint(&mut env, &s, &op.pubkey(), 10_000).await;
    let mut ix = stake_ix(&s, &op, &node, 10);
    replace_account(&mut ix, &s.stake_mint, mint);
    replace_account(&mut ix, &op.token, account);

    // When it stakes with it / Then the config's mint does not match
    assert_error(env.send(&[ix], &[&op.keypair]).await, ErrorCode::ConstraintHasOne as u32);
}

#[tokio::test]
async fn stake_with_wrong_token_program_fails() {
    let (mut env, s, op, node) = started().await;
    let mut ix = stake_ix(&s, &op, &node, 10);
    replace_account(&mut ix, &s.token_program, other_token_program(&s));
    // When sent with the other token program / Then the token account's program does not match
    assert_error(
        env.send(&[ix], &[&op.keypair]).await,
        ErrorCode::ConstraintTokenTokenProgram as u32,
    );
}

#[tokio::test]
async fn stake_into_fake_vault_fails() {
    // Given a token account of the stake mint that is not the vault
    let (mut env, s, op, node) = started().await;
    let fake = other_token_account(&mut env, &s, &op.pubkey()).await;
    let mut ix = stake_ix(&s, &op, &node, 10);
    replace_account(&mut ix, &s.vault, fake);
    // When staking into it / Then the config's vault does not match
    assert_error(env.send(&[ix], &[&op.keypair]).await, ErrorCode::ConstraintHasOne as u32);
}

#[tokio::test]
async fn stake_with_fake_config_fails() {
    let (mut env, s, op, node) = started().await;
    let fake = fake_config(&mut env, &s, &op.pubkey()).await;
    let mut ix = stake_ix(&s, &op, &node, 10);
    replace_account(&mut ix, &s.config, fake);
    // When staking under a fake config / Then its seeds do not match
    assert_error(env.send(&[ix], &[&op.keypair]).await, ErrorCode::ConstraintSeeds as u32);
}

#[tokio::test]
async fn stake_on_fake_node_fails() {
    let (mut env, s, op, node) = started().await;
    let fake = fake_node(&mut env, &s, node.node_id, &op.pubkey()).await;
    let mut ix = stake_ix(&s, &op, &node, 10);
    replace_account(&mut ix, &node.address, fake);
    // When staking on a non-PDA node copy / Then its seeds do not match
    assert_error(env.send(&[ix], &[&op.keypair]).await, ErrorCode::ConstraintSeeds as u32);
}

#[tokio::test]
async fn stake_node_overflow_fails() {
    // Given a node whose active stake was injected near u64::MAX
    let (mut env, s, op, node) = started().await;
    let mut state = s.node_state(&mut env, node.node_id).await;
    state.active_stake = u64::MAX - 5;
    s.set_node(&mut env, node.node_id, &state).await;

    // When the operator tops up past u64::MAX / Then it overflows cleanly
    assert_error(
        env.send(&[stake_ix(&s, &op, &node, 10)], &[&op.keypair]).await,
        E::ArithmeticOverflow,
    );
}

#[tokio::test]
async fn stake_total_overflow_fails() {
    // Given a config whose active total was injected near u64::MAX
    let (mut env, s, op, node) = started().await;
    let mut config = s.config_state(&mut env).await;
    config.total_active = u64::MAX - 5;
    s.set_config(&mut env, &config).await;

    // When the operator tops up past u64::MAX / Then it overflows cleanly
    assert_error(
        env.send(&[stake_ix(&s, &op, &node, 10)], &[&op.keypair]).await,
        E::ArithmeticOverflow,
    );
}

#[tokio::test]
async fn stake_without_signature_fails() {
    // Given a top-up whose operator does not sign
    let (mut env, s, op, node) = started().await;
    let mut ix = stake_ix(&s, &op, &node, 10);
    for meta in ix.accounts.iter_mut().filter(|m| m.pubkey == op.pubkey()) {
        meta.is_signer = false;
    }
    // When sent by the payer alone / Then the operator is not a signer
    assert_error(env.send(&[ix], &[]).await, ErrorCode::AccountNotSigner as u32);
}

#[tokio::test]
async fn stake_top_up_counts_from_the_next_epoch() {
    // Given a node with 5,000 in epoch 1
    let (mut env, s, op, node) = started().await;
    s.warp_into_epoch(&mut env, 1, 50).await;

    // When the operator tops up 2,000 during epoch 1
    env.send(&[stake_ix(&s, &op, &node, 2_000)], &[&op.keypair]).await.expect("stake");

    // Then epoch 1 counts its minimum, 5,000, and epoch 2 the 7,000 it began with
    let (state, config) =
        (s.node_state(&mut env, node.node_id).await, s.config_state(&mut env).await);
    s.warp_into_epoch(&mut env, 2, 0).await;
    let now = env.now().await;
    assert_eq!(sdk::node_epoch_view(&state, &config, 1, now).map(|v| v.stake), Some(5_000));
    s.warp_into_epoch(&mut env, 3, 0).await;
    let now = env.now().await;
    assert_eq!(sdk::node_epoch_view(&state, &config, 2, now).map(|v| v.stake), Some(7_000));
}
