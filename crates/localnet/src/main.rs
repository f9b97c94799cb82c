//! `gridmint-localnet`: a local Solana validator with GridMint's programs, for operators,
//! integrators and demos. Prints the RPC URL and program ids, then serves until Ctrl-C.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;
use gridmint_localnet::{Localnet, LocalnetOptions};

use gridmint_localnet::showcase::{self, ShowcaseOptions};
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
    /// Run the whole system here: deploy a demo, three oracles (files in this directory),
    /// the node's agent and a cheating device; print each epoch, claim it with the CLI's
    /// path, then check supply, roots and the cheater's slashing, and exit (non-zero if
    /// anything failed).
    #[arg(long)]
    demo: Option<PathBuf>,
    /// Epoch length of the demo deployment, seconds.
    #[arg(long, default_value_t = 30)]
    demo_epoch_seconds: i64,
    /// Finalized and claimed epochs the demo shows before its checks.
    #[arg(long, default_value_t = 3)]
    demo_epochs: u64,
    /// First of the three oracle ports.
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
        let options = ShowcaseOptions {
            dir: dir.clone(),
            epoch_seconds: args.demo_epoch_seconds,
            epochs: args.demo_epochs,
            first_port: Some(args.demo_oracle_port),
        };
        tokio::select! {
            result = showcase::run(&localnet, &options) => {
                result.context("the demo failed")?;
                println!("demo complete");
            }
            result = tokio::signal::ctrl_c() => result.context("wait for Ctrl-C")?,
        }
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
