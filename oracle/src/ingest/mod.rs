//! Ingest: HTTP bodies → per-item checks → one durable batch insert → per-item answers.
//!
//! Layers: [`wire`] parses bodies, [`verify`] decides acceptance (signatures off the async
//! threads, then the binding through [`bindings`]'s cache), [`rate_limit`] counts in device
//! time, the store commits, [`http`] answers. An item is answered `accepted` only after the
//! transaction holding it committed (see [`crate::store`]).

pub mod bindings;
pub mod bindings_chain;
pub mod bindings_file;
pub mod http;
pub mod rate_limit;
pub mod verify;
pub mod verify_pool;
pub mod wire;

use std::collections::HashSet;
use std::sync::Arc;

use gridmint_protocol::crediting::{SignedReading, SignedReceipt};
use gridmint_protocol::emission::EpochClock;
use serde::Serialize;

use crate::challenges::ingest::Attester;
use crate::metrics::Metrics;
use crate::store::{Inserted, NewReading, NewReceipt, Store, StoreError, Table};
use bindings::CachedBindings;
use rate_limit::RateLimiter;
use verify::{Checked, Reject};
use verify_pool::VerifyPool;
use wire::Item;

/// The answer for one item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Answer {
    /// Durably stored (identity in hex).
    Accepted { identity: String },
    /// Already stored.
    Duplicate { identity: String },
    /// Not stored. `code`: the §9.9 reason code when there is one.
    Rejected {
        reason: Reject,
        retryable: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        code: Option<u8>,
    },
}

impl Answer {
    pub fn rejected(reason: Reject) -> Self {
        Self::Rejected {
            reason,
            retryable: reason.retryable(),
            code: reason.protocol_reason().map(|r| r as u8),
        }
    }
}

/// Ingest settings.
#[derive(Clone, Copy, Debug)]
pub struct IngestSettings {
    pub deployment: [u8; 32],
    pub clock: EpochClock,
    pub max_body_bytes: usize,
    pub max_batch_items: usize,
}

pub struct Ingest {
    pub settings: IngestSettings,
    pub store: Arc<Store>,
    pub bindings: CachedBindings,
    pub reading_limit: RateLimiter,
    pub receipt_limit: RateLimiter,
    /// Where signatures are checked.
    pub verify: VerifyPool,
    /// The process's metrics (ingest counts here; the loop and the voter share them).
    pub metrics: Arc<Metrics>,
    /// The oracle key that attests challenge answers at receipt (§10.7); `None`: a
    /// watch-only oracle, which stores and syncs answers but never attests.
    pub attester: Option<Attester>,
}

/// Which kind of input, and how to check and store it.
trait Kind: Copy + Send + 'static {
    const TABLE: Table;
    type Row: Send + Sync + 'static;
    fn check(&self, deployment: &[u8; 32]) -> Result<Checked, Reject>;
    fn row(self, clock: &EpochClock) -> Option<Self::Row>;
    fn identity(row: &Self::Row) -> [u8; 32];
    /// `(identity, device_key, sequence)`: how [`Store::existing`] finds a stored row.
    fn lookup(row: &Self::Row) -> ([u8; 32], [u8; 32], u64);
}

impl Kind for SignedReading {
    const TABLE: Table = Table::Readings;
    type Row = NewReading;
    fn check(&self, deployment: &[u8; 32]) -> Result<Checked, Reject> {
        verify::check_reading(self, deployment)
    }
    fn row(self, clock: &EpochClock) -> Option<NewReading> {
        NewReading::new(self, clock)
    }
    fn identity(row: &NewReading) -> [u8; 32] {
        row.identity
    }
    fn lookup(row: &NewReading) -> ([u8; 32], [u8; 32], u64) {
        (row.identity, row.signed.device_key, row.sequence)
    }
}

impl Kind for SignedReceipt {
    const TABLE: Table = Table::Receipts;
    type Row = NewReceipt;
    fn check(&self, deployment: &[u8; 32]) -> Result<Checked, Reject> {
        verify::check_receipt(self, deployment)
    }
    fn row(self, clock: &EpochClock) -> Option<NewReceipt> {
        NewReceipt::new(self, clock)
    }
    fn identity(row: &NewReceipt) -> [u8; 32] {
        row.identity
    }
    fn lookup(row: &NewReceipt) -> ([u8; 32], [u8; 32], u64) {
        (row.identity, row.signed.device_key, 0)
    }
}

impl Ingest {
    pub async fn readings(
        self: &Arc<Self>,
        items: Vec<Item<SignedReading>>,
    ) -> Result<Vec<Answer>, StoreError> {
        let this = Arc::clone(self);
        self.process(items, Some(reading_limit), move |rows| async move {
            this.store.insert_readings(&rows, now()).await
        })
        .await
    }

    /// Readings pulled from a peer oracle: the same checks, no per-device rate limit (a
    /// peer delivers a whole epoch at once).
    pub async fn peer_readings(
        self: &Arc<Self>,
        items: Vec<Item<SignedReading>>,
    ) -> Result<Vec<Answer>, StoreError> {
        let this = Arc::clone(self);
        self.process(items, None, move |rows| async move {
            this.store.insert_peer_readings(&rows, now()).await
        })
        .await
    }

    /// Receipts pulled from a peer oracle (see [`Ingest::peer_readings`]).
    pub async fn peer_receipts(
        self: &Arc<Self>,
        items: Vec<Item<SignedReceipt>>,
    ) -> Result<Vec<Answer>, StoreError> {
        let this = Arc::clone(self);
        self.process(items, None, move |rows| async move {
            this.store.insert_peer_receipts(&rows, now()).await
        })
        .await
    }

    pub async fn receipts(
        self: &Arc<Self>,
        items: Vec<Item<SignedReceipt>>,
    ) -> Result<Vec<Answer>, StoreError> {
        let this = Arc::clone(self);
        self.process(items, Some(receipt_limit), move |rows| async move {
            this.store.insert_receipts(&rows, now()).await
        })
        .await
    }

    async fn process<K, F, Fut>(
        self: &Arc<Self>,
        items: Vec<Item<K>>,
        limit: Option<Limit>,
        insert: F,
    ) -> Result<Vec<Answer>, StoreError>
    where
        K: Kind,
        F: FnOnce(Vec<K::Row>) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<Inserted>, StoreError>> + Send + 'static,
    {
        let limiter = limit.map(|of| of(self));
        // Signatures: CPU-bound, so off the async worker threads, on the pool's.
        let deployment = self.settings.deployment;
        let checked = self
            .verify
            .run(move || {
                items
                    .into_iter()
                    .map(|item| {
                        item.and_then(|signed| signed.check(&deployment).map(|c| (signed, c)))
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?;

        let mut answers: Vec<Option<Answer>> = Vec::with_capacity(checked.len());
        let mut admitted = Vec::new(); // (answer index, row, checked)
        for result in checked {
            let outcome = match result {
                Ok((signed, c)) => self.admit(signed, c).await,
                Err(reject) => Err(reject),
            };
            match outcome {
                Ok((row, c)) => {
                    admitted.push((answers.len(), row, c));
                    answers.push(None);
                }
                Err(reject) => answers.push(Some(Answer::rejected(reject))),
            }
        }
        if admitted.is_empty() {
            return Ok(finish(answers));
        }
        // Rate: normally every admitted input fits its device's limit, and a duplicate gives
        // its slot back once the insert says so, so the store is asked once (the insert).
        // Only when some input does not fit are the stored ones looked up first: an input
        // already stored is a duplicate whatever the rate (resending never throttles). While
        // a resend holds a slot, a concurrent request of the same device minute can find it
        // full: that answer is the retryable `rate_limited`, and a retry fits.
        let ids: Vec<[u8; 32]> = admitted.iter().map(|(_, row, _)| K::identity(row)).collect();
        let prepaid = limiter.is_some_and(|l| take_all(l, admitted.iter().map(|(_, _, c)| c)));
        let known = match limiter {
            Some(_) if !prepaid => {
                let lookups: Vec<_> = admitted.iter().map(|(_, row, _)| K::lookup(row)).collect();
                self.store.existing(K::TABLE, &lookups).await?
            }
            _ => HashSet::new(),
        };
        let mut rows = Vec::with_capacity(admitted.len());
        let mut meta = Vec::with_capacity(admitted.len()); // (answer index, identity)
        let mut slots = Vec::with_capacity(admitted.len()); // (checked, slot taken), per row
        for ((index, row, c), id) in admitted.into_iter().zip(ids) {
            let taken = match limiter {
                None => false,
                Some(_) if prepaid => true,
                Some(_) if known.contains(&id) => false,
                Some(l) if l.try_take(&c.device_key, c.device_time) => true,
                Some(_) => {
                    if let Some(slot) = answers.get_mut(index) {
                        *slot = Some(Answer::rejected(Reject::RateLimited));
                    }
                    continue;
                }
            };
            rows.push(row);
            meta.push((index, id));
            slots.push((c, taken));
        }
        if rows.is_empty() {
            return Ok(finish(answers));
        }
        // Spawned so the commit completes even if the client goes away mid-request; the slots
        // of duplicates (of every row, when the insert failed) are given back in the task
        // too, so a request dropped mid-commit leaks none.
        let this = Arc::clone(self);
        let on_panic = slots.clone(); // the task's slots, if it never gives them back
        let insert = insert(rows);
        let task = tokio::spawn(async move {
            let result = insert.await;
            if let Some(l) = limit.map(|of| of(&this)) {
                for (i, (c, taken)) in slots.iter().enumerate() {
                    let back =
                        result.as_ref().map_or(true, |d| d.get(i) == Some(&Inserted::Duplicate));
                    if *taken && back {
                        l.release(&c.device_key, c.device_time);
                    }
                }
            }
            result
        });
        let inserted = match task.await {
            Ok(result) => result?,
            Err(e) => return Err(release_all(limiter, &on_panic, StoreError::Task(e.to_string()))),
        };
        for ((index, id), done) in meta.iter().zip(inserted) {
            let identity = wire::hex(id);
            let answer = match done {
                Inserted::Accepted => Answer::Accepted { identity },
                Inserted::Duplicate => Answer::Duplicate { identity },
            };
            if let Some(slot) = answers.get_mut(*index) {
                *slot = Some(answer);
            }
        }
        Ok(finish(answers))
    }

    /// The binding check; the row to insert if it passes.
    async fn admit<K: Kind>(&self, signed: K, c: Checked) -> Result<(K::Row, Checked), Reject> {
        verify::check_binding(&self.bindings, &c).await?;
        let row = signed.row(&self.settings.clock).ok_or(Reject::Malformed)?;
        Ok((row, c))
    }
}

/// Which of the ingest's rate limiters an input kind counts against.
type Limit = fn(&Ingest) -> &RateLimiter;

fn reading_limit(ingest: &Ingest) -> &RateLimiter {
    &ingest.reading_limit
}

fn receipt_limit(ingest: &Ingest) -> &RateLimiter {
    &ingest.receipt_limit
}

/// Every index is filled by `process`; a gap would be a bug, answered as retryable.
fn finish(answers: Vec<Option<Answer>>) -> Vec<Answer> {
    answers
        .into_iter()
        .map(|a| a.unwrap_or_else(|| Answer::rejected(Reject::Unavailable)))
        .collect()
}

/// Takes a slot for every input, or none: `false` (all given back) when one does not fit.
fn take_all<'a>(limiter: &RateLimiter, checked: impl Iterator<Item = &'a Checked> + Clone) -> bool {
    for (taken, c) in checked.clone().enumerate() {
        if !limiter.try_take(&c.device_key, c.device_time) {
            for c in checked.take(taken) {
                limiter.release(&c.device_key, c.device_time);
            }
            return false;
        }
    }
    true
}

fn release_all(
    limiter: Option<&RateLimiter>,
    slots: &[(Checked, bool)],
    e: StoreError,
) -> StoreError {
    let Some(limiter) = limiter else { return e };
    for (c, taken) in slots {
        if *taken {
            limiter.release(&c.device_key, c.device_time);
        }
    }
    e
}

/// Server time, seconds (`received_at` of inputs; the time an answer's attestation signs).
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
