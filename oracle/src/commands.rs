//! One-shot commands for oracle runners: `status`, `close-epoch`. Each returns JSON
//! (`--output json` prints it as is; text output prints it as `key: value` lines).

use std::sync::Arc;

use gridmint_sdk::chain::{Chain, ChainExt};
use serde_json::{json, Value};
use solana_signer::Signer;

use crate::config::Config;
use crate::epoch::{hex, Engine, Outcome};
use crate::vote::{vote_hash, Voter};

fn chain_of(config: &Config) -> anyhow::Result<Arc<dyn Chain>> {
    crate::serve::chain(config)?
        .ok_or_else(|| anyhow::anyhow!("set rpc_url (or GRIDMINT_ORACLE__RPC_URL, or -u)"))
}

/// Chain progress, this oracle's last vote, its key's balance and slot, and its peers.
pub async fn status(config: &Config) -> anyhow::Result<Value> {
    let chain = chain_of(config)?;
    let fetched = chain.rewards_config().await?;
    let now = fetched.unix_timestamp;
    let rewards = fetched.account.ok_or_else(|| anyhow::anyhow!("rewards config not found"))?;
    let next = rewards.next_epoch;
    let grace = rewards.params_for(next).report_grace_seconds;
    let open_at = rewards.epoch_end(next).ok().and_then(|e| e.checked_add(grace));
    let store = crate::store::Store::open(&config.database_url).await?;
    let last_vote = store.last_vote().await?.map(|v| {
        json!({ "epoch": v.epoch, "round": v.round, "status": format!("{:?}", v.status),
                "signature": v.signature })
    });
    let counts = store.counts().await?;
    store.close().await;
    let key = match &config.oracle.keypair {
        Some(path) => {
            let pubkey = gridmint_ops::read_keypair_file(path)?.pubkey();
            let account = chain.read_accounts(&[pubkey], None).await?.value;
            let lamports = account.first().and_then(Option::as_ref).map_or(0, |a| a.lamports);
            json!({
                "pubkey": pubkey.to_string(),
                "balance_sol": lamports as f64 / 1e9,
                "oracle_slot": rewards.oracles.slot_of(&pubkey),
            })
        }
        None => Value::Null,
    };
    let client = reqwest::Client::builder().timeout(config.oracle.peer_timeout).build()?;
    let mut peers = Vec::new();
    for peer in &config.oracle.peers {
        let url = format!("{}/health", peer.trim_end_matches('/'));
        let ok = client.get(&url).send().await.is_ok_and(|r| r.status().is_success());
        peers.push(json!({ "url": peer, "healthy": ok }));
    }
    Ok(json!({
        "chain_time": now,
        "next_epoch": next,
        "last_final_total": rewards.last_final_total,
        // Seconds since the next epoch could have been voted on (0: not yet open).
        "lag_seconds": open_at.map_or(0, |t| now.saturating_sub(t).max(0)),
        "oracle_set": { "version": rewards.oracles.version, "threshold": rewards.oracles.threshold },
        "key": key,
        "last_vote_intent": last_vote,
        "stored": counts,
        "peers": peers,
    }))
}

/// Computes `epoch` from this oracle's store (as the loop would) and, with `vote`, votes.
pub async fn close_epoch(config: &Config, epoch: u64, vote: bool) -> anyhow::Result<Value> {
    let chain = chain_of(config)?;
    // A one-shot command: its metrics are not exported.
    let metrics = Arc::new(crate::metrics::Metrics::new());
    let ingest = crate::serve::build(config, Arc::clone(&metrics)).await?;
    let engine = Engine {
        chain: Arc::clone(&chain),
        store: Arc::clone(&ingest.store),
        deployment: ingest.settings.deployment,
    };
    let rewards = chain
        .rewards_config()
        .await?
        .account
        .ok_or_else(|| anyhow::anyhow!("rewards config not found"))?;
    let state = chain.epoch_state(epoch).await?.account;
    let result = match engine.compute(&rewards, epoch, state.as_ref()).await? {
        Outcome::Abstain(reason) => json!({ "epoch": epoch, "abstain": reason }),
        Outcome::Closed(c) => {
            let mut out = json!({
                "epoch": epoch,
                "manifest_hash": hex(&c.report.manifest_hash),
                "inputs_root": hex(&c.manifest.inputs_root),
                "root": hex(&c.report.root),
                "cumulative_total": c.report.cumulative_total,
                "recipient_count": c.report.recipient_count,
                "listed_nodes": c.manifest.nodes.len(),
                "vote_hash": hex(&vote_hash(&c.report)),
            });
            if vote {
                let path =
                    config.oracle.keypair.as_ref().ok_or_else(|| {
                        anyhow::anyhow!("--vote needs oracle.keypair in the config")
                    })?;
                let voter = Voter {
                    chain: Arc::clone(&chain),
                    store: Arc::clone(&ingest.store),
                    keypair: Arc::new(gridmint_ops::read_keypair_file(path)?),
                    budget: gridmint_sdk::vote::ComputeBudget {
                        unit_limit: config.oracle.compute_unit_limit,
                        micro_lamports_per_cu: config.oracle.priority_fee_micro_lamports,
                    },
                    attempts: 5,
                    backoff: std::time::Duration::from_millis(500),
                    metrics,
                };
                out["vote"] = json!(format!("{:?}", voter.vote(&c.report).await?));
            }
            out
        }
    };
    ingest.store.close().await;
    Ok(result)
}
