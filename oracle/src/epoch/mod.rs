//! The close layer: snapshot → gather → close, and the finalized ledger.
//!
//! [`Engine::compute`] produces an epoch's manifest and report from what this oracle holds,
//! or says why it must abstain (a view not derivable, a correction document not held, the
//! previous epoch's finalized state unknown). It never decides anything itself: every rule
//! is a `gridmint_protocol` function called from [`close`].

pub mod close;
pub mod explain;
pub mod gather;
pub mod snapshot;
pub mod stream;

use std::sync::Arc;

use gridmint_protocol::crediting::corrections::{corrections, reason_in_force, Corrections};
use gridmint_protocol::merkle::Hash32;
use gridmint_protocol::rewards::CumulativeState;
use gridmint_sdk::chain::{Chain, ChainError};
use gridmint_sdk::rewards::{self as rw, EpochState};

use crate::challenges::evidence;
use crate::store::{LedgerRow, Store, StoreError};
use close::{CloseError, Closed};
use gather::{EpochContext, GatherError};
use snapshot::{Snapshot, SnapshotError};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    #[error(transparent)]
    Gather(#[from] GatherError),
    #[error(transparent)]
    Close(#[from] CloseError),
    #[error(transparent)]
    StoredSnapshot(#[from] snapshot::CorruptSnapshot),
    #[error("close task failed: {0}")]
    Task(String),
}

/// The result of computing an epoch.
#[derive(Clone, Debug)]
pub enum Outcome {
    Closed(Arc<Closed>),
    /// The oracle must not vote for this epoch, and why.
    Abstain(String),
}

/// Chain + store access for closing epochs.
pub struct Engine {
    pub chain: Arc<dyn Chain>,
    pub store: Arc<Store>,
    /// The node-staking config address messages must name.
    pub deployment: [u8; 32],
}

/// Lower-case hex of a hash (logs and reasons).
pub fn hex(h: &[u8]) -> String {
    crate::ingest::wire::hex(h)
}

impl Engine {
    /// The stored snapshot of `epoch`, taken now when there is none (fails before `end`).
    pub async fn snapshot(&self, epoch: u64) -> Result<Snapshot, EngineError> {
        if let Some(stored) = self.store.snapshot(epoch).await? {
            return Ok(Snapshot::decode(&stored)?);
        }
        let taken = snapshot::take(self.chain.as_ref(), epoch).await?;
        if let Some(why) = &taken.not_derivable {
            tracing::warn!(epoch, %why, "snapshot incomplete: this oracle will abstain");
        }
        let kept = self.store.save_snapshot(epoch, &taken.encode()).await?;
        Ok(Snapshot::decode(&kept)?)
    }

    /// The cumulative state after epoch `epoch − 1` was finalized (empty for epoch 0);
    /// `None` when the ledger does not hold it.
    pub async fn previous_state(&self, epoch: u64) -> Result<Option<CumulativeState>, EngineError> {
        let Some(last) = epoch.checked_sub(1) else { return Ok(Some(CumulativeState::default())) };
        Ok(self.store.ledger_at(last).await?.map(|r| state_of(&r)))
    }

    /// The non-zero veto reason in force for `epoch` from the vetoes seen (recording the one
    /// in `state`), or `None`.
    pub async fn reason_in_force(
        &self,
        epoch: u64,
        state: Option<&EpochState>,
    ) -> Result<Option<Hash32>, EngineError> {
        if let Some(s) = state.filter(|s| s.veto_count > 0) {
            self.store.save_veto_reason(epoch, s.veto_count, &s.last_veto_reason).await?;
        }
        let reason = reason_in_force(&self.store.veto_reasons(epoch).await?);
        Ok((reason != [0u8; 32]).then_some(reason))
    }

    /// The corrections in force for `epoch` (§9.7), recording the veto seen in `state`;
    /// `Err(why)` when the document in force is not held, or when the last veto was a
    /// "recompute" and an earlier one was never seen (its document might still be in force).
    pub async fn corrections_for(
        &self,
        epoch: u64,
        state: Option<&EpochState>,
    ) -> Result<Result<Corrections, String>, EngineError> {
        let reason = self.reason_in_force(epoch, state).await?.unwrap_or([0u8; 32]);
        if let Some(s) = state.filter(|s| s.veto_count > 1 && s.last_veto_reason == [0u8; 32]) {
            let seen = self.store.veto_reasons(epoch).await?.len();
            if u32::try_from(seen).unwrap_or(u32::MAX) < s.veto_count {
                return Ok(Err(format!(
                    "epoch {epoch} was vetoed {} times and this oracle saw {seen} of them: the \
                     correction in force is unknown",
                    s.veto_count
                )));
            }
        }
        let document = match reason {
            r if r == [0u8; 32] => None,
            r => self.store.correction(&r).await?,
        };
        Ok(corrections(reason, document.as_deref(), &rw::PROGRAM_ID.to_bytes(), epoch)
            .map_err(|e| format!("correction document {} for epoch {epoch}: {e:?}", hex(&reason))))
    }

    /// Computes `epoch` from what this oracle holds, or says why it abstains. The manifest
    /// is stored by hash so peers and verifiers can fetch it.
    pub async fn compute(
        &self,
        config: &rw::Config,
        epoch: u64,
        state: Option<&EpochState>,
    ) -> Result<Outcome, EngineError> {
        let started = std::time::Instant::now();
        let snapshot = self.snapshot(epoch).await?;
        let snapshot_took = started.elapsed();
        let corrections = match self.corrections_for(epoch, state).await? {
            Ok(c) => c,
            Err(why) => return Ok(Outcome::Abstain(why)),
        };
        if let (false, Some(why)) = (corrections.empty_epoch, &snapshot.not_derivable) {
            return Ok(Outcome::Abstain(why.clone()));
        }
        let Some(previous) = self.previous_state(epoch).await? else {
            return Ok(Outcome::Abstain(format!(
                "the finalized state of epoch {} is not in the ledger yet",
                epoch.saturating_sub(1)
            )));
        };
        let ctx = EpochContext::new(config, self.deployment, epoch)?;
        let (inputs, evidence, keys) = if corrections.empty_epoch {
            (None, None, Vec::new())
        } else {
            let chain = self.chain.as_ref();
            let (mut inputs, keys) =
                gather::gather_keyed(chain, &self.store, &ctx, &snapshot).await?;
            let evidence = evidence::gather(chain, &self.store, config, &mut inputs).await?;
            (Some(inputs), evidence, keys)
        };
        let gathered = started.elapsed();
        let decimals = snapshot.stake_decimals;
        // Its nodes are in `inputs` now; at a million nodes it is hundreds of MiB.
        drop(snapshot);
        // Crediting is CPU-bound: a thread of its own, fed the readings key by key as the
        // store streams them (never all of them at once).
        let (sender, feed) = stream::channel(keys);
        let streams = inputs.is_some();
        let end = ctx.end;
        let credit = tokio::task::spawn_blocking(move || {
            let mut verify = evidence::cached_verify;
            let readings = close::Readings::Fed(Box::new(move |c| feed.feed(c)));
            let inputs = inputs.as_ref().map(|i| (i, readings));
            close::close_with(
                &ctx,
                inputs,
                evidence.as_ref(),
                &mut verify,
                decimals,
                &corrections,
                &previous,
            )
        });
        let streamed =
            if streams { sender.send_epoch(&self.store, epoch, end).await } else { Ok(()) };
        let closed = credit.await.map_err(|e| EngineError::Task(e.to_string()))?;
        // A stream that broke credited part of the epoch: its close is discarded.
        streamed?;
        let closed = closed?;
        let credited = started.elapsed();
        let body = borsh::to_vec(&closed.manifest).map_err(|e| EngineError::Task(e.to_string()))?;
        self.store.save_manifest(epoch, &closed.report.manifest_hash, &body).await?;
        // Where a slow close spends its time, for runners sizing a host.
        tracing::info!(
            epoch,
            nodes = closed.manifest.nodes.len(),
            snapshot_ms = snapshot_took.as_millis(),
            gather_ms = gathered.saturating_sub(snapshot_took).as_millis(),
            stream_and_credit_ms = credited.saturating_sub(gathered).as_millis(),
            save_ms = started.elapsed().saturating_sub(credited).as_millis(),
            "epoch computed"
        );
        Ok(Outcome::Closed(Arc::new(closed)))
    }

    /// Records `closed` as the finalized state of its epoch.
    pub async fn record_final(&self, closed: &Closed) -> Result<(), EngineError> {
        self.store
            .save_ledger(&LedgerRow {
                epoch: closed.report.epoch,
                manifest_hash: closed.report.manifest_hash,
                root: closed.report.root,
                cumulative_total: closed.report.cumulative_total,
                leaves: closed.state.cumulative.clone(),
            })
            .await?;
        Ok(())
    }
}

/// The cumulative state a ledger row describes.
pub fn state_of(row: &LedgerRow) -> CumulativeState {
    CumulativeState {
        cumulative: row.leaves.clone(),
        cumulative_total: row.cumulative_total,
        last_manifest_hash: row.manifest_hash,
    }
}

/// `true` when `row` is the state the chain finalized last.
pub fn matches_chain(row: &LedgerRow, config: &rw::Config) -> bool {
    row.root == config.last_final_root && row.cumulative_total == config.last_final_total
}

/// A hash from 64 hex digits.
pub fn unhex32(s: &str) -> Option<Hash32> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_rejects_bad_text() {
        let h = [0xAB; 32];
        assert_eq!(unhex32(&hex(&h)), Some(h));
        assert_eq!(unhex32("ab"), None);
        assert_eq!(unhex32(&"zz".repeat(32)), None);
    }
}
