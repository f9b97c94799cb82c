//! The whole node lifecycle with a Token-2022 stake mint (plain, and with an allow-listed
//! extension).

use super::prelude::*;

async fn full_flow(s: &Staking, env: &mut Env) {
    // Given an operator holding Token-2022 stake tokens
    let op = s.operator(env, 50_000).await;
    let supply = env.mint_supply(&s.stake_mint).await;

    // When it registers, tops up, requests an exit and gets slashed on the way
    let node = s.register(env, &op, NodeKind::Hybrid, 10_000).await;
    let ix = sdk::stake(&op.pubkey(), node.node_id, &s.tokens(&op), 5_000);
    env.send(&[ix], &[&op.keypair]).await.expect("stake");
    request_unstake(env, &op, node.node_id, 15_000).await;
    slash(env, s, node.node_id, 1_500).await;
    let ix = sdk::unjail(&s.authority.pubkey(), node.node_id);
    env.send(&[ix], &[&s.authority]).await.expect("unjail");
    env.warp_seconds(UNBONDING_SECONDS).await;
    let ix = sdk::withdraw(&op.pubkey(), node.node_id, &s.tokens(&op));
    env.send(&[ix], &[&op.keypair]).await.expect("withdraw");
    let ix = sdk::close_node(&op.pubkey(), node.node_id, &node.device.pubkey());
    env.send(&[ix], &[&op.keypair]).await.expect("close");

    // Then every token is accounted for: wallet + treasury, vault empty, supply unchanged
    assert_eq!(env.token_balance(&op.token).await, 50_000 - 1_500);
    assert_eq!(env.token_balance(&s.treasury).await, 1_500);
    assert_eq!(s.vault_balance(env).await, 0);
    assert_eq!(env.mint_supply(&s.stake_mint).await, supply);
    let c = s.config_state(env).await;
    assert_eq!((c.total_active, c.total_pending, c.total_slashed), (0, 0, 1_500));
    assert!(env.account(&node.address).await.is_none());
}

#[tokio::test]
async fn token_2022_full_flow_ok() {
    // Given a deployment on a plain Token-2022 mint
    let mut env = Env::start().await;
    let s = Staking::start_with(&mut env, token_2022()).await;
    assert_eq!(env.account(&s.vault).await.expect("vault").owner, token_2022());
    full_flow(&s, &mut env).await;
}

#[tokio::test]
async fn token_2022_with_metadata_pointer_full_flow_ok() {
    // Given a deployment on a Token-2022 mint with an allow-listed extension
    let mut env = Env::start().await;
    let s = Staking::prepare(&mut env, token_2022(), &[MintExtension::MetadataPointer]).await;
    s.initialize(&mut env).await.expect("initialize");
    full_flow(&s, &mut env).await;
}

#[tokio::test]
async fn token_2022_deployment_refuses_spl_token_program() {
    // Given a Token-2022 deployment
    let mut env = Env::start().await;
    let s = Staking::start_with(&mut env, token_2022()).await;
    let op = s.operator(&mut env, 10_000).await;
    let node = s.register(&mut env, &op, NodeKind::Compute, 1_000).await;
    slash(&mut env, &s, node.node_id, 1).await;

    // When a slash names SPL Token as the token program / Then it is refused
    let mut ix = sdk::slash(&s.slash_authority.pubkey(), node.node_id, &s.slash_tokens(), 1, 1);
    replace_account(&mut ix, &token_2022(), spl_token());
    assert_error(env.send(&[ix], &[&s.slash_authority]).await, ErrorCode::ConstraintAddress as u32);
}
