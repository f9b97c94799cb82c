//! `slash`.

use super::prelude::*;

/// A compute node with 4,000 active and 1,000 pending.
async fn started() -> (Env, Staking, Operator, TestNode) {
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let op = s.operator(&mut env, 100_000).await;
    let node = s.register(&mut env, &op, NodeKind::Compute, 5_000).await;
    request_unstake(&mut env, &op, node.node_id, 1_000).await;
    (env, s, op, node)
}

fn slash_ix(s: &Staking, node: &TestNode, amount: u64, reason: u16) -> Ix {
    sdk::slash(&s.slash_authority.pubkey(), node.node_id, &s.slash_tokens(), amount, reason)
}

#[tokio::test]
async fn slash_active_only_ok() {
    // Given a node with active and pending stake
    let (mut env, s, _op, node) = started().await;

    // When the slash authority slashes less than the active stake
    let events: Vec<NodeSlashed> =
        send_with_events(&mut env, slash_ix(&s, &node, 1_500, 7), &[&s.slash_authority]).await;

    // Then only active stake is taken, it lands in the treasury, and the node is jailed
    let state = s.node_state(&mut env, node.node_id).await;
    assert_eq!((state.active_stake, state.pending_stake, state.jailed), (2_500, 1_000, true));
    assert!(state.jailed_at > 0);
    assert_eq!(env.token_balance(&s.treasury).await, 1_500);
    assert_eq!(s.vault_balance(&mut env).await, 3_500);
    let c = s.config_state(&mut env).await;
    assert_eq!((c.total_active, c.total_pending, c.total_slashed), (2_500, 1_000, 1_500));
    let e = &events[0];
    assert_eq!((e.amount, e.from_active, e.from_pending, e.reason), (1_500, 1_500, 0, 7));
    assert_eq!((e.slashed_by, e.jailed_at), (s.slash_authority.pubkey(), state.jailed_at));
}

#[tokio::test]
async fn slash_reaches_into_pending_ok() {
    // Given 4,000 active and 1,000 pending
    let (mut env, s, _op, node) = started().await;

    // When 4,600 is slashed
    env.send(&[slash_ix(&s, &node, 4_600, 1)], &[&s.slash_authority]).await.expect("slash");

    // Then active goes first, the rest comes out of pending
    let state = s.node_state(&mut env, node.node_id).await;
    assert_eq!((state.active_stake, state.pending_stake), (0, 400));
    let c = s.config_state(&mut env).await;
    assert_eq!((c.total_active, c.total_pending), (0, 400));
    assert_eq!(env.token_balance(&s.treasury).await, 4_600);
}

#[tokio::test]
async fn slash_everything_ok_and_more_fails() {
    let (mut env, s, _op, node) = started().await;
    // When more than active + pending is slashed / Then it exceeds the stake
    let result = env.send(&[slash_ix(&s, &node, 5_001, 1)], &[&s.slash_authority]).await;
    assert_error(result, E::SlashExceedsStake);
    // And exactly all of it succeeds
    env.send(&[slash_ix(&s, &node, 5_000, 1)], &[&s.slash_authority]).await.expect("slash all");
    assert_eq!(s.vault_balance(&mut env).await, 0);
}

#[tokio::test]
async fn slash_by_non_authority_fails() {
    // Given the config authority and the operator (neither is the slash authority)
    let (mut env, s, op, node) = started().await;
    for intruder in [&s.authority, &op.keypair] {
        // When it slashes
        let ix = sdk::slash(&intruder.pubkey(), node.node_id, &s.slash_tokens(), 100, 1);
        let result = env.send(&[ix], &[intruder]).await;
        // Then it is refused
        assert_error(result, E::NotSlashAuthority);
    }
    assert!(!s.node_state(&mut env, node.node_id).await.jailed);
}

#[tokio::test]
async fn slash_zero_fails() {
    let (mut env, s, _op, node) = started().await;
    assert_error(
        env.send(&[slash_ix(&s, &node, 0, 1)], &[&s.slash_authority]).await,
        E::ZeroAmount,
    );
}

#[tokio::test]
async fn slash_while_paused_ok() {
    // Given a paused deployment
    let (mut env, s, _op, node) = started().await;
    pause(&mut env, &s).await;
    // When the slash authority slashes / Then it works
    env.send(&[slash_ix(&s, &node, 100, 1)], &[&s.slash_authority]).await.expect("slash");
    assert!(s.node_state(&mut env, node.node_id).await.jailed);
}

#[tokio::test]
async fn slash_to_other_treasury_fails() {
    // Given a token account of the stake mint that is not the treasury
    let (mut env, s, _op, node) = started().await;
    let pocket = other_token_account(&mut env, &s, &s.slash_authority.pubkey()).await;
    let mut ix = slash_ix(&s, &node, 100, 1);
    replace_account(&mut ix, &s.treasury, pocket);
    // When the slash authority slashes into it / Then the config's treasury does not match
    assert_error(env.send(&[ix], &[&s.slash_authority]).await, ErrorCode::ConstraintHasOne as u32);
}

#[tokio::test]
async fn slash_with_wrong_mint_fails() {
    let (mut env, s, _op, node) = started().await;
    let (mint, _) = other_mint(&mut env, &s, &Pubkey::new_unique(), 0).await;
    let mut ix = slash_ix(&s, &node, 100, 1);
    replace_account(&mut ix, &s.stake_mint, mint);
    assert_error(env.send(&[ix], &[&s.slash_authority]).await, ErrorCode::ConstraintHasOne as u32);
}

#[tokio::test]
async fn slash_with_wrong_token_program_fails() {
    let (mut env, s, _op, node) = started().await;
    let mut ix = slash_ix(&s, &node, 100, 1);
    replace_account(&mut ix, &s.token_program, other_token_program(&s));
    assert_error(env.send(&[ix], &[&s.slash_authority]).await, ErrorCode::ConstraintAddress as u32);
}

#[tokio::test]
async fn slash_from_fake_vault_fails() {
    let (mut env, s, _op, node) = started().await;
    let fake = other_token_account(&mut env, &s, &s.config).await;
    let mut ix = slash_ix(&s, &node, 100, 1);
    replace_account(&mut ix, &s.vault, fake);
    assert_error(env.send(&[ix], &[&s.slash_authority]).await, ErrorCode::ConstraintHasOne as u32);
}

#[tokio::test]
async fn slash_with_fake_config_fails() {
    // Given a fake config naming the attacker as slash authority
    let (mut env, s, _op, node) = started().await;
    let attacker = Keypair::new();
    let fake = fake_config(&mut env, &s, &attacker.pubkey()).await;
    let mut ix = sdk::slash(&attacker.pubkey(), node.node_id, &s.slash_tokens(), 100, 1);
    replace_account(&mut ix, &s.config, fake);
    // When the attacker slashes through it / Then the seeds do not match
    assert_error(env.send(&[ix], &[&attacker]).await, ErrorCode::ConstraintSeeds as u32);
}

#[tokio::test]
async fn slash_total_overflow_fails() {
    // Given the slashed total injected at u64::MAX
    let (mut env, s, _op, node) = started().await;
    let mut config = s.config_state(&mut env).await;
    config.total_slashed = u64::MAX;
    s.set_config(&mut env, &config).await;
    // When another slash happens / Then it overflows cleanly
    assert_error(
        env.send(&[slash_ix(&s, &node, 1, 1)], &[&s.slash_authority]).await,
        E::ArithmeticOverflow,
    );
}

#[tokio::test]
async fn slash_zeroes_the_stake_of_the_epoch_even_after_unjail() {
    // Given a node with 4,000 active through epochs 0 and 1
    let (mut env, s, _op, node) = started().await;
    s.warp_into_epoch(&mut env, 2, 50).await;

    // When it is slashed and unjailed within epoch 2
    env.send(&[slash_ix(&s, &node, 100, 1)], &[&s.slash_authority]).await.expect("slash");
    env.send(&[sdk::unjail(&s.authority.pubkey(), node.node_id)], &[&s.authority])
        .await
        .expect("unjail");

    // Then epoch 2 counts no stake, epoch 1 all of it (read at the start of epoch 3)
    s.warp_into_epoch(&mut env, 3, 0).await;
    let (state, config) =
        (s.node_state(&mut env, node.node_id).await, s.config_state(&mut env).await);
    let now = env.now().await;
    assert_eq!(sdk::node_epoch_view(&state, &config, 2, now).map(|v| v.stake), Some(0));
    assert_eq!(sdk::node_epoch_view(&state, &config, 1, now).map(|v| v.stake), Some(4_000));
    // And epoch 3 counts what is left
    s.warp_into_epoch(&mut env, 4, 0).await;
    let now = env.now().await;
    assert_eq!(sdk::node_epoch_view(&state, &config, 3, now).map(|v| v.stake), Some(3_900));
}
