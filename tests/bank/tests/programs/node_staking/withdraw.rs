//! `withdraw`.

use super::prelude::*;

/// A node with 2,000 of its 5,000 pending.
async fn started() -> (Env, Staking, Operator, TestNode) {
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let op = s.operator(&mut env, 100_000).await;
    let node = s.register(&mut env, &op, NodeKind::Compute, 5_000).await;
    request_unstake(&mut env, &op, node.node_id, 2_000).await;
    (env, s, op, node)
}

fn withdraw_ix(s: &Staking, op: &Operator, node: &TestNode) -> Ix {
    sdk::withdraw(&op.pubkey(), node.node_id, &s.tokens(op))
}

#[tokio::test]
async fn withdraw_ok() {
    // Given pending stake whose unbonding period has passed
    let (mut env, s, op, node) = started().await;
    env.warp_seconds(UNBONDING_SECONDS).await;

    // When the operator withdraws
    let events: Vec<Withdrawn> =
        send_with_events(&mut env, withdraw_ix(&s, &op, &node), &[&op.keypair]).await;

    // Then the tokens are back in the wallet and out of the totals
    assert_eq!(env.token_balance(&op.token).await, 100_000 - 3_000);
    assert_eq!(s.vault_balance(&mut env).await, 3_000);
    let state = s.node_state(&mut env, node.node_id).await;
    assert_eq!((state.active_stake, state.pending_stake), (3_000, 0));
    let c = s.config_state(&mut env).await;
    assert_eq!((c.total_active, c.total_pending), (3_000, 0));
    assert_eq!((events[0].amount, events[0].destination), (2_000, op.token));
}

#[tokio::test]
async fn withdraw_before_unlock_fails() {
    // Given pending stake one second before its unlock time
    let (mut env, s, op, node) = started().await;
    let unlock_at = s.node_state(&mut env, node.node_id).await.unlock_at;
    env.set_time(unlock_at - 1).await;

    // When the operator withdraws / Then it is still unbonding
    assert_error(env.send(&[withdraw_ix(&s, &op, &node)], &[&op.keypair]).await, E::StillUnbonding);

    // And exactly at the unlock time it succeeds
    env.set_time(unlock_at).await;
    env.send(&[withdraw_ix(&s, &op, &node)], &[&op.keypair]).await.expect("withdraw at unlock");
}

#[tokio::test]
async fn withdraw_with_nothing_pending_fails() {
    // Given a node without pending stake
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let op = s.operator(&mut env, 10_000).await;
    let node = s.register(&mut env, &op, NodeKind::Compute, 5_000).await;
    // When the operator withdraws / Then there is nothing to withdraw
    assert_error(
        env.send(&[withdraw_ix(&s, &op, &node)], &[&op.keypair]).await,
        E::NothingToWithdraw,
    );
}

#[tokio::test]
async fn withdraw_while_paused_and_jailed_ok() {
    // Given unlocked pending stake on a jailed node in a paused deployment
    let (mut env, s, op, node) = started().await;
    slash(&mut env, &s, node.node_id, 100).await;
    pause(&mut env, &s).await;
    env.warp_seconds(UNBONDING_SECONDS).await;

    // When the operator withdraws / Then it succeeds (pauses never trap unlocked stake)
    env.send(&[withdraw_ix(&s, &op, &node)], &[&op.keypair]).await.expect("withdraw");
    assert_eq!(s.node_state(&mut env, node.node_id).await.pending_stake, 0);
}

#[tokio::test]
async fn withdraw_from_someone_elses_node_fails() {
    // Given another operator after the unlock time
    let (mut env, s, _op, node) = started().await;
    env.warp_seconds(UNBONDING_SECONDS).await;
    let thief = s.operator(&mut env, 0).await;

    // When it withdraws the node's stake to itself / Then it is refused
    let result = env.send(&[withdraw_ix(&s, &thief, &node)], &[&thief.keypair]).await;
    assert_error(result, E::NotOperator);
}

#[tokio::test]
async fn withdraw_to_other_mint_account_fails() {
    let (mut env, s, op, node) = started().await;
    env.warp_seconds(UNBONDING_SECONDS).await;
    let (_, foreign) = other_mint(&mut env, &s, &op.pubkey(), 0).await;
    let mut ix = withdraw_ix(&s, &op, &node);
    replace_account(&mut ix, &op.token, foreign);
    // When withdrawing to an account of another mint / Then its mint does not match
    assert_error(env.send(&[ix], &[&op.keypair]).await, ErrorCode::ConstraintTokenMint as u32);
}

#[tokio::test]
async fn withdraw_with_wrong_mint_fails() {
    let (mut env, s, op, node) = started().await;
    env.warp_seconds(UNBONDING_SECONDS).await;
    let (mint, account) = other_mint(&mut env, &s, &op.pubkey(), 0).await;
    let mut ix = withdraw_ix(&s, &op, &node);
    replace_account(&mut ix, &s.stake_mint, mint);
    replace_account(&mut ix, &op.token, account);
    // When naming another mint / Then the config's mint does not match
    assert_error(env.send(&[ix], &[&op.keypair]).await, ErrorCode::ConstraintHasOne as u32);
}

#[tokio::test]
async fn withdraw_with_wrong_token_program_fails() {
    let (mut env, s, op, node) = started().await;
    env.warp_seconds(UNBONDING_SECONDS).await;
    let mut ix = withdraw_ix(&s, &op, &node);
    replace_account(&mut ix, &s.token_program, other_token_program(&s));
    assert_error(
        env.send(&[ix], &[&op.keypair]).await,
        ErrorCode::ConstraintTokenTokenProgram as u32,
    );
}

#[tokio::test]
async fn withdraw_from_fake_vault_fails() {
    let (mut env, s, op, node) = started().await;
    env.warp_seconds(UNBONDING_SECONDS).await;
    let fake = other_token_account(&mut env, &s, &op.pubkey()).await;
    let mut ix = withdraw_ix(&s, &op, &node);
    replace_account(&mut ix, &s.vault, fake);
    assert_error(env.send(&[ix], &[&op.keypair]).await, ErrorCode::ConstraintHasOne as u32);
}

#[tokio::test]
async fn withdraw_into_the_vault_itself_fails() {
    // Given the vault named as the destination
    let (mut env, s, op, node) = started().await;
    env.warp_seconds(UNBONDING_SECONDS).await;
    let mut ix = withdraw_ix(&s, &op, &node);
    replace_account(&mut ix, &op.token, s.vault);
    // When withdrawing / Then the same writable account twice is refused
    assert_error(
        env.send(&[ix], &[&op.keypair]).await,
        ErrorCode::ConstraintDuplicateMutableAccount as u32,
    );
}

#[tokio::test]
async fn withdraw_fails_when_vault_would_break_invariant() {
    // Given totals injected above what the vault holds (an accounting bug)
    let (mut env, s, op, node) = started().await;
    env.warp_seconds(UNBONDING_SECONDS).await;
    let mut config = s.config_state(&mut env).await;
    config.total_active += 1_000_000;
    s.set_config(&mut env, &config).await;

    // When the operator withdraws / Then the vault invariant stops it
    assert_error(
        env.send(&[withdraw_ix(&s, &op, &node)], &[&op.keypair]).await,
        E::VaultInvariantViolated,
    );
}

#[tokio::test]
async fn withdraw_with_inconsistent_totals_fails() {
    // Given a pending total injected below the node's pending stake
    let (mut env, s, op, node) = started().await;
    env.warp_seconds(UNBONDING_SECONDS).await;
    let mut config = s.config_state(&mut env).await;
    config.total_pending = 1;
    s.set_config(&mut env, &config).await;

    // When the operator withdraws / Then the subtraction is caught, not wrapped
    assert_error(
        env.send(&[withdraw_ix(&s, &op, &node)], &[&op.keypair]).await,
        E::ArithmeticOverflow,
    );
}
