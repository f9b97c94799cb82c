//! `gridmint-localnet`: a local Solana validator with GridMint's programs, for operators,
//! integrators and demos. Prints the RPC URL and program ids, then serves until Ctrl-C.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;
use gridmint_localnet::{Localnet, LocalnetOptions};

mod device;
use solana_signer::Signer;

#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// JSON-RPC port (default: a free port).
    #[arg(long, env = "GRIDMINT_RPC_PORT")]
    rpc_port: Option<u16>,
    /// Ledger directory (default: a temporary one, deleted on exit).
    #[arg(long)]
    ledger: Option<PathBuf>,
    /// Write the funded faucet keypair here (Solana CLI JSON format).
    #[arg(long, default_value = "target/localnet/faucet.json")]
    faucet_out: PathBuf,
    /// Also deploy a demo (both programs, three oracle keys, an Energy node), write the
    /// oracles' configs into this directory and act as the node's device: post a signed
    /// reading every few seconds and claim the operator's rewards once claimable.
    #[arg(long)]
    demo: Option<PathBuf>,
    /// Epoch length of the demo deployment, seconds.
    #[arg(long, default_value_t = 30)]
    demo_epoch_seconds: i64,
    /// First of the three oracle ports the demo configs use.
    #[arg(long, default_value_t = 8081)]
    demo_oracle_port: u16,
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                // The validator logs benign start-up errors (tower, nofile limit): hide them.
                .unwrap_or_else(|_| {
                    "warn,solana_core=off,solana_metrics=off,solana_ledger=error,agave_fs=error,agave_votor=error,\
                     agave_votor_messages=error,tarpc=error,gridmint=info"
                        .into()
                }),
        )
        .init();
    let args = Args::parse();
    eprintln!("starting localnet (about 15 s)...");
    let localnet = Localnet::start(LocalnetOptions {
        rpc_port: args.rpc_port,
        ledger_path: args.ledger,
        ..LocalnetOptions::default()
    })
    .await?;

    if let Some(dir) = args.faucet_out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    }
    let bytes = localnet.faucet.to_bytes();
    std::fs::write(&args.faucet_out, serde_json_bytes(&bytes))
        .with_context(|| format!("write {}", args.faucet_out.display()))?;

    println!("rpc_url            {}", localnet.rpc_url());
    println!("node_staking       {}", node_staking::ID);
    println!("rewards            {}", rewards::ID);
    println!("faucet             {} ({})", localnet.faucet.pubkey(), args.faucet_out.display());
    if let Some(dir) = &args.demo {
        let run = device::run(&localnet, dir, args.demo_epoch_seconds, args.demo_oracle_port);
        tokio::select! {
            result = run => result?,
            result = tokio::signal::ctrl_c() => result.context("wait for Ctrl-C")?,
        }
        eprintln!("stopping");
        return Ok(());
    }
    println!("ready; Ctrl-C to stop");

    tokio::signal::ctrl_c().await.context("wait for Ctrl-C")?;
    eprintln!("stopping");
    Ok(())
}

fn serde_json_bytes(bytes: &[u8]) -> String {
    let items: Vec<String> = bytes.iter().map(u8::to_string).collect();
    format!("[{}]", items.join(","))
}
