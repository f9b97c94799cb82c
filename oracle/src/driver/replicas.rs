//! The loop's side of replicas on one store: leadership checked each step, a follower's
//! step, and results published through the store so every replica serves them.

use std::collections::BTreeMap;
use std::sync::Arc;

use gridmint_sdk::rewards as rw;

use super::{DriverError, Oracle, Step, PUBLISHED_KEEP, PUBLISHED_NODE_BUDGET};
use crate::epoch::close::Closed;
use crate::epoch::{matches_chain, EngineError};
use crate::leader::Leadership;
use crate::store::StoreError;
use crate::sync::CloseSummary;

impl Oracle {
    /// Runs the loop only while `leadership` says this replica leads (replicas on one
    /// PostgreSQL store; the default is a single process that always leads).
    pub fn with_leadership(mut self, leadership: Arc<Leadership>) -> Self {
        if let Ok(mut s) = self.status.lock() {
            s.leader = leadership.is_leader();
            s.leader_lock = leadership.lock_key();
        }
        self.leadership = leadership;
        self
    }

    /// Checks leadership and records the answer in the status and the gauge.
    pub(super) async fn lead(&self) -> bool {
        let leads = self.leadership.check().await;
        self.ingest.metrics.leader(leads);
        if let Ok(mut s) = self.status.lock() {
            s.leader = leads;
        }
        leads
    }

    /// A follower's step: gauges only. The leader writes snapshots, ledger rows, manifests,
    /// summaries and vote intents into the shared store; this replica serves them.
    pub(super) async fn standby(&self, config: &rw::Config, now: i64) -> Result<Step, DriverError> {
        let holds_last = match config.next_epoch.checked_sub(1) {
            None => true,
            Some(last) => {
                let row = self.engine.store.ledger_at(last).await.map_err(EngineError::from)?;
                row.is_some_and(|r| matches_chain(&r, config))
            }
        };
        self.observe(config, now, holds_last).await;
        self.note(&Step::Standby);
        Ok(Step::Standby)
    }

    /// Keeps `closed` as the newest result of its epoch, in memory and (its summary) in the
    /// store, where the other replicas read it.
    pub(super) async fn publish(&self, closed: Arc<Closed>) -> Result<(), DriverError> {
        let epoch = closed.report.epoch;
        if let Ok(mut p) = self.published.lock() {
            p.insert(epoch, closed);
            evict_oldest(&mut p, epoch, PUBLISHED_KEEP, PUBLISHED_NODE_BUDGET, node_count);
        }
        if let Some(summary) = self.summary(epoch) {
            let json = serde_json::to_string(&summary).map_err(|_| EngineError::from(corrupt()))?;
            self.engine.store.save_close_summary(epoch, &json).await.map_err(EngineError::from)?;
        }
        Ok(())
    }

    /// The summary of `epoch` served at `GET /v1/epochs/{e}/close`: the newest in the store,
    /// written by whichever replica led when it was computed (this process's own memory when
    /// the store has none).
    pub async fn served_summary(&self, epoch: u64) -> Result<Option<CloseSummary>, StoreError> {
        match self.engine.store.close_summary(epoch).await? {
            Some(json) => Ok(Some(serde_json::from_str(&json).map_err(|_| corrupt())?)),
            None => Ok(self.summary(epoch)),
        }
    }
}

fn corrupt() -> StoreError {
    StoreError::Corrupt("close summary")
}

/// The nodes a close holds in memory: its credits, or its manifest's entries.
fn node_count(closed: &Arc<Closed>) -> usize {
    let credited = closed.credit.as_ref().map_or(0, |c| c.nodes.len());
    credited.max(closed.manifest.nodes.len())
}

/// Drops the oldest entries of `kept`, never `newest`, until at most `keep` remain and
/// their weights sum to at most `budget`.
fn evict_oldest<T>(
    kept: &mut BTreeMap<u64, T>,
    newest: u64,
    keep: usize,
    budget: usize,
    weight: impl Fn(&T) -> usize,
) {
    let mut total: usize = kept.values().map(&weight).sum();
    while kept.len() > keep || total > budget {
        let Some(oldest) = kept.keys().copied().find(|e| *e != newest) else { break };
        if let Some(dropped) = kept.remove(&oldest) {
            total = total.saturating_sub(weight(&dropped));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept_after(sizes: &[(u64, usize)], newest: u64) -> Vec<u64> {
        let mut kept: BTreeMap<u64, usize> = sizes.iter().copied().collect();
        evict_oldest(&mut kept, newest, 3, 100, |n| *n);
        kept.into_keys().collect()
    }

    #[test]
    fn published_closes_are_dropped_oldest_first_by_count_and_by_nodes() {
        // By count: three small closes stay.
        assert_eq!(kept_after(&[(1, 1), (2, 1), (3, 1), (4, 1)], 4), [2, 3, 4]);
        // By nodes: two of 60 exceed the budget of 100, so only the newest stays.
        assert_eq!(kept_after(&[(1, 5), (2, 60), (3, 60)], 3), [3]);
        assert_eq!(kept_after(&[(1, 15), (2, 30), (3, 60)], 3), [2, 3]);
        assert_eq!(kept_after(&[(1, 5), (2, 30), (3, 60)], 3), [1, 2, 3]);
    }

    #[test]
    fn the_close_just_published_stays_even_when_older_or_over_the_budget() {
        // A re-vote of an old epoch: the others go first, and it stays although alone it
        // is over the budget.
        assert_eq!(kept_after(&[(1, 500), (5, 1), (6, 1)], 1), [1]);
        assert_eq!(kept_after(&[(1, 50), (5, 1), (6, 1), (7, 1)], 1), [1, 6, 7]);
    }
}
