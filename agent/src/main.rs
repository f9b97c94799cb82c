//! `gridmint-agent`: `run`, `status`, `keygen`, `sign-registration`.

use std::path::PathBuf;
use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use clap::{Parser, Subcommand, ValueEnum};
use gridmint_agent::config::Config;
use gridmint_agent::registration::{self, NonceArgs, RegisterRequest, Request};
use gridmint_ops::cli::{init_tracing, print, rpc_url, shutdown_signal, Output};
use gridmint_sdk::node_staking::{Capacity, NodeKind};
use solana_hash::Hash;

#[derive(Parser)]
#[command(
    name = "gridmint-agent",
    version,
    about = "GridMint agent: signs and delivers meter readings"
)]
struct Cli {
    /// TOML config file (values overridable by GRIDMINT_AGENT__... variables).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Solana JSON-RPC URL or moniker (localhost, devnet, testnet, mainnet-beta); overrides
    /// `rpc_url`.
    #[arg(short = 'u', long = "url", global = true)]
    url: Option<String>,
    #[arg(long, value_enum, default_value_t = Output::Text, global = true)]
    output: Output,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read the meter, sign a reading every interval and deliver it to every oracle.
    Run,
    /// The journal: last reading, counters, delivery progress and rejections per oracle.
    Status,
    /// Write a new device key (Solana CLI keypair file).
    Keygen {
        #[arg(short = 'o', long)]
        outfile: PathBuf,
        #[arg(long)]
        force: bool,
    },
    /// Sign `register_node` (or, with --rotate-from, `rotate_device_key`) with the device key
    /// for the operator to complete: a durable-nonce transaction, printed as base64.
    SignRegistration(Box<SignArgs>),
}

#[derive(clap::Args)]
struct SignArgs {
    /// The operator (fee payer, stake owner).
    #[arg(long)]
    operator: String,
    /// Durable nonce account (create one with `solana create-nonce-account`).
    #[arg(long)]
    nonce_account: String,
    /// Nonce authority [default: the operator].
    #[arg(long)]
    nonce_authority: Option<String>,
    /// The nonce value [default: read over RPC].
    #[arg(long)]
    nonce: Option<String>,
    /// Rotate the node's device key from this key to the agent's (node id from --node-id).
    #[arg(long)]
    rotate_from: Option<String>,
    /// Node id [register: the next id, read over RPC; rotate: required].
    #[arg(long)]
    node_id: Option<u64>,
    #[arg(long, value_enum)]
    kind: Option<KindArg>,
    /// Peak clean-energy capacity, Wp (energy and hybrid nodes).
    #[arg(long, default_value_t = 0)]
    energy_wp: u64,
    /// Compute capacity, work units per hour (compute and hybrid nodes).
    #[arg(long, default_value_t = 0)]
    compute_units_per_hour: u64,
    /// ISO 3166-1 numeric country code (0: unspecified).
    #[arg(long, default_value_t = 0)]
    region: u16,
    #[arg(long, default_value = "")]
    metadata_uri: String,
    #[arg(long)]
    reward_recipient: Option<String>,
    /// Initial stake in raw token units (at least the minimum for the kind).
    #[arg(long, default_value_t = 0)]
    stake: u64,
    #[arg(long)]
    stake_mint: Option<String>,
    #[arg(long)]
    token_program: Option<String>,
    /// [default: the operator's associated token account]
    #[arg(long)]
    operator_token: Option<String>,
    /// Write the JSON here as well as printing it.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Energy,
    Compute,
    Hybrid,
}

fn pubkey(flag: &str, text: &str) -> anyhow::Result<Pubkey> {
    Pubkey::from_str(text)
        .map_err(|_| anyhow::anyhow!("--{flag}: {text:?} is not a base58 address"))
}

fn opt_pubkey(flag: &str, text: Option<&String>) -> anyhow::Result<Option<Pubkey>> {
    text.map(|t| pubkey(flag, t)).transpose()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_tracing();
    let cli = Cli::parse();
    if let Command::Keygen { outfile, force } = &cli.command {
        return print(cli.output, &gridmint_ops::keygen(outfile, *force)?);
    }
    let mut config = Config::load(cli.config.as_deref(), std::env::vars())?;
    if let Some(url) = &cli.url {
        config.rpc_url = Some(rpc_url(url));
    }
    match cli.command {
        Command::Run => gridmint_agent::run::run(config, shutdown_signal()).await,
        Command::Status => print(cli.output, &gridmint_agent::status::status(&config).await?),
        Command::SignRegistration(args) => {
            let answer = sign_registration(&config, args).await?;
            print(cli.output, &answer)
        }
        Command::Keygen { .. } => Ok(()),
    }
}

async fn sign_registration(config: &Config, a: Box<SignArgs>) -> anyhow::Result<serde_json::Value> {
    let device = gridmint_ops::read_keypair_file(&config.device_keypair)?;
    let nonce = NonceArgs {
        account: pubkey("nonce-account", &a.nonce_account)?,
        authority: opt_pubkey("nonce-authority", a.nonce_authority.as_ref())?,
        value: a
            .nonce
            .as_deref()
            .map(|n| Hash::from_str(n).map_err(|_| anyhow::anyhow!("--nonce: {n:?} is not a hash")))
            .transpose()?,
    };
    let request = match &a.rotate_from {
        Some(old) => Request::Rotate {
            node_id: a.node_id.ok_or_else(|| anyhow::anyhow!("--rotate-from needs --node-id"))?,
            old_device: pubkey("rotate-from", old)?,
        },
        None => {
            let kind = match a.kind {
                Some(KindArg::Energy) => NodeKind::Energy,
                Some(KindArg::Compute) => NodeKind::Compute,
                Some(KindArg::Hybrid) => NodeKind::Hybrid,
                None => anyhow::bail!("--kind is required to register a node"),
            };
            Request::Register(Box::new(RegisterRequest {
                node_id: a.node_id,
                kind,
                capacity: Capacity {
                    energy_wp: a.energy_wp,
                    compute_units_per_hour: a.compute_units_per_hour,
                },
                region: a.region,
                metadata_uri: a.metadata_uri.clone(),
                reward_recipient: opt_pubkey("reward-recipient", a.reward_recipient.as_ref())?,
                stake: a.stake,
                stake_mint: opt_pubkey("stake-mint", a.stake_mint.as_ref())?,
                token_program: opt_pubkey("token-program", a.token_program.as_ref())?,
                operator_token: opt_pubkey("operator-token", a.operator_token.as_ref())?,
            }))
        }
    };
    let operator = pubkey("operator", &a.operator)?;
    let answer =
        registration::sign(&device, operator, nonce, request, config.rpc_url.as_deref()).await?;
    if let Some(out) = &a.out {
        std::fs::write(out, serde_json::to_string_pretty(&answer)?)?;
    }
    Ok(answer)
}
