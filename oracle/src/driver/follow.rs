//! Following the chain: the ledger holds exactly the finalized epochs' cumulative states —
//! this oracle's own result, else the finalized manifest (from its store or a peer, checked
//! by hash) replayed on the previous state, else a peer's ledger row whose root and total are
//! the chain's. A veto drops the rows from the reopened epoch on.

use gridmint_sdk::chain::ChainExt;
use gridmint_sdk::rewards::{self as rw, EpochStatus};

use super::{DriverError, Oracle};
use crate::epoch::{matches_chain, EngineError};
use crate::store::LedgerRow;

impl Oracle {
    /// Makes the ledger hold exactly the chain's finalized epochs' states; `true` when it
    /// now holds the last one (or none is finalized yet).
    pub(super) async fn follow_chain(&self, config: &rw::Config) -> Result<bool, DriverError> {
        let store = &self.engine.store;
        let next = config.next_epoch;
        let dropped = store.drop_ledger_from(next).await.map_err(EngineError::from)?;
        if dropped > 0 {
            tracing::warn!(epoch = next, "epoch reopened on chain (veto): its state is forgotten");
        }
        let Some(last) = next.checked_sub(1) else { return Ok(true) };
        let held = store.ledger_at(last).await.map_err(EngineError::from)?;
        let state = self.engine.chain.epoch_state(last).await?.account;
        // Root and total can survive a veto unchanged while the manifest changed (an excluded
        // node that earned nothing): the manifest hash must match too while the chain has it.
        let same_manifest = |row: &LedgerRow| {
            state.as_ref().is_none_or(|s| s.report.manifest_hash == row.manifest_hash)
        };
        if held.as_ref().is_some_and(|row| matches_chain(row, config) && same_manifest(row)) {
            return Ok(true);
        }
        let Some(state) = state else {
            return self.adopt_ledger(config, last, None).await;
        };
        if state.status != EpochStatus::Final {
            return Ok(false);
        }
        let hash = state.report.manifest_hash;
        if let Some(c) = self.published(last).filter(|c| c.report.manifest_hash == hash) {
            self.engine.record_final(&c).await?;
            tracing::info!(epoch = last, "epoch finalized with this oracle's result");
            return Ok(true);
        }
        // Outvoted or absent: replay the finalized manifest on the previous state.
        if let Some(previous) = self.engine.previous_state(last).await? {
            let body = match store.manifest(last, &hash).await.map_err(EngineError::from)? {
                Some(b) => Some(b),
                None => self.peers.manifest(last, &hash).await,
            };
            let decoded = body.and_then(|b| borsh::from_slice(&b).ok().map(|m| (b, m)));
            if let Some((bytes, manifest)) = decoded {
                // Its hash was checked against the chain's: keep it to serve it on.
                store.save_manifest(last, &hash, &bytes).await.map_err(EngineError::from)?;
                let mut next_state = previous;
                if let Ok((report, _)) = next_state.apply(&manifest) {
                    let row = LedgerRow {
                        epoch: last,
                        manifest_hash: hash,
                        root: report.root,
                        cumulative_total: report.cumulative_total,
                        leaves: next_state.cumulative,
                    };
                    if matches_chain(&row, config) {
                        store.save_ledger(&row).await.map_err(EngineError::from)?;
                        tracing::warn!(
                            epoch = last,
                            "adopted the finalized manifest of other oracles"
                        );
                        return Ok(true);
                    }
                }
            }
        }
        self.adopt_ledger(config, last, Some(hash)).await
    }

    /// Takes a peer's ledger row for `last` whose root and total are the chain's (and whose
    /// manifest hash is, when the epoch account still exists).
    async fn adopt_ledger(
        &self,
        config: &rw::Config,
        last: u64,
        manifest_hash: Option<[u8; 32]>,
    ) -> Result<bool, DriverError> {
        for row in self.peers.ledgers(last).await {
            let tree_root = gridmint_protocol::merkle::CumulativeTree::new(row.leaves.clone())
                .map(|t| t.root())
                .ok();
            let total: Option<u64> =
                row.leaves.iter().try_fold(0u64, |acc, (_, a)| acc.checked_add(*a));
            let consistent = tree_root == Some(row.root)
                && total == Some(row.cumulative_total)
                && manifest_hash.is_none_or(|h| h == row.manifest_hash);
            if row.epoch == last && consistent && matches_chain(&row, config) {
                self.engine.store.save_ledger(&row).await.map_err(EngineError::from)?;
                tracing::warn!(epoch = last, "continuing from a peer's finalized state");
                return Ok(true);
            }
        }
        tracing::warn!(epoch = last, "finalized state of the last epoch unknown; will retry");
        Ok(false)
    }
}
