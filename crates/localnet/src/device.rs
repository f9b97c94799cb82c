//! `--demo`: deploy, write three oracle configs, then play the demo node's device — a signed
//! reading every few seconds to the oracles in turn — and claim the operator's rewards as soon
//! as an oracle serves a proof with something to claim.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use gridmint_localnet::demo::{self, DemoOptions};
use gridmint_localnet::Localnet;
use gridmint_sdk::chain::{ChainExt, RpcChain};
use gridmint_sdk::rewards as rw;
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;
use solana_signer::Signer;
use solana_transaction::Transaction;

/// Seconds between two readings of the demo device.
const READING_EVERY: Duration = Duration::from_secs(3);

pub async fn run(
    localnet: &Localnet,
    dir: &Path,
    epoch_seconds: i64,
    first_port: u16,
) -> Result<()> {
    let url = localnet.rpc_url();
    let rpc = RpcClient::new_with_commitment(url.clone(), CommitmentConfig::confirmed());
    let options = DemoOptions { epoch_seconds, oracle_count: 3, threshold: 2 };
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
    println!("this process now plays the node's device and claims for the operator; Ctrl-C stops");

    let chain = RpcChain::from_url(url, CommitmentConfig::confirmed());
    let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
    let claims = format!("http://{}/v1/claims/{}", listen[0], d.operator.pubkey());
    let mut sequence = 0u64;
    let mut produced = 0u64;
    let mut warned = [false; 3];
    loop {
        sequence += 1;
        produced += 50;
        let now = chain.clock().await?.unix_timestamp;
        let r = d.reading(sequence, now, produced);
        let body = [&r.message[..], &r.device_key, &r.signature].concat();
        let i = usize::try_from(sequence % 3).unwrap_or(0);
        let posted = http
            .post(format!("http://{}/v1/readings", listen[i]))
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
            .await;
        match posted {
            Ok(resp) if resp.status().is_success() => warned[i] = false,
            Ok(resp) => println!("oracle {i} answered {} to reading {sequence}", resp.status()),
            Err(_) if !warned[i] => {
                warned[i] = true;
                println!(
                    "oracle {i} ({}) not reachable yet; reading {sequence} skipped",
                    listen[i]
                );
            }
            Err(_) => {}
        }
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
        tokio::time::sleep(READING_EVERY).await;
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
