//! `--demo`: deploy, write three oracle configs and the demo node's agent config, then claim
//! the operator's rewards as soon as an oracle serves a proof with something to claim. The
//! node's readings come from the real `gridmint-agent` (simulated roof), started by the user.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use gridmint_localnet::demo::{self, DemoOptions};
use gridmint_localnet::Localnet;
use gridmint_sdk::rewards as rw;
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;
use solana_signer::Signer;
use solana_transaction::Transaction;

/// Time between two looks for something to claim.
const CLAIM_EVERY: Duration = Duration::from_secs(3);

pub async fn run(
    localnet: &Localnet,
    dir: &Path,
    epoch_seconds: i64,
    first_port: u16,
) -> Result<()> {
    let url = localnet.rpc_url();
    let rpc = RpcClient::new_with_commitment(url.clone(), CommitmentConfig::confirmed());
    let options = DemoOptions {
        epoch_seconds,
        oracle_count: 3,
        threshold: 2,
        challenge_period_seconds: None,
    };
    let d = demo::deploy(&rpc, &localnet.faucet, options).await.context("deploy the demo")?;
    let listen: Vec<String> = (0..3u16).map(|i| format!("127.0.0.1:{}", first_port + i)).collect();
    let configs = d.write_oracle_files(dir, &url, &listen)?;
    println!("demo deployed: epochs of {epoch_seconds} s from {}", d.genesis_time);
    println!(
        "operator           {} ({})",
        d.operator.pubkey(),
        dir.join("operator.json").display()
    );
    println!("reward mint        {}", d.reward_mint);
    println!("start the three oracles, each in its own terminal:");
    for c in &configs {
        println!("  cargo run -p gridmint-oracle -- serve --config {}", c.display());
    }
    println!(
        "then watch: cargo run -p gridmint-oracle -- status --config {} --output json",
        configs[0].display()
    );
    let agent = d.write_agent_config(dir, &url, &listen)?;
    println!("and the node's agent (a simulated roof, a reading every 3 s to every oracle):");
    println!("  cargo run -p gridmint-agent -- run --config {}", agent.display());
    println!("this process now claims for the operator whenever there is something; Ctrl-C stops");

    let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
    let claims = format!("http://{}/v1/claims/{}", listen[0], d.operator.pubkey());
    loop {
        if let Some((epoch, cumulative, claimable, proof)) = claimable_proof(&http, &claims).await {
            if claimable > 0 {
                let ixs = rw::claim_to_ata(
                    &d.operator.pubkey(),
                    &d.operator.pubkey(),
                    &d.reward_mint,
                    &d.token_program,
                    cumulative,
                    proof,
                );
                let blockhash = rpc.get_latest_blockhash().await?;
                let tx = Transaction::new_signed_with_payer(
                    &ixs,
                    Some(&d.operator.pubkey()),
                    &[&d.operator],
                    blockhash,
                );
                match rpc.send_and_confirm_transaction(&tx).await {
                    Ok(sig) => println!(
                        "epoch {epoch} finalized: claimed {claimable} base units for the operator \
                         (cumulative {cumulative}) in {sig}"
                    ),
                    Err(e) => println!("claim failed (will retry): {e}"),
                }
            }
        }
        tokio::time::sleep(CLAIM_EVERY).await;
    }
}

/// `(epoch, cumulative, claimable, proof)` from an oracle's `/v1/claims/{recipient}`.
async fn claimable_proof(
    http: &reqwest::Client,
    url: &str,
) -> Option<(u64, u64, u64, Vec<[u8; 32]>)> {
    let resp = http.get(url).send().await.ok()?;
    if !resp.status().is_success() {
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(&resp.bytes().await.ok()?).ok()?;
    let proof = json["proof"]
        .as_array()?
        .iter()
        .map(|h| {
            let text = h.as_str()?;
            let mut out = [0u8; 32];
            for (k, byte) in out.iter_mut().enumerate() {
                *byte = u8::from_str_radix(text.get(2 * k..2 * k + 2)?, 16).ok()?;
            }
            Some(out)
        })
        .collect::<Option<Vec<_>>>()?;
    Some((
        json["epoch"].as_u64()?,
        json["cumulative"].as_u64()?,
        json["claimable"].as_u64()?,
        proof,
    ))
}
