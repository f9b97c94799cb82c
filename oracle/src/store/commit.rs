//! Group commit of signed inputs.
//!
//! Commits go through a connection of their own (see [`Store`]'s `committer`).
//!
//! Why: every commit waits for its fsync (`synchronous = FULL`; `synchronous_commit = on`),
//! and with one writer, clients sending concurrently would each wait for all the fsyncs
//! queued before theirs. Instead every batch joins a queue; whoever holds the write lock takes
//! *all* queued batches, inserts them in one transaction and answers each batch after the
//! commit. Under load one fsync covers many batches; alone, a batch commits at once as before.
//! Rows are inserted many per statement (`INSERT … VALUES (…), (…) … ON CONFLICT DO NOTHING`),
//! so a batch costs a few round trips to the database, not one per row.
//!
//! Which rows were new: usually all of them, and then the statements' counts of inserted rows
//! say so. Only when a count falls short (some row was stored before: a resend, or a peer's
//! copy) is the transaction rolled back and run again with `RETURNING identity`, which names
//! the new rows. Why not always `RETURNING`: SQLite's driver hands every returned row from its
//! worker thread to the caller one by one, and the commit, which is the serial part of ingest,
//! took about 15 % longer (`oracle-bench`).
//!
//! Nothing is answered before its transaction committed; a failed commit answers every batch
//! in it with the error (nothing of it is stored, so resending is safe).

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use gridmint_protocol::merkle::Hash32;
use sqlx::{Any, Row, Transaction};
use tokio::sync::oneshot;

use super::epoch_keys;
use super::rows::{self, NewReading, NewReceipt};
use super::{Backend, Inserted, Store, StoreError};

/// Rows per `INSERT` statement: 11 × 256 parameters stays far under SQLite's 32,766 and
/// PostgreSQL's 65,535.
const ROWS_PER_STATEMENT: usize = 256;

/// One caller's rows.
pub enum Batch {
    Readings(Vec<NewReading>),
    Receipts(Vec<NewReceipt>),
}

struct Job {
    batch: Batch,
    received_at: i64,
    /// How its commit first tries to tell new rows: `Returned` for inputs likely stored.
    first: Answering,
    done: oneshot::Sender<Result<Vec<Inserted>, String>>,
}

/// Batches waiting for the next commit.
#[derive(Default)]
pub struct CommitQueue {
    jobs: Mutex<Vec<Job>>,
    /// Commits run a second time with `RETURNING` (some row was stored before).
    redone: AtomicU64,
}

impl CommitQueue {
    fn push(&self, job: Job) {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).push(job);
    }

    fn take(&self) -> Vec<Job> {
        std::mem::take(&mut *self.jobs.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn len(&self) -> usize {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl Store {
    /// Test hook: holds the write lock, so commits queue until the guard is dropped.
    #[doc(hidden)]
    pub async fn hold_writes(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.write.lock().await
    }

    /// Test hook: batches waiting for a commit.
    #[doc(hidden)]
    pub fn queued_batches(&self) -> usize {
        self.queue.len()
    }

    /// Test hook: commits run a second time with `RETURNING` because some row of theirs was
    /// stored before (see the module's documentation).
    #[doc(hidden)]
    pub fn commits_redone(&self) -> u64 {
        self.queue.redone.load(Ordering::Relaxed)
    }

    /// Inserts `batch` (in a commit shared with concurrent batches); answers per row, in
    /// order: `Accepted` for the first copy of an identity ever committed, else `Duplicate`.
    pub(super) async fn insert_grouped(
        &self,
        batch: Batch,
        received_at: i64,
        first: Answering,
    ) -> Result<Vec<Inserted>, StoreError> {
        let (done, answer) = oneshot::channel();
        self.queue.push(Job { batch, received_at, first, done });
        {
            let _guard = self.write.lock().await;
            // Empty when a committer before us took our batch along.
            let jobs = self.queue.take();
            if !jobs.is_empty() {
                let result = self.commit_jobs(&jobs).await;
                let mut results = match result {
                    Ok(per_job) => per_job.into_iter().map(Ok).collect::<Vec<_>>(),
                    Err(e) => jobs.iter().map(|_| Err(e.to_string())).collect(),
                };
                for job in jobs.into_iter().rev() {
                    let result = results.pop().unwrap_or_else(|| Err("no answer".into()));
                    // A caller that went away no longer needs its answer; its rows stand.
                    let _ = job.done.send(result);
                }
            }
        }
        match answer.await {
            Ok(Ok(inserted)) => Ok(inserted),
            Ok(Err(e)) => Err(StoreError::Task(format!("commit failed: {e}"))),
            Err(_) => Err(StoreError::Task("the commit holding this batch was abandoned".into())),
        }
    }

    /// Every job's rows in one transaction; per job, per row, what happened.
    async fn commit_jobs(&self, jobs: &[Job]) -> Result<Vec<Vec<Inserted>>, StoreError> {
        // A peer's batch is mostly stored already: counting first would mostly run twice.
        if jobs.iter().any(|job| job.first == Answering::Returned) {
            return self.commit_returning(jobs).await;
        }
        if let Some(answers) = self.try_commit(jobs, Answering::Counted).await? {
            return Ok(answers);
        }
        self.queue.redone.fetch_add(1, Ordering::Relaxed);
        self.commit_returning(jobs).await
    }

    /// The commit with `RETURNING`, which always tells the new rows.
    async fn commit_returning(&self, jobs: &[Job]) -> Result<Vec<Vec<Inserted>>, StoreError> {
        self.try_commit(jobs, Answering::Returned)
            .await?
            .ok_or(StoreError::Task("a commit with RETURNING gave no answer".into()))
    }

    /// One attempt: `None` (rolled back) when counting could not tell the new rows.
    async fn try_commit(
        &self,
        jobs: &[Job],
        answering: Answering,
    ) -> Result<Option<Vec<Vec<Inserted>>>, StoreError> {
        let mut tx = self.committer.begin().await?;
        // Identities committed by an earlier row of this transaction.
        let mut seen = HashSet::new();
        let mut out = Vec::with_capacity(jobs.len());
        for job in jobs {
            let (backend, at) = (self.backend, job.received_at);
            let answers = match &job.batch {
                Batch::Readings(items) => {
                    insert_rows(&mut tx, backend, items, at, &mut seen, answering).await?
                }
                Batch::Receipts(items) => {
                    insert_rows(&mut tx, backend, items, at, &mut seen, answering).await?
                }
            };
            let Some(answers) = answers else {
                tx.rollback().await?;
                return Ok(None);
            };
            out.push(answers);
        }
        // The epochs' keys of these readings, in the same transaction: a stored reading's key
        // is always listed.
        let readings = jobs.iter().flat_map(|job| match &job.batch {
            Batch::Readings(items) => items.as_slice(),
            Batch::Receipts(_) => &[],
        });
        let pairs = self.known_epoch_keys.unknown(readings);
        epoch_keys::insert(&mut tx, self.backend, &pairs).await?;
        tx.commit().await?;
        self.known_epoch_keys.committed(&pairs);
        Ok(Some(out))
    }
}

/// How a statement learns which of its rows were new.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Answering {
    /// From its count of inserted rows, when that count says every row was new.
    Counted,
    /// From `RETURNING identity`: always.
    Returned,
}

/// Groups of `columns` placeholders for `rows` rows: `$1, $2, …` for PostgreSQL, and `?`
/// for SQLite. Why not `$n` there too: binding looks up each numbered parameter's name in a
/// list as long as the statement's parameters (`sqlite3_bind_parameter_name`), which at
/// 256 rows × 9 columns cost more than the insert; anonymous `?` are bound by position.
pub(super) fn values(backend: Backend, rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows.saturating_mul(columns).saturating_mul(5));
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns {
            if c > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => sql.push_str(&format!("${}", r * columns + c + 1)),
            }
        }
        sql.push(')');
    }
    sql
}

/// `(…)` of `n` parameters, for `IN` lists: numbered from `$1` for PostgreSQL, anonymous
/// for SQLite (see [`values`]). The statement must have no other parameters.
pub(super) fn in_list(backend: Backend, n: usize) -> String {
    values(backend, 1, n)
}

/// Per row: accepted when its identity is new (came back from `RETURNING`, or every row was
/// new) and no earlier row of this transaction claimed it (two copies in one statement
/// insert, and return, one identity).
fn classify(
    identities: impl Iterator<Item = Hash32>,
    returned: HashSet<Hash32>,
    seen: &mut HashSet<Hash32>,
) -> Vec<Inserted> {
    identities
        .map(|id| {
            if returned.contains(&id) && seen.insert(id) {
                Inserted::Accepted
            } else {
                Inserted::Duplicate
            }
        })
        .collect()
}

async fn returned<'q>(
    query: AnyQuery<'q>,
    tx: &'q mut Transaction<'static, Any>,
) -> Result<HashSet<Hash32>, StoreError> {
    let mut out = HashSet::new();
    for row in query.fetch_all(&mut **tx).await? {
        let id: Vec<u8> = row.try_get(0)?;
        out.insert(id.try_into().map_err(|_| StoreError::Corrupt("identity length"))?);
    }
    Ok(out)
}

type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

/// An input row as its table stores it: where, which columns, and their values in order.
trait InputRow {
    const TABLE: &'static str;
    /// The unique index that keeps one row per identity (`ON CONFLICT` target).
    const UNIQUE: &'static str;
    const COLUMNS: &'static [&'static str];
    fn identity(&self) -> Hash32;
    fn bind<'q>(&self, query: AnyQuery<'q>, received_at: i64) -> AnyQuery<'q>;
}

impl InputRow for NewReading {
    const TABLE: &'static str = "readings";
    // Equal identities have equal keys and sequences (migration `0010_readings_by_key`).
    const UNIQUE: &'static str = "device_key, sequence, identity";
    const COLUMNS: &'static [&'static str] = &[
        "identity",
        "device_key",
        "node_id",
        "sequence",
        "timestamp",
        "epoch",
        "message",
        "signature",
        "received_at",
    ];
    fn identity(&self) -> Hash32 {
        self.identity
    }
    fn bind<'q>(&self, query: AnyQuery<'q>, received_at: i64) -> AnyQuery<'q> {
        query
            .bind(self.identity.to_vec())
            .bind(self.signed.device_key.to_vec())
            .bind(rows::to_db(self.node_id))
            .bind(rows::to_db(self.sequence))
            .bind(self.timestamp)
            .bind(self.epoch.map(rows::to_db))
            .bind(self.signed.message.to_vec())
            .bind(self.signed.signature.to_vec())
            .bind(received_at)
    }
}

impl InputRow for NewReceipt {
    const TABLE: &'static str = "receipts";
    const UNIQUE: &'static str = "identity";
    const COLUMNS: &'static [&'static str] = &[
        "identity",
        "device_key",
        "node_id",
        "job_id",
        "requester",
        "finished_at",
        "epoch",
        "message",
        "device_signature",
        "requester_signature",
        "received_at",
    ];
    fn identity(&self) -> Hash32 {
        self.identity
    }
    fn bind<'q>(&self, query: AnyQuery<'q>, received_at: i64) -> AnyQuery<'q> {
        query
            .bind(self.identity.to_vec())
            .bind(self.signed.device_key.to_vec())
            .bind(rows::to_db(self.node_id))
            .bind(rows::to_db(self.job_id))
            .bind(self.requester.to_vec())
            .bind(self.finished_at)
            .bind(self.epoch.map(rows::to_db))
            .bind(self.signed.message.to_vec())
            .bind(self.signed.device_signature.to_vec())
            .bind(self.signed.requester_signature.to_vec())
            .bind(received_at)
    }
}

/// Inserts `items` in statements of [`ROWS_PER_STATEMENT`] rows; per row, what happened.
/// `None` when `answering` is `Counted` and some row was stored before (the caller must roll
/// back and answer with `Returned`).
async fn insert_rows<R: InputRow>(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    items: &[R],
    received_at: i64,
    seen: &mut HashSet<Hash32>,
    answering: Answering,
) -> Result<Option<Vec<Inserted>>, StoreError> {
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO {} ({}) VALUES {} ON CONFLICT ({}) DO NOTHING{}",
            R::TABLE,
            R::COLUMNS.join(", "),
            values(backend, chunk.len(), R::COLUMNS.len()),
            R::UNIQUE,
            if answering == Answering::Returned { " RETURNING identity" } else { "" },
        );
        let query = chunk.iter().fold(sqlx::query(&sql), |q, r| r.bind(q, received_at));
        let identities = chunk.iter().map(InputRow::identity);
        let answers = match answering {
            Answering::Returned => classify(identities, returned(query, tx).await?, seen),
            Answering::Counted => {
                let inserted = query.execute(&mut **tx).await?.rows_affected();
                let all: HashSet<Hash32> = chunk.iter().map(InputRow::identity).collect();
                let answers = classify(identities, all, seen);
                // Rows never inserted are duplicates of this transaction's (not counted,
                // not expected) or of rows stored before (not counted, expected).
                let expected = answers.iter().filter(|a| **a == Inserted::Accepted).count();
                if u64::try_from(expected).ok() != Some(inserted) {
                    return Ok(None);
                }
                answers
            }
        };
        out.extend(answers);
    }
    Ok(Some(out))
}

#[cfg(test)]
#[path = "commit_tests.rs"]
mod tests;
