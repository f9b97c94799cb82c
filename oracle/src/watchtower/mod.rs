//! The watchtower: when stored readings prove fraud (`docs/PROTOCOL.md` §7.2), it submits
//! `report_fraud` signed and paid by the oracle's keypair (SOL for fees and the evidence
//! record's rent), the bounty going to the oracle's token account of the stake mint.
//!
//! Each pass ([`Watchtower::run_once`]) pages through the readings received since the cursor,
//! and for each device key among them compares the new readings with the key's stored
//! readings nearby in sequence ([`detect`]), judged with the binding and node accounts the
//! program will read. Keys whose node is already jailed, or whose every provable pair was
//! already reported, are skipped. Anyone may report, so losing a race (the program's
//! `EvidenceAlreadyUsed` or `NodeJailed`) is a normal outcome, counted and logged, not an error.
//!
//! **Cursor.** The next pass starts [`CURSOR_OVERLAP_SECONDS`] before the latest receive time
//! seen: a batch's receive time is taken before it waits for the store's write lock, so rows
//! may commit slightly out of receive-time order; the overlap reads them anyway (a key seen
//! twice costs a little work, never a second report). The cursor is stored, so a restart does
//! not rescan; it does not move when a report failed, so the next pass tries again.
//! Transport and store errors end the pass with an error and the cursor unmoved.

pub mod detect;
mod pass;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use gridmint_protocol::fraud::FraudKind;
use gridmint_sdk::chain::{Chain, ChainError, ChainExt, Keypair, Signature};
use solana_signer::Signer;
use tokio::time::MissedTickBehavior;

use crate::config::WatchtowerConfig;
use crate::leader::Leadership;
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};
use gridmint_ops::read_keypair_file;

/// How far before the latest receive time seen the next pass starts, seconds.
pub const CURSOR_OVERLAP_SECONDS: i64 = 60;
/// Readings per page of a pass.
pub const PAGE_READINGS: usize = 1_000;

/// What one pass did. Each device key with new readings counts once, under its final outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassSummary {
    /// Readings received since the cursor.
    pub readings_scanned: usize,
    /// Distinct device keys among them.
    pub keys_scanned: usize,
    /// Keys whose readings prove nothing.
    pub honest: usize,
    /// Reports that landed.
    pub reported: Vec<Report>,
    /// Reports refused because someone else reported first (evidence used or node jailed).
    pub lost_races: usize,
    /// Keys whose node was already jailed (nothing to do until it is unjailed).
    pub skipped_jailed: usize,
    /// Keys whose every provable pair already has its evidence record.
    pub skipped_already_reported: usize,
    /// Keys without a binding or whose node no longer exists.
    pub skipped_unbound: usize,
    /// Reports the chain refused for another reason (retried next pass).
    pub failed: Vec<Failure>,
}

/// A report that landed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub device_key: Pubkey,
    pub node_id: u64,
    pub kind: FraudKind,
    /// The evidence record created.
    pub evidence: Pubkey,
    pub signature: Signature,
}

/// A report the chain refused, not because of a race.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub device_key: Pubkey,
    pub node_id: u64,
    /// The program error's name (e.g. `ConstraintTokenOwner`), when one of ours raised it.
    pub program_error: Option<String>,
    /// The whole error, for the log.
    pub error: String,
}

/// Why a pass ended early (nothing after the error was done; the cursor did not move).
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("chain: {0}")]
    Chain(#[from] ChainError),
    #[error("the node-staking config {0} does not exist on this chain")]
    NoConfig(Pubkey),
}

/// Reports provable fraud found in the store.
pub struct Watchtower {
    store: Arc<Store>,
    chain: Arc<dyn Chain>,
    keypair: Keypair,
    reporter_token: Pubkey,
}

impl Watchtower {
    /// `keypair` signs and pays; `reporter_token` (its token account of the stake mint)
    /// receives the bounties.
    pub fn new(
        store: Arc<Store>,
        chain: Arc<dyn Chain>,
        keypair: Keypair,
        reporter_token: Pubkey,
    ) -> Self {
        Self { store, chain, keypair, reporter_token }
    }

    /// From the `[watchtower]` config: reads the keypair, resolves the reporter token account
    /// (default: the keypair's associated token account of the stake mint) and checks that it
    /// exists, so a misconfiguration stops the start rather than every report.
    pub async fn from_config(
        config: &WatchtowerConfig,
        store: Arc<Store>,
        chain: Arc<dyn Chain>,
    ) -> anyhow::Result<Self> {
        let path: &Path = config.keypair.as_deref().ok_or_else(|| {
            anyhow::anyhow!("watchtower.keypair: set the path of the oracle's keypair file")
        })?;
        let keypair = read_keypair_file(path)?;
        let staking =
            chain.node_staking_config().await?.account.ok_or_else(|| {
                WatchError::NoConfig(gridmint_sdk::node_staking::config_address())
            })?;
        let reporter_token = match &config.reporter_token_account {
            Some(text) => text
                .parse::<Pubkey>()
                .map_err(|e| anyhow::anyhow!("watchtower.reporter_token_account {text:?}: {e}"))?,
            // The associated-token-account derivation (the SDK names it for rewards).
            None => gridmint_sdk::rewards::recipient_ata(
                &keypair.pubkey(),
                &staking.stake_mint,
                &staking.stake_token_program,
            ),
        };
        if chain.read_many(&[reporter_token], None).await?[0].account.is_none() {
            anyhow::bail!(
                "watchtower reporter token account {reporter_token} does not exist: create it \
                 (`spl-token create-account {} --owner {}`) or set \
                 watchtower.reporter_token_account",
                staking.stake_mint,
                keypair.pubkey()
            );
        }
        Ok(Self::new(store, chain, keypair, reporter_token))
    }

    /// The key that signs and pays for reports.
    pub fn reporter(&self) -> Pubkey {
        self.keypair.pubkey()
    }

    /// The token account paid the bounties.
    pub fn reporter_token(&self) -> Pubkey {
        self.reporter_token
    }

    /// A pass ([`Self::run_once`]) when `leader` says this replica leads; `None` on standby.
    pub async fn run_if_leading(
        &self,
        leader: &Leadership,
    ) -> Option<Result<PassSummary, WatchError>> {
        if !leader.check().await {
            return None;
        }
        Some(self.run_once().await)
    }

    /// Runs a pass every `interval` (the first at once) until `shutdown` resolves, which also
    /// abandons a pass in flight (its cursor is not saved; a report already sent stands).
    /// Only the replica that `leader` says leads runs passes; the cursor is in the shared
    /// store, so a new leader continues where the last one stopped.
    pub async fn run(
        &self,
        interval: Duration,
        metrics: &Metrics,
        leader: &Leadership,
        shutdown: impl Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                _ = ticks.tick() => {}
            }
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                result = self.run_if_leading(leader) => match result {
                    Some(result) => {
                        if let Err(WatchError::Store(_)) = &result {
                            metrics.store_error("watchtower");
                        }
                        log_pass(&result);
                    }
                    None => tracing::debug!("watchtower on standby: another replica leads"),
                }
            }
        }
        tracing::info!("watchtower stopped");
    }
}

fn log_pass(result: &Result<PassSummary, WatchError>) {
    match result {
        Ok(s) if s.reported.is_empty() && s.failed.is_empty() && s.lost_races == 0 => {
            tracing::debug!(
                readings = s.readings_scanned,
                keys = s.keys_scanned,
                "watchtower pass"
            );
        }
        Ok(s) => tracing::info!(
            readings = s.readings_scanned,
            keys = s.keys_scanned,
            reported = s.reported.len(),
            lost_races = s.lost_races,
            failed = s.failed.len(),
            "watchtower pass"
        ),
        Err(e) => tracing::warn!(error = %e, "watchtower pass failed; retrying next interval"),
    }
}
