//! `gridmint-oracle serve`: the oracle process (see the library docs for the layers).

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use gridmint_oracle::config::Config;

#[derive(Parser)]
#[command(name = "gridmint-oracle", version, about = "GridMint oracle")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the ingest API.
    Serve {
        /// TOML config file (values overridable by GRIDMINT_ORACLE__... variables).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Development only: read bindings from this JSON file instead of RPC.
        #[arg(long)]
        bindings_file: Option<PathBuf>,
    },
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
    match Cli::parse().command {
        Command::Serve { config, bindings_file } => {
            let mut config = Config::load(config.as_deref(), std::env::vars())?;
            if bindings_file.is_some() {
                config.bindings.file = bindings_file;
            }
            gridmint_oracle::serve::run(config, shutdown_signal()).await
        }
    }
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
