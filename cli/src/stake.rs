//! `gridmint stake | unstake | withdraw`: amounts in tokens with the stake mint's decimals.

use gridmint_sdk::chain::Chain;
use gridmint_sdk::node_staking::{self as ns, StakeTokens};
use serde_json::{json, Value};
use solana_signer::Signer;

use crate::amount;
use crate::context::Context;
use crate::node::fetch_node;

/// Offset of `decimals` in an SPL Token / Token-2022 mint account.
const MINT_DECIMALS_OFFSET: usize = 44;

/// The stake mint, its token program and decimals, and the signer's token account.
pub async fn stake_tokens(
    ctx: &Context,
    operator: &anchor_lang::prelude::Pubkey,
) -> anyhow::Result<(StakeTokens, u8)> {
    let config = ctx.staking_config().await?;
    let decimals = mint_decimals(&ctx.chain(), &config.stake_mint).await?;
    let operator_token =
        spl_associated_token_account_interface::address::get_associated_token_address_with_program_id(
            operator,
            &config.stake_mint,
            &config.stake_token_program,
        );
    let tokens = StakeTokens {
        stake_mint: config.stake_mint,
        token_program: config.stake_token_program,
        operator_token,
    };
    Ok((tokens, decimals))
}

pub async fn mint_decimals(
    chain: &impl Chain,
    mint: &anchor_lang::prelude::Pubkey,
) -> anyhow::Result<u8> {
    let read = chain.read_accounts(&[*mint], None).await?;
    read.value
        .first()
        .and_then(Option::as_ref)
        .and_then(|a| a.data.get(MINT_DECIMALS_OFFSET).copied())
        .ok_or_else(|| anyhow::anyhow!("mint {mint} not found"))
}

pub async fn stake(ctx: &Context, node_id: u64, text: &str) -> anyhow::Result<Value> {
    let operator = ctx.signer()?.pubkey();
    let (tokens, decimals) = stake_tokens(ctx, &operator).await?;
    let raw = amount::parse(text, decimals)?;
    let signature = ctx.send(&[ns::stake(&operator, node_id, &tokens, raw)]).await?;
    let node = fetch_node(ctx, node_id).await?.account;
    Ok(json!({
        "signature": signature, "node_id": node_id, "staked": amount::format(raw, decimals),
        "active_stake": node.map(|n| amount::format(n.active_stake, decimals)),
    }))
}

pub async fn unstake(ctx: &Context, node_id: u64, text: &str) -> anyhow::Result<Value> {
    let operator = ctx.signer()?.pubkey();
    let (_, decimals) = stake_tokens(ctx, &operator).await?;
    let raw = amount::parse(text, decimals)?;
    let signature = ctx.send(&[ns::request_unstake(&operator, node_id, raw)]).await?;
    let node = fetch_node(ctx, node_id).await?.account;
    Ok(json!({
        "signature": signature, "node_id": node_id, "unbonding": amount::format(raw, decimals),
        "pending_stake": node.as_ref().map(|n| amount::format(n.pending_stake, decimals)),
        "unlock_at": node.map(|n| n.unlock_at),
    }))
}

pub async fn withdraw(ctx: &Context, node_id: u64) -> anyhow::Result<Value> {
    let operator = ctx.signer()?.pubkey();
    let (tokens, decimals) = stake_tokens(ctx, &operator).await?;
    let before = fetch_node(ctx, node_id).await?.account.map_or(0, |n| n.pending_stake);
    let signature = ctx.send(&[ns::withdraw(&operator, node_id, &tokens)]).await?;
    Ok(json!({
        "signature": signature, "node_id": node_id,
        "withdrawn": amount::format(before, decimals),
    }))
}
