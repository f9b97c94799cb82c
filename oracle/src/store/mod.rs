//! Durable store of signed inputs (readings and receipts), one row per identity.
//!
//! Why this shape: an input is answered `accepted` only after its row is committed, so it
//! must survive `kill -9` right after the answer (SQLite in WAL mode with
//! `synchronous = FULL` fsyncs the WAL on every commit). A unique index over the identity
//! (receipts: their key; readings: `(device_key, sequence, identity)`, see migration 0010)
//! makes a resent input a no-op, so clients may retry freely. Crediting later reads an
//! epoch's inputs through the epoch indexes; receive time is stored for operators only.
//!
//! Portability: all access goes through `sqlx::Any` with `$n` placeholders and plain SQL
//! (`INSERT … ON CONFLICT DO NOTHING` exists in SQLite and PostgreSQL), so the URL's scheme
//! picks the backend and its migration set ([`Backend`]) and everything else is shared.
//! SQLite pragmas are applied per connection when the backend is SQLite; PostgreSQL sessions
//! get `synchronous_commit = on` for the same durability promise.

mod addresses;
mod archive;
mod challenges;
mod closes;
mod commit;
mod epoch_keys;
mod epochs;
mod rows;
pub mod watch;

pub use addresses::BindingAddress;
pub use archive::PrunedEpoch;
pub use challenges::{NewAnswer, NewAttestation, Received};
pub use epochs::{LedgerRow, VoteRow, VoteStatus};
pub use rows::{from_db, to_db, NewReading, NewReceipt};

use std::collections::HashSet;

use futures_util::TryStreamExt;
use gridmint_protocol::merkle::Hash32;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Row};
use tokio::sync::Mutex;

use gridmint_protocol::crediting::{SignedReading, SignedReceipt};

/// Migrations for SQLite, embedded in the binary and run on every start (idempotent).
pub static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// The same schema for PostgreSQL (BYTEA for BLOB).
pub static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Per-connection settings: WAL for concurrent readers, FULL sync so a commit is on disk
/// before we answer, and a busy timeout instead of immediate `SQLITE_BUSY`.
/// Unique keys are random (identities, device keys), so inserts land on random index pages: a
/// page cache of 64 MiB (SQLite's default is 2 MiB) keeps an epoch's index pages in memory
/// instead of re-reading them per commit, and a checkpoint (which runs on the committing
/// connection, stalling ingest) comes every 64 MiB of WAL instead of every 4 MiB. Measured by
/// `oracle-bench` (131,072 readings): about 2× faster ingest; memory-mapped reads added
/// nothing but resident file pages, so they are off.
const SQLITE_PRAGMAS: [&str; 5] = [
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA busy_timeout = 10000",
    "PRAGMA cache_size = -65536",
    "PRAGMA wal_autocheckpoint = 16384",
];

/// The committer's temporary files in memory: a multi-row insert keeps a statement journal
/// (the original of every page it changes, so a failing row can roll back only that
/// statement); on disk that doubled the write calls of a commit. The journal only ever undoes
/// an open statement, so nothing durable depends on it. Only the committer: migrations and
/// large reads may sort more than fits in memory.
const SQLITE_COMMITTER_PRAGMAS: [&str; 1] = ["PRAGMA temp_store = MEMORY"];

/// A server configured with `synchronous_commit = off` would answer before the WAL is
/// flushed; the session setting restores the promise whatever the server default.
const POSTGRES_SESSION: &str = "SET synchronous_commit = on";

/// The database behind a URL, by its scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        let scheme = url.split_once(':').map_or(url, |(scheme, _)| scheme);
        match scheme {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            _ => Err(StoreError::UnsupportedUrl(scheme.to_string())),
        }
    }

    pub fn migrator(self) -> &'static Migrator {
        match self {
            Self::Sqlite => &SQLITE_MIGRATOR,
            Self::Postgres => &POSTGRES_MIGRATOR,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("task failed: {0}")]
    Task(String),
    #[error("stored row is corrupt: {0}")]
    Corrupt(&'static str),
    #[error("unsupported database URL scheme {0:?} (use sqlite: or postgres:)")]
    UnsupportedUrl(String),
}

/// What happened to one input of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inserted {
    /// Newly committed.
    Accepted,
    /// An input with the same identity was already stored (or earlier in the batch).
    Duplicate,
}

/// The two input tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    Readings,
    Receipts,
}

/// How a stored reading is found: `(identity, device_key, sequence)`, its unique index.
pub type ReadingKey = (Hash32, [u8; 32], u64);

/// The identities of the stored readings among `n` [`ReadingKey`]s (bound in that order by
/// [`bind_reading_key`]): one index search each.
pub(super) fn readings_lookup_sql(backend: Backend, n: usize) -> String {
    format!(
        "SELECT r.identity FROM (VALUES {}) AS v JOIN readings AS r ON r.device_key = \
         v.column1 AND r.sequence = v.column2 AND r.identity = v.column3",
        commit::values(backend, n, 3)
    )
}

/// Deletes the readings of `epoch` among `n` [`ReadingKey`]s, one index search each (SQLite
/// has no `DELETE … USING`, PostgreSQL no `rowid`).
pub(super) fn delete_readings_sql(backend: Backend, n: usize, epoch: u64) -> String {
    let epoch = rows::to_db(epoch);
    let values = commit::values(backend, n, 3);
    match backend {
        Backend::Sqlite => format!(
            "DELETE FROM readings WHERE rowid IN (SELECT r.rowid FROM (VALUES {values}) AS v \
             JOIN readings AS r ON r.device_key = v.column1 AND r.sequence = v.column2 AND \
             r.identity = v.column3 WHERE r.epoch = {epoch})"
        ),
        Backend::Postgres => format!(
            "DELETE FROM readings AS r USING (VALUES {values}) AS v WHERE r.device_key = \
             v.column1 AND r.sequence = v.column2 AND r.identity = v.column3 AND r.epoch = \
             {epoch}"
        ),
    }
}

/// Binds one [`ReadingKey`] in the order of [`readings_lookup_sql`]'s values.
pub(super) fn bind_reading_key<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    (identity, device_key, sequence): &ReadingKey,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    query.bind(device_key.to_vec()).bind(rows::to_db(*sequence)).bind(identity.to_vec())
}

/// Identities per `IN (...)` query (well under every backend's parameter limit).
const EXISTING_CHUNK: usize = 500;

/// Row counts (for `/health` and tests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub readings: u64,
    pub receipts: u64,
}

pub struct Store {
    pool: AnyPool,
    /// The one connection group commits write through. SQLite drops a connection's page
    /// cache whenever another connection wrote since its last transaction, so commits that
    /// took any pooled connection re-read their index pages every time; a connection of
    /// their own keeps them cached.
    committer: AnyPool,
    backend: Backend,
    /// SQLite has one writer: serialising our writes here avoids busy retries and lets a
    /// graceful shutdown wait for the write in flight.
    write: Mutex<()>,
    /// Input batches waiting for the next group commit.
    queue: commit::CommitQueue,
    /// (epoch, device key) pairs this process committed to `epoch_keys`.
    known_epoch_keys: epoch_keys::KnownPairs,
}

impl Store {
    /// Opens (creating if needed, for `sqlite:` URLs with `mode=rwc`) and migrates with the
    /// URL's backend's migration set.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let backend = Backend::from_url(url)?;
        sqlx::any::install_default_drivers();
        let pool = connect(url, backend, 4, &[]).await?;
        backend.migrator().run(&pool).await?;
        let committer = connect(url, backend, 1, &SQLITE_COMMITTER_PRAGMAS).await?;
        Ok(Self {
            pool,
            committer,
            backend,
            write: Mutex::new(()),
            queue: commit::CommitQueue::default(),
            known_epoch_keys: epoch_keys::KnownPairs::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A `sqlite:` URL for a file path, created if missing.
    pub fn sqlite_url(path: &std::path::Path) -> String {
        format!("sqlite://{}?mode=rwc", path.display())
    }

    /// Inserts `items` (committed with concurrent batches, see [`commit`]); answers per
    /// item, in order.
    pub async fn insert_readings(
        &self,
        items: &[NewReading],
        received_at: i64,
    ) -> Result<Vec<Inserted>, StoreError> {
        let batch = commit::Batch::Readings(items.to_vec());
        self.insert_grouped(batch, received_at, commit::Answering::Counted).await
    }

    /// Inserts `items` (see [`Store::insert_readings`]).
    pub async fn insert_receipts(
        &self,
        items: &[NewReceipt],
        received_at: i64,
    ) -> Result<Vec<Inserted>, StoreError> {
        let batch = commit::Batch::Receipts(items.to_vec());
        self.insert_grouped(batch, received_at, commit::Answering::Counted).await
    }

    /// Inserts a peer oracle's `items` (see [`Store::insert_readings`]). Most of them are
    /// usually stored here already, so their commit names the new rows with `RETURNING`
    /// from the start instead of counting, finding a shortfall and running again.
    pub async fn insert_peer_readings(
        &self,
        items: &[NewReading],
        received_at: i64,
    ) -> Result<Vec<Inserted>, StoreError> {
        let batch = commit::Batch::Readings(items.to_vec());
        self.insert_grouped(batch, received_at, commit::Answering::Returned).await
    }

    /// Inserts a peer oracle's `items` (see [`Store::insert_peer_readings`]).
    pub async fn insert_peer_receipts(
        &self,
        items: &[NewReceipt],
        received_at: i64,
    ) -> Result<Vec<Inserted>, StoreError> {
        let batch = commit::Batch::Receipts(items.to_vec());
        self.insert_grouped(batch, received_at, commit::Answering::Returned).await
    }

    /// Which of `inputs` are already stored in `table`, by identity. Readings are looked up
    /// by all of [`ReadingKey`] (their unique index, see migration `0010_readings_by_key`:
    /// there is none on the identity alone); receipts by identity (their key), the key and
    /// sequence being ignored.
    pub async fn existing(
        &self,
        table: Table,
        inputs: &[ReadingKey],
    ) -> Result<HashSet<Hash32>, StoreError> {
        let mut found = HashSet::new();
        for chunk in inputs.chunks(EXISTING_CHUNK) {
            let sql = match table {
                Table::Readings => readings_lookup_sql(self.backend, chunk.len()),
                Table::Receipts => format!(
                    "SELECT identity FROM receipts WHERE identity IN {}",
                    commit::in_list(self.backend, chunk.len())
                ),
            };
            let query = chunk.iter().fold(sqlx::query(&sql), |q, input| match table {
                Table::Readings => bind_reading_key(q, input),
                Table::Receipts => q.bind(input.0.to_vec()),
            });
            for row in query.fetch_all(&self.pool).await? {
                let id: Vec<u8> = row.try_get(0)?;
                let id: Hash32 =
                    id.try_into().map_err(|_| StoreError::Corrupt("identity length"))?;
                found.insert(id);
            }
        }
        Ok(found)
    }

    /// Every stored reading of `epoch`, in no particular order (callers that need one sort
    /// canonically, as crediting does). Rows are converted as they stream in, so a large
    /// epoch is held once, as readings, never also as database rows; and an `ORDER BY`
    /// would make the database sort what crediting sorts anyway.
    pub async fn epoch_readings(&self, epoch: u64) -> Result<Vec<SignedReading>, StoreError> {
        let mut rows =
            sqlx::query("SELECT device_key, message, signature FROM readings WHERE epoch = $1")
                .bind(rows::to_db(epoch))
                .fetch(&self.pool);
        let mut out = Vec::new();
        while let Some(row) = rows.try_next().await? {
            out.push(rows::reading_from_row(&row)?);
        }
        Ok(out)
    }

    /// Every stored receipt of `epoch` (by `finished_at`), sorted by identity.
    pub async fn epoch_receipts(&self, epoch: u64) -> Result<Vec<SignedReceipt>, StoreError> {
        let rows = sqlx::query(
            "SELECT device_key, message, device_signature, requester_signature FROM receipts \
             WHERE epoch = $1 ORDER BY identity",
        )
        .bind(rows::to_db(epoch))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rows::receipt_from_row).collect()
    }

    /// The stored reading of `device_key` with the highest sequence (among equal sequences,
    /// the later timestamp), if any.
    pub async fn last_reading(
        &self,
        device_key: &[u8; 32],
    ) -> Result<Option<SignedReading>, StoreError> {
        let row = sqlx::query(
            "SELECT device_key, message, signature FROM readings WHERE device_key = $1 \
             ORDER BY sequence DESC, timestamp DESC LIMIT 1",
        )
        .bind(device_key.to_vec())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(rows::reading_from_row).transpose()
    }

    /// Total rows per table.
    pub async fn counts(&self) -> Result<Counts, StoreError> {
        let count = |row: AnyRow| -> Result<u64, StoreError> {
            let n: i64 = row.try_get(0)?;
            u64::try_from(n).map_err(|_| StoreError::Corrupt("negative count"))
        };
        let readings = sqlx::query("SELECT COUNT(*) FROM readings").fetch_one(&self.pool).await?;
        let receipts = sqlx::query("SELECT COUNT(*) FROM receipts").fetch_one(&self.pool).await?;
        Ok(Counts { readings: count(readings)?, receipts: count(receipts)? })
    }

    /// A trivial query, for `/health`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Waits for the write in flight, then closes every connection (checkpointing the WAL).
    pub async fn close(&self) {
        let _guard = self.write.lock().await;
        self.committer.close().await;
        self.pool.close().await;
    }

    /// The pool, for tests and later layers (snapshot, close).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// A pool of up to `connections` to `url`, each with the backend's session settings (and
/// `sqlite_extra` on SQLite).
async fn connect(
    url: &str,
    backend: Backend,
    connections: u32,
    sqlite_extra: &'static [&'static str],
) -> Result<AnyPool, StoreError> {
    let pool = AnyPoolOptions::new()
        .max_connections(connections)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                let session: Vec<&str> = match backend {
                    Backend::Sqlite => SQLITE_PRAGMAS.iter().chain(sqlite_extra).copied().collect(),
                    Backend::Postgres => vec![POSTGRES_SESSION],
                };
                for statement in session {
                    sqlx::query(statement).execute(&mut *conn).await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await?;
    Ok(pool)
}

/// A single-row `INSERT … ON CONFLICT DO NOTHING`'s outcome.
fn inserted(rows_affected: u64) -> Inserted {
    if rows_affected == 0 {
        Inserted::Duplicate
    } else {
        Inserted::Accepted
    }
}

#[cfg(test)]
mod archive_tests;
#[cfg(test)]
mod challenges_tests;
#[cfg(test)]
mod epoch_keys_tests;
#[cfg(test)]
pub(crate) mod pg_schema;
#[cfg(test)]
pub(crate) mod test_db;
#[cfg(test)]
mod tests;
