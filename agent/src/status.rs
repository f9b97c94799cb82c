//! `gridmint-agent status`: what the journal says, without starting anything.

use serde_json::{json, Value};
use solana_signer::Signer as _;

use crate::config::Config;
use crate::run::open_journal;

pub async fn status(config: &Config) -> anyhow::Result<Value> {
    let (journal, key) = open_journal(config).await?;
    let state = journal.signer_state().await?;
    let mut oracles = Vec::new();
    for oracle in &config.oracles {
        journal.cursor(oracle.trim_end_matches('/')).await?;
    }
    for c in journal.cursors().await? {
        let rejections: Vec<Value> = journal
            .rejections(&c.oracle)
            .await?
            .into_iter()
            .map(|(sequence, reason)| json!({"sequence": sequence, "reason": reason}))
            .collect();
        oracles.push(json!({
            "oracle": c.oracle, "next_sequence": c.next_sequence, "backlog": c.backlog,
            "last_ack_at": c.last_ack_at, "last_error": c.last_error, "rejected": rejections,
        }));
    }
    let answers: Vec<Value> = journal
        .answer_summary(10)
        .await?
        .into_iter()
        .map(|(epoch, beacon, oracles)| json!({"epoch": epoch, "beacon": beacon, "oracles": oracles}))
        .collect();
    let (signed, cosigned, undelivered) =
        journal.receipt_counts(config.oracles.len() as u64).await?;
    journal.close().await;
    Ok(json!({
        "challenge_answers": answers,
        "receipts": {"signed": signed, "cosigned": cosigned, "undelivered": undelivered},
        "device_key": key.pubkey().to_string(),
        "node_id": config.node_id,
        "journal": config.journal_path().display().to_string(),
        "last_sequence": state.map(|s| s.last_sequence),
        "last_timestamp": state.map(|s| s.last_timestamp),
        "produced_wh": state.map(|s| s.counter.produced_wh),
        "consumed_wh": state.map(|s| s.counter.consumed_wh),
        "counter_resets": state.map(|s| s.resets),
        "counter_jumps": state.map(|s| s.jumps),
        "oracles": oracles,
    }))
}
