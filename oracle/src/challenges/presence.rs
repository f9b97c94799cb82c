//! Presence attestations (§10.7): once a challenge's deadline has passed on this oracle's
//! clock and it holds no answer to it, a voting oracle signs "I was up and held no answer"
//! (`answer_id` zero, `received_at` its clock, `≥` the deadline), once per challenge. Without
//! them a challenge nobody answered would be void rather than failed.
//!
//! Runs beside the epoch loop on the current and the previous epoch (chain clock): reads the
//! epoch's beacon account and every node (the listing the snapshot reads), and derives each
//! schedule with `challenge::beacon::schedule`.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gridmint_protocol::challenge::attestation::{Attestation, NO_ANSWER};
use gridmint_protocol::challenge::beacon::schedule;
use gridmint_protocol::merkle::Hash32;
use gridmint_sdk::chain::{Chain, ChainError, ChainExt};
use solana_signer::Signer;

use crate::ingest::Ingest;
use crate::leader::Leadership;
use crate::store::{Inserted, NewAttestation, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum PresenceError {
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("node-staking config not found: is the deployment initialised and the RPC right?")]
    NoConfig,
}

pub struct Presence {
    pub chain: Arc<dyn Chain>,
    pub ingest: Arc<Ingest>,
    /// Replicas on one store share the key: only the one running the loop attests.
    pub leadership: Arc<Leadership>,
    /// Challenges already settled here (attested, or answered): not asked about again.
    settled: Mutex<BTreeSet<Hash32>>,
}

impl Presence {
    /// A single process's task (it always leads).
    pub fn new(chain: Arc<dyn Chain>, ingest: Arc<Ingest>) -> Self {
        Self::with_leadership(chain, ingest, Arc::new(Leadership::single()))
    }

    pub fn with_leadership(
        chain: Arc<dyn Chain>,
        ingest: Arc<Ingest>,
        leadership: Arc<Leadership>,
    ) -> Self {
        Self { chain, ingest, leadership, settled: Mutex::new(BTreeSet::new()) }
    }

    fn settled(&self, id: &Hash32) -> bool {
        self.settled.lock().is_ok_and(|s| s.contains(id))
    }

    fn settle(&self, id: Hash32) {
        if let Ok(mut s) = self.settled.lock() {
            s.insert(id);
        }
    }

    /// One pass; returns how many presence attestations were signed and stored. A
    /// watch-only oracle, or a replica that does not lead (as of the loop's last check),
    /// signs none.
    pub async fn tick(&self) -> Result<u32, PresenceError> {
        let Some(attester) = &self.ingest.attester else { return Ok(0) };
        if !self.leadership.is_leader() {
            return Ok(0);
        }
        let key = attester.key.pubkey().to_bytes();
        let deployment = self.ingest.settings.deployment;
        let fetched = self.chain.node_staking_config().await?;
        let config = fetched.account.ok_or(PresenceError::NoConfig)?;
        let chain_now = fetched.unix_timestamp;
        let Some(current) = config.clock().epoch_at(chain_now).ok().flatten() else {
            return Ok(0);
        };
        let heads = self.chain.node_heads().await?;
        let now = attester.now();
        let mut due = Vec::new();
        for epoch in [current.checked_sub(1), Some(current)].into_iter().flatten() {
            let Some(set) = self.chain.beacons(epoch).await?.account else { continue };
            for head in &heads {
                let h = &head.account;
                // Only zero or not matters here (the challenge ids do not depend on size).
                let units = h
                    .epoch_view(&config, epoch, head.unix_timestamp)
                    .map_or(h.capacity.compute_units_per_hour, |v| {
                        v.capacity.compute_units_per_hour
                    });
                let node = head.address.to_bytes();
                for c in schedule(&deployment, &set, &node, h.node_id, units) {
                    if c.deadline > now || self.settled(&c.id) {
                        continue;
                    }
                    let store = &self.ingest.store;
                    if store.holds_answer(epoch, &c.id).await?
                        || store.has_attested(epoch, &c.id, &key).await?
                    {
                        self.settle(c.id);
                        continue;
                    }
                    let a = Attestation {
                        deployment,
                        epoch,
                        challenge_id: c.id,
                        answer_id: NO_ANSWER,
                        received_at: now,
                    };
                    due.extend(NewAttestation::new(attester.sign(&a)));
                }
            }
        }
        if due.is_empty() {
            return Ok(0);
        }
        let done = self.ingest.store.insert_attestations(&due).await?;
        let mut signed = 0u32;
        for (a, d) in due.iter().zip(done) {
            self.settle(a.challenge_id);
            if d == Inserted::Accepted {
                self.ingest.metrics.attestation_signed("presence");
                signed = signed.saturating_add(1);
            }
        }
        Ok(signed)
    }

    /// Runs passes every `interval` until `shutdown` resolves.
    pub async fn run(self, interval: Duration, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut timer = tokio::time::interval(interval);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                _ = timer.tick() => {}
            }
            match self.tick().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(signed = n, "presence attestations signed"),
                Err(e) => {
                    if matches!(e, PresenceError::Store(_)) {
                        self.ingest.metrics.store_error("epoch_loop");
                    }
                    tracing::warn!(error = %e, "presence pass failed; retrying next pass");
                }
            }
        }
    }
}
