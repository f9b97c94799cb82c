//! What GridMint's operator tools (oracle, agent, CLI) share, so each follows the Solana CLI's
//! conventions the same way: TOML config overridden by environment variables, Solana CLI
//! keypair files, `-u/--url` monikers, `--output text|json`, `tracing` logs and graceful
//! shutdown on Ctrl-C or SIGTERM.

pub mod cli;
pub mod config;
pub mod keypair;

pub use keypair::{keygen, read_keypair_file};
