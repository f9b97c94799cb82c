//! `gridmint`: the operator's command line over JSON-RPC, following the Solana CLI's
//! conventions (`-u/--url` monikers, `-k/--keypair`, `~/.config/solana/cli/config.yml`,
//! `--output json`). Every command answers JSON, which `--output text` prints as lines.
//!
//! - [`node`]: `node show`, `node register --signed` (completes what `gridmint-agent
//!   sign-registration` signed with the device key);
//! - [`stake`]: `stake`, `unstake`, `withdraw` (amounts with decimals);
//! - [`claim`]: `claim [--all]` (proof from an oracle, verified locally against the chain's
//!   root); [`why`]: a node's reward for an epoch, recomputed from the published manifest;
//! - [`status`]: the operator's nodes, stake, unlocks and claims, and the epoch;
//! - [`admin`] (and [`veto`]): the deployment authority's commands;
//! - [`requester`]: run a job on a node's agent and co-sign its work receipt, or co-sign a
//!   saved receipt offline.

pub mod admin;
pub mod amount;
pub mod claim;
pub mod context;
pub mod node;
pub mod requester;
pub mod stake;
pub mod status;
pub mod veto;
pub mod why;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use gridmint_ops::cli::Output;
use serde_json::Value;

use crate::context::Context;

#[derive(Parser, Debug)]
#[command(name = "gridmint", version, about = "GridMint for node operators")]
pub struct Cli {
    /// JSON-RPC URL or moniker (localhost, devnet, testnet, mainnet-beta) [default: the
    /// Solana CLI config's json_rpc_url].
    #[arg(short = 'u', long = "url", global = true)]
    pub url: Option<String>,
    /// Signer keypair file [default: the Solana CLI config's keypair_path].
    #[arg(short = 'k', long = "keypair", global = true)]
    pub keypair: Option<PathBuf>,
    /// Solana CLI config file [default: ~/.config/solana/cli/config.yml].
    #[arg(short = 'C', long = "config", global = true)]
    pub config: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Output::Text, global = true)]
    pub output: Output,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Nodes: show one, or register one signed offline by its device key.
    #[command(subcommand)]
    Node(node::NodeCommand),
    /// Add stake to a node (amount in tokens, e.g. 12.5).
    Stake { node_id: u64, amount: String },
    /// Start unbonding stake from a node.
    Unstake { node_id: u64, amount: String },
    /// Withdraw unbonded stake.
    Withdraw { node_id: u64 },
    /// Claim rewards with a proof from an oracle, checked against the chain's root first.
    Claim {
        /// The oracle's base URL.
        #[arg(long)]
        oracle: String,
        /// Recipient [default: the signer].
        #[arg(long, conflicts_with = "all")]
        recipient: Option<String>,
        /// Claim for every reward recipient of the signer's nodes.
        #[arg(long)]
        all: bool,
    },
    /// Why a node earned what it did in an epoch: the oracle's explanation, with the reward
    /// recomputed here from the published manifest (checked against the chain's hash).
    Why {
        node_id: u64,
        #[arg(long)]
        epoch: u64,
        /// The oracle's base URL.
        #[arg(long)]
        oracle: String,
    },
    /// The deployment authority's commands: parameters, oracles, requesters, pause,
    /// unjail, slash, rounds and vetoes.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// A requester's commands (the -k keypair is the requester key): run a job on a node's
    /// agent and co-sign its receipt, or co-sign a saved receipt.
    #[command(subcommand)]
    Requester(requester::RequesterCommand),
    /// The operator's nodes, stake, unlocks and rewards, and the current epoch.
    Status {
        /// Operator [default: the signer].
        #[arg(long)]
        operator: Option<String>,
    },
}

/// Runs one command; answers its JSON.
pub async fn run(cli: Cli) -> anyhow::Result<Value> {
    let ctx = Context::resolve(cli.url.as_deref(), cli.keypair.as_deref(), cli.config.as_deref())?;
    match cli.command {
        Command::Node(c) => node::run(&ctx, c).await,
        Command::Stake { node_id, amount } => stake::stake(&ctx, node_id, &amount).await,
        Command::Unstake { node_id, amount } => stake::unstake(&ctx, node_id, &amount).await,
        Command::Withdraw { node_id } => stake::withdraw(&ctx, node_id).await,
        Command::Claim { oracle, all: true, .. } => claim::claim_all(&ctx, &oracle).await,
        Command::Claim { oracle, recipient, all: false } => {
            claim::claim(&ctx, &oracle, recipient.as_deref()).await
        }
        Command::Why { node_id, epoch, oracle } => why::why(&ctx, node_id, epoch, &oracle).await,
        Command::Admin(c) => admin::run(&ctx, c).await,
        Command::Status { operator } => status::status(&ctx, operator.as_deref()).await,
        Command::Requester(c) => requester::run(&ctx, c).await,
    }
}

/// Lowercase hex, as the oracle's API writes hashes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A base58 address from a flag or argument, with an error naming it.
pub fn pubkey(what: &str, text: &str) -> anyhow::Result<anchor_lang::prelude::Pubkey> {
    text.parse().map_err(|_| anyhow::anyhow!("{what}: {text:?} is not a base58 address"))
}

/// A failed transaction as the operator should read it: the program error's name and what
/// to do when we know it.
pub fn explain(e: gridmint_sdk::chain::ChainError) -> anyhow::Error {
    match e.program_error() {
        Some(p) => anyhow::anyhow!("transaction failed: {p}"),
        None => anyhow::anyhow!("{e}"),
    }
}
