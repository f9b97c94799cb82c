//! `gridmint-deploy --plan deploy.toml [-u URL] [-k KEYPAIR] [-C SOLANA_CONFIG] [--output json]`

use std::path::PathBuf;

use clap::Parser;
use gridmint_deploy::{deploy, plan::Plan, Deployer};
use gridmint_ops::cli::Output;

#[derive(Parser, Debug)]
#[command(
    name = "gridmint-deploy",
    version,
    about = "Initialise a GridMint deployment from a TOML file, idempotently"
)]
struct Args {
    /// The deployment file (see migrations/localnet.toml).
    #[arg(long)]
    plan: PathBuf,
    /// JSON-RPC URL or moniker [default: the Solana CLI config's].
    #[arg(short = 'u', long = "url")]
    url: Option<String>,
    /// The programs' deploy admin keypair, which also pays [default: the Solana CLI config's].
    #[arg(short = 'k', long = "keypair")]
    keypair: Option<PathBuf>,
    /// Solana CLI config file [default: ~/.config/solana/cli/config.yml].
    #[arg(short = 'C', long = "config")]
    config: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    output: Output,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    gridmint_ops::cli::init_tracing();
    let args = Args::parse();
    let ctx = gridmint_cli::context::Context::resolve(
        args.url.as_deref(),
        args.keypair.as_deref(),
        args.config.as_deref(),
    )?;
    let plan = Plan::load(&args.plan, std::env::vars())?;
    let deployer = Deployer::new(&ctx.rpc_url, ctx.commitment, ctx.signer()?);
    let report = deploy(&deployer, &plan).await?;
    gridmint_ops::cli::print(args.output, &serde_json::to_value(&report)?)?;
    if !report.changed_anything() {
        eprintln!("nothing to do: the chain already matches {}", args.plan.display());
    }
    let drift = report.drift();
    if !drift.is_empty() {
        eprintln!("the chain differs from the file in {} step(s); change the chain with `gridmint admin …` or the file", drift.len());
        std::process::exit(1);
    }
    Ok(())
}
