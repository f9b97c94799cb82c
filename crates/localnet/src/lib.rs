//! A real, in-process Solana validator serving JSON-RPC with GridMint's programs loaded
//! natively (there is no SBF toolchain here to deploy them as BPF programs).
//!
//! How it works (see `../shared/NATIVE_TESTING.md`): each program id is added to genesis as a
//! native-loader account; after start, the native runtime installs its syscall stubs (CPI,
//! sysvars) process-wide; then every bank in the fork graph gets the builtin until the chain
//! is a few slots past that point (child banks inherit builtins). Program logs (`msg!`,
//! Anchor's error lines, `emit!`) reach the transactions' log messages as on a real cluster.

pub mod demo;
pub mod showcase;

use std::{path::PathBuf, time::Duration};

use anyhow::{bail, Result};
use solana_account::{Account, AccountSharedData};
use solana_keypair::Keypair;
use solana_program_runtime::loaded_programs::ProgramCacheEntry;
use solana_rpc::rpc::JsonRpcConfig;
use solana_test_validator::{TestValidator, TestValidatorGenesis};

use gridmint_native_runtime::{install_syscall_stubs, native_programs, NativeProgram};

/// How many slots past registration every bank must carry the builtins.
const SETTLE_SLOTS: u64 = 3;
const SETTLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Options for [`Localnet::start`].
#[derive(Clone, Debug, Default)]
pub struct LocalnetOptions {
    /// JSON-RPC port; `None` picks a free one.
    pub rpc_port: Option<u16>,
    /// Ledger directory; `None` uses a temporary directory removed when the localnet drops.
    pub ledger_path: Option<PathBuf>,
    /// Native programs to load besides GridMint's two (test fixtures).
    pub extra_programs: Vec<NativeProgram>,
}

/// A running localnet. Dropping it stops the validator.
pub struct Localnet {
    pub validator: TestValidator,
    /// The genesis mint keypair, funded with plenty of SOL: use it to fund test wallets.
    pub faucet: Keypair,
    // Dropped after the validator (field order), so the ledger outlives it.
    _temp_ledger: Option<tempfile::TempDir>,
}

/// A port that is free, with the next one free too, from a slice of ports no validator of
/// this process binds (the same allocator hands out the validators' slices).
fn adjacent_free_ports() -> Result<u16> {
    let slice = solana_net_utils::sockets::unique_port_range_for_tests(25);
    let free = |port: u16| std::net::TcpListener::bind(("127.0.0.1", port)).is_ok();
    match (slice.start..slice.end.saturating_sub(1)).find(|&p| free(p) && free(p + 1)) {
        Some(port) => Ok(port),
        None => bail!("no two adjacent free ports in {slice:?} for JSON-RPC and PubSub"),
    }
}

impl Localnet {
    pub async fn start(options: LocalnetOptions) -> Result<Self> {
        let mut programs = native_programs().to_vec();
        programs.extend(options.extra_programs.iter().copied());
        let mut genesis = TestValidatorGenesis::default();
        genesis.rpc_config(JsonRpcConfig {
            // Events live in inner instructions; clients read them with getTransaction.
            enable_rpc_transaction_history: true,
            enable_extended_tx_metadata_storage: true,
            ..JsonRpcConfig::default_for_test()
        });
        // PubSub always on the next port: clients (web3.js, the Solana CLI) look for it there,
        // while the validator's own pick of two free ports need not be adjacent.
        let rpc_port = match options.rpc_port {
            Some(port) => port,
            None => adjacent_free_ports()?,
        };
        genesis.rpc_port(rpc_port);
        // Without a path the validator would put its ledger next to its own source file.
        let temp_ledger = match &options.ledger_path {
            Some(path) => {
                genesis.ledger_path(path);
                None
            }
            None => {
                let dir = tempfile::Builder::new().prefix("gridmint-ledger-").tempdir()?;
                genesis.ledger_path(dir.path());
                Some(dir)
            }
        };
        for program in &programs {
            // Present from genesis, so no frozen bank ever has to create the account.
            genesis.add_account(
                program.id,
                AccountSharedData::from(Account {
                    lamports: 1,
                    data: program.name.as_bytes().to_vec(),
                    owner: solana_sdk_ids::native_loader::id(),
                    executable: true,
                    rent_epoch: 0,
                }),
            );
        }
        let (validator, faucet) = genesis.start_async().await;

        install_syscall_stubs().await;

        let bank_forks = validator.bank_forks();
        let start_slot = bank_forks.read().expect("bank forks lock").highest_slot();
        let deadline = tokio::time::Instant::now() + SETTLE_TIMEOUT;
        loop {
            let highest = {
                let forks = bank_forks.read().expect("bank forks lock");
                for bank in forks.banks().values() {
                    for program in &programs {
                        bank.add_builtin(
                            program.id,
                            program.name,
                            ProgramCacheEntry::new_builtin(0, program.name.len(), program.entry),
                        );
                    }
                }
                forks.highest_slot()
            };
            if highest >= start_slot.saturating_add(SETTLE_SLOTS) {
                break;
            }
            if tokio::time::Instant::now() > deadline {
                bail!("validator did not advance {SETTLE_SLOTS} slots past {start_slot}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(Self { validator, faucet, _temp_ledger: temp_ledger })
    }

    pub fn rpc_url(&self) -> String {
        self.validator.rpc_url()
    }
}
