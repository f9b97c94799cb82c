//! `gridmint status`: the epoch, and the operator's nodes, stake, unlocks and rewards.

use gridmint_sdk::chain::ChainExt;
use gridmint_sdk::rewards as rw;
use serde_json::{json, Value};
use solana_signer::Signer;

use crate::amount;
use crate::context::Context;
use crate::node::node_json;
use crate::stake::stake_tokens;

pub async fn status(ctx: &Context, operator: Option<&str>) -> anyhow::Result<Value> {
    let operator = match operator {
        Some(o) => crate::pubkey("--operator", o)?,
        None => ctx.signer()?.pubkey(),
    };
    let chain = ctx.chain();
    let staking = chain.node_staking_config().await?;
    let config = staking.account.ok_or_else(|| {
        anyhow::anyhow!("node-staking is not initialised on {}: check -u", ctx.rpc_url)
    })?;
    let now = staking.unix_timestamp;
    let epoch = config.clock().epoch_at(now).ok().flatten();
    let (_, decimals) = stake_tokens(ctx, &operator).await?;
    let mut nodes = Vec::new();
    let mut recipients = Vec::new();
    for fetched in chain.nodes().await? {
        let node = fetched.account;
        if node.operator != operator {
            continue;
        }
        let mut j = node_json(&node);
        j["active_stake"] = json!(amount::format(node.active_stake, decimals));
        j["pending_stake"] = json!(amount::format(node.pending_stake, decimals));
        j["address"] = json!(fetched.address.to_string());
        if !recipients.contains(&node.reward_recipient) {
            recipients.push(node.reward_recipient);
        }
        nodes.push(j);
    }
    nodes.sort_by_key(|n| n["node_id"].as_u64());
    let rewards = chain.rewards_config().await?.account;
    let mut claims = Vec::new();
    for r in recipients {
        let status = chain
            .fetch::<rw::ClaimStatus>(rw::claim_status_pda(&r).0, rw::PROGRAM_ID, "claim status")
            .await?
            .account;
        claims.push(json!({"recipient": r.to_string(),
                           "claimed_total": status.map_or(0, |s| s.claimed_total)}));
    }
    Ok(json!({
        "rpc_url": ctx.rpc_url,
        "operator": operator.to_string(),
        "chain_time": now,
        "epoch": epoch,
        "next_epoch_to_report": rewards.as_ref().map(|c| c.next_epoch),
        "newest_claimable_epoch": rewards.as_ref().and_then(|c| c.claimable.newest()).map(|r| r.epoch),
        "nodes": nodes,
        "rewards": claims,
    }))
}
