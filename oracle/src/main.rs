//! `gridmint-oracle`: `serve` (the oracle process), `status`, `close-epoch`, `keygen`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use gridmint_oracle::commands;
use gridmint_oracle::config::Config;

#[derive(Parser)]
#[command(name = "gridmint-oracle", version, about = "GridMint oracle")]
struct Cli {
    /// TOML config file (values overridable by GRIDMINT_ORACLE__... variables).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Solana JSON-RPC URL or moniker (localhost, devnet, testnet, mainnet-beta); overrides
    /// `rpc_url`.
    #[arg(short = 'u', long = "url", global = true)]
    url: Option<String>,
    /// Output format of one-shot commands.
    #[arg(long, value_enum, default_value_t = Output::Text, global = true)]
    output: Output,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Output {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Serve ingest and the read API and run the epoch loop (snapshot, sync, close, vote).
    Serve {
        /// Development only: read bindings from this JSON file instead of RPC.
        #[arg(long)]
        bindings_file: Option<PathBuf>,
    },
    /// Chain progress, last vote, key balance and peers' health.
    Status,
    /// Compute one epoch from the local store (and vote with --vote): recovery and checks.
    CloseEpoch {
        #[arg(long)]
        epoch: u64,
        #[arg(long)]
        vote: bool,
    },
    /// Write a new Solana CLI keypair file for the oracle.
    Keygen {
        #[arg(short = 'o', long)]
        outfile: PathBuf,
        #[arg(long)]
        force: bool,
    },
}

/// The JSON-RPC URL of a Solana CLI moniker, or the argument itself.
fn rpc_url(url: &str) -> String {
    match url {
        "localhost" | "l" => "http://127.0.0.1:8899".into(),
        "devnet" | "d" => "https://api.devnet.solana.com".into(),
        "testnet" | "t" => "https://api.testnet.solana.com".into(),
        "mainnet-beta" | "m" => "https://api.mainnet-beta.solana.com".into(),
        other => other.into(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    if let Command::Keygen { outfile, force } = &cli.command {
        return print(cli.output, &commands::keygen(outfile, *force)?);
    }
    let mut config = Config::load(cli.config.as_deref(), std::env::vars())?;
    if let Some(url) = &cli.url {
        config.rpc_url = Some(rpc_url(url));
    }
    match cli.command {
        Command::Serve { bindings_file } => {
            if bindings_file.is_some() {
                config.bindings.file = bindings_file;
            }
            gridmint_oracle::serve::run(config, shutdown_signal()).await
        }
        Command::Status => print(cli.output, &commands::status(&config).await?),
        Command::CloseEpoch { epoch, vote } => {
            print(cli.output, &commands::close_epoch(&config, epoch, vote).await?)
        }
        Command::Keygen { .. } => Ok(()),
    }
}

fn print(output: Output, value: &serde_json::Value) -> anyhow::Result<()> {
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(value)?),
        Output::Text => print!("{}", commands::text(value)),
    }
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
