//! `gridmint-oracle`: `serve` (the oracle process), `status`, `close-epoch`, `archive verify`,
//! `keygen`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use gridmint_ops::cli::{init_tracing, print, rpc_url, shutdown_signal, Output};
use gridmint_oracle::config::Config;
use gridmint_oracle::{archive, commands};

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
    /// Per-epoch archives of the inputs each manifest commits.
    Archive {
        #[command(subcommand)]
        command: ArchiveCommand,
    },
    /// Write a new Solana CLI keypair file for the oracle.
    Keygen {
        #[arg(short = 'o', long)]
        outfile: PathBuf,
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum ArchiveCommand {
    /// Check an archive (file or URL): every signature, canonical order and inputs_root, and
    /// with --manifest that it is the archive of that manifest.
    Verify {
        archive: String,
        /// The finalized manifest's Borsh bytes: a file or a URL
        /// (`<oracle>/v1/epochs/<e>/manifest?format=borsh`).
        #[arg(long)]
        manifest: Option<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_tracing();
    let cli = Cli::parse();
    if let Command::Keygen { outfile, force } = &cli.command {
        return print(cli.output, &gridmint_ops::keygen(outfile, *force)?);
    }
    // Needs no config: anyone can verify an archive.
    if let Command::Archive { command: ArchiveCommand::Verify { archive, manifest } } = &cli.command
    {
        let verified = archive::cli::verify_command(archive, manifest.as_deref()).await?;
        return print(cli.output, &verified);
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
        Command::Keygen { .. } | Command::Archive { .. } => Ok(()),
    }
}
