//! `gridmint claim`: fetch the recipient's cumulative amount and proof from an oracle, check
//! the proof against the root the chain will check it against, then claim (one transaction,
//! with an idempotent associated token account); `--all` does it for every reward recipient
//! of the signer's nodes.

use gridmint_protocol::merkle;
use gridmint_sdk::chain::{Chain, ChainExt};
use gridmint_sdk::rewards as rw;
use serde_json::{json, Value};
use solana_signer::Signer;

use crate::context::Context;

/// What an oracle's `/v1/claims/{recipient}` serves.
struct Served {
    epoch: u64,
    cumulative: u64,
    proof: Vec<[u8; 32]>,
}

pub fn unhex32(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if text.len() != 64 {
        return None;
    }
    for (k, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * k..2 * k + 2)?, 16).ok()?;
    }
    Some(out)
}

async fn fetch_proof(oracle: &str, recipient: &str) -> anyhow::Result<Served> {
    let url = format!("{}/v1/claims/{recipient}", oracle.trim_end_matches('/'));
    let response = reqwest::Client::new()
        .get(&url)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("GET {url}: {e}: is the oracle running?"))?;
    let status = response.status();
    let body: Value = serde_json::from_slice(&response.bytes().await?)
        .map_err(|e| anyhow::anyhow!("GET {url}: unreadable answer: {e}"))?;
    if !status.is_success() {
        anyhow::bail!("the oracle answered {status}: {}", body["error"].as_str().unwrap_or("?"));
    }
    let proof = body["proof"]
        .as_array()
        .and_then(|a| a.iter().map(|h| h.as_str().and_then(unhex32)).collect::<Option<Vec<_>>>())
        .ok_or_else(|| anyhow::anyhow!("GET {url}: no proof in the answer"))?;
    Ok(Served {
        epoch: body["epoch"].as_u64().unwrap_or_default(),
        cumulative: body["cumulative"]
            .as_u64()
            .ok_or_else(|| anyhow::anyhow!("GET {url}: no cumulative"))?,
        proof,
    })
}

pub async fn claim(ctx: &Context, oracle: &str, recipient: Option<&str>) -> anyhow::Result<Value> {
    let payer = ctx.signer()?;
    let recipient = match recipient {
        Some(r) => crate::pubkey("--recipient", r)?,
        None => payer.pubkey(),
    };
    claim_for(ctx, &payer, oracle, recipient).await
}

/// Claims for every reward recipient of the signer's nodes, one transaction each; fails after
/// trying them all if any claim failed.
pub async fn claim_all(ctx: &Context, oracle: &str) -> anyhow::Result<Value> {
    let payer = ctx.signer()?;
    let mut recipients: Vec<_> = ctx
        .chain()
        .nodes()
        .await?
        .into_iter()
        .filter(|n| n.account.operator == payer.pubkey())
        .map(|n| n.account.reward_recipient)
        .collect();
    recipients.sort();
    recipients.dedup();
    if recipients.is_empty() {
        anyhow::bail!("{} operates no node on {}: nothing to claim", payer.pubkey(), ctx.rpc_url);
    }
    let mut results = Vec::new();
    let mut failed = Vec::new();
    for recipient in recipients {
        match claim_for(ctx, &payer, oracle, recipient).await {
            Ok(done) => results.push(done),
            Err(e) => {
                failed.push(format!("{recipient}: {e}"));
                results.push(json!({"recipient": recipient.to_string(), "error": e.to_string()}));
            }
        }
    }
    if !failed.is_empty() {
        anyhow::bail!("{} of {} claims failed: {}", failed.len(), results.len(), failed.join("; "));
    }
    Ok(json!({ "claims": results }))
}

async fn claim_for(
    ctx: &Context,
    payer: &solana_keypair::Keypair,
    oracle: &str,
    recipient: anchor_lang::prelude::Pubkey,
) -> anyhow::Result<Value> {
    let served = fetch_proof(oracle, &recipient.to_string()).await?;
    let chain = ctx.chain();
    let fetched = chain.rewards_config().await?;
    let config = fetched.account.ok_or_else(|| anyhow::anyhow!("rewards is not initialised"))?;
    // The roots a claim may use now: the ring's, and a pending root past its challenge period.
    let mut roots: Vec<[u8; 32]> = config.claimable.newest().map(|r| r.root).into_iter().collect();
    if let Some(p) = config.pending_root.filter(|p| fetched.unix_timestamp >= p.claimable_at) {
        roots.push(p.root.root);
    }
    let ok = roots
        .iter()
        .any(|root| merkle::verify(root, &recipient.to_bytes(), served.cumulative, &served.proof));
    if !ok {
        anyhow::bail!(
            "the oracle's proof for {recipient} (cumulative {}, epoch {}) does not match the \
             chain's claimable root: try another oracle, or wait for the epoch to finalize",
            served.cumulative,
            served.epoch
        );
    }
    let status = chain
        .fetch::<rw::ClaimStatus>(
            rw::claim_status_pda(&recipient).0,
            rw::PROGRAM_ID,
            "claim status",
        )
        .await?
        .account;
    let claimed = status.map_or(0, |s| s.claimed_total);
    if served.cumulative <= claimed {
        return Ok(json!({"recipient": recipient.to_string(), "claimed_total": claimed,
                         "claimable": 0, "note": "nothing new to claim"}));
    }
    let ixs = rw::claim_to_ata(
        &payer.pubkey(),
        &recipient,
        &config.reward_mint,
        &config.token_program,
        served.cumulative,
        served.proof,
    );
    let signature = chain.send_transaction(&ixs, payer, &[]).await.map_err(crate::explain)?;
    Ok(json!({
        "signature": signature.to_string(),
        "recipient": recipient.to_string(),
        "epoch": served.epoch,
        "claimed": served.cumulative - claimed,
        "claimed_total": served.cumulative,
    }))
}
