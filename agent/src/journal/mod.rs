//! The journal: the agent's durable state in SQLite (WAL, `synchronous = FULL`, so a commit
//! is on disk before it returns).
//!
//! Why it makes equivocation impossible: a reading is signed, then committed together with
//! the signer's new state, and only committed rows are ever sent (delivery reads them back
//! from here). A crash before the commit loses a signature that never left the process, so
//! the sequence may be signed again; a crash after it resends the exact stored bytes. The
//! next sequence is always `last_sequence + 1` of the committed state.

use std::path::Path;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use gridmint_meters::counter::CounterState;

use crate::allowance::Floor;

mod challenges;
mod cursors;
mod receipts;

pub use challenges::StoredAnswer;
pub use cursors::Cursor;
pub use receipts::StoredReceipt;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Who a journal belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner {
    pub device_key: [u8; 32],
    pub deployment: [u8; 32],
    pub node_id: u64,
}

/// The signer's committed state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SignerState {
    pub last_sequence: u64,
    pub last_timestamp: i64,
    pub counter: CounterState,
    pub resets: u64,
    pub jumps: u64,
    /// The allowance floor over the signed readings (`crate::allowance`).
    pub floor: Option<Floor>,
}

/// One signed reading as stored and sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredReading {
    pub sequence: u64,
    pub timestamp: i64,
    pub produced_wh: u64,
    pub consumed_wh: u64,
    pub message: Vec<u8>,
    pub signature: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("journal migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(
        "the journal in {dir} belongs to another {what}; point data_dir at this device's own \
         journal (never share or copy a journal between devices)"
    )]
    Foreign { dir: String, what: &'static str },
    #[error("journal is corrupt: {0}")]
    Corrupt(&'static str),
}

pub struct Journal {
    pool: SqlitePool,
}

/// The floor from its two columns (the i128 is stored as decimal text).
fn floor_from_db(wp: Option<i64>, value: Option<String>) -> Result<Option<Floor>, JournalError> {
    match (wp, value) {
        (Some(wp), Some(value)) => {
            let value = value.parse().map_err(|_| JournalError::Corrupt("allowance floor"))?;
            Ok(Some(Floor { capacity_wp: from_db(wp), value }))
        }
        _ => Ok(None),
    }
}

/// u64 ⇄ the same 64 bits in SQLite's i64.
pub fn to_db(v: u64) -> i64 {
    i64::from_ne_bytes(v.to_ne_bytes())
}

pub fn from_db(v: i64) -> u64 {
    u64::from_ne_bytes(v.to_ne_bytes())
}

impl Journal {
    /// Opens (creating) the journal at `path` for `owner`; refuses another owner's journal.
    pub async fn open(path: &Path, owner: Owner) -> Result<Self, JournalError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| JournalError::Db(sqlx::Error::Io(e)))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(std::time::Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(2).connect_with(options).await?;
        MIGRATOR.run(&pool).await?;
        let journal = Self { pool };
        journal.claim(path, owner).await?;
        Ok(journal)
    }

    async fn claim(&self, path: &Path, owner: Owner) -> Result<(), JournalError> {
        let node_id = to_db(owner.node_id).to_le_bytes().to_vec();
        let wanted: [(&str, Vec<u8>, &'static str); 3] = [
            ("device_key", owner.device_key.to_vec(), "device key"),
            ("deployment", owner.deployment.to_vec(), "deployment"),
            ("node_id", node_id, "node"),
        ];
        let mut tx = self.pool.begin().await?;
        for (key, value, what) in wanted {
            let stored: Option<Vec<u8>> =
                sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
                    .bind(key)
                    .fetch_optional(&mut *tx)
                    .await?;
            match stored {
                Some(v) if v != value => {
                    let dir = path.parent().unwrap_or(path).display().to_string();
                    return Err(JournalError::Foreign { dir, what });
                }
                Some(_) => {}
                None => {
                    sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?)")
                        .bind(key)
                        .bind(value)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The committed signer state; `None` for a journal that never signed or adopted one.
    pub async fn signer_state(&self) -> Result<Option<SignerState>, JournalError> {
        let row = sqlx::query(
            "SELECT last_sequence, last_timestamp, produced_wh, consumed_wh, raw_produced, \
             raw_consumed, sampled_at, resets, jumps, floor_wp, floor_value FROM signer \
             WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let opt = |i: usize| -> Result<Option<u64>, sqlx::Error> {
            Ok(row.try_get::<Option<i64>, _>(i)?.map(from_db))
        };
        Ok(Some(SignerState {
            last_sequence: from_db(row.try_get(0)?),
            last_timestamp: row.try_get(1)?,
            counter: CounterState {
                produced_wh: from_db(row.try_get(2)?),
                consumed_wh: from_db(row.try_get(3)?),
                raw_produced: opt(4)?,
                raw_consumed: opt(5)?,
                sampled_at: row.try_get(6)?,
            },
            resets: from_db(row.try_get(7)?),
            jumps: from_db(row.try_get(8)?),
            floor: floor_from_db(row.try_get(9)?, row.try_get(10)?)?,
        }))
    }

    /// Commits `state` as the signer's state, with `reading` when one was signed, in one
    /// transaction (the only way either changes).
    pub async fn commit(
        &self,
        state: &SignerState,
        reading: Option<&StoredReading>,
    ) -> Result<(), JournalError> {
        let c = &state.counter;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO signer (id, last_sequence, last_timestamp, produced_wh, consumed_wh, \
             raw_produced, raw_consumed, sampled_at, resets, jumps, floor_wp, floor_value) \
             VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET \
             last_sequence = excluded.last_sequence, last_timestamp = excluded.last_timestamp, \
             produced_wh = excluded.produced_wh, consumed_wh = excluded.consumed_wh, \
             raw_produced = excluded.raw_produced, raw_consumed = excluded.raw_consumed, \
             sampled_at = excluded.sampled_at, resets = excluded.resets, jumps = excluded.jumps, \
             floor_wp = excluded.floor_wp, floor_value = excluded.floor_value",
        )
        .bind(to_db(state.last_sequence))
        .bind(state.last_timestamp)
        .bind(to_db(c.produced_wh))
        .bind(to_db(c.consumed_wh))
        .bind(c.raw_produced.map(to_db))
        .bind(c.raw_consumed.map(to_db))
        .bind(c.sampled_at)
        .bind(to_db(state.resets))
        .bind(to_db(state.jumps))
        .bind(state.floor.map(|f| to_db(f.capacity_wp)))
        .bind(state.floor.map(|f| f.value.to_string()))
        .execute(&mut *tx)
        .await?;
        if let Some(r) = reading {
            sqlx::query(
                "INSERT INTO readings (sequence, timestamp, produced_wh, consumed_wh, message, \
                 signature) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(to_db(r.sequence))
            .bind(r.timestamp)
            .bind(to_db(r.produced_wh))
            .bind(to_db(r.consumed_wh))
            .bind(&r.message)
            .bind(&r.signature)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Readings from `from_sequence` on, in sequence order, at most `limit`.
    pub async fn readings_from(
        &self,
        from_sequence: u64,
        limit: usize,
    ) -> Result<Vec<StoredReading>, JournalError> {
        let rows = sqlx::query(
            "SELECT sequence, timestamp, produced_wh, consumed_wh, message, signature \
             FROM readings WHERE sequence >= ? ORDER BY sequence LIMIT ?",
        )
        .bind(to_db(from_sequence))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StoredReading {
                    sequence: from_db(row.try_get(0)?),
                    timestamp: row.try_get(1)?,
                    produced_wh: from_db(row.try_get(2)?),
                    consumed_wh: from_db(row.try_get(3)?),
                    message: row.try_get(4)?,
                    signature: row.try_get(5)?,
                })
            })
            .collect()
    }

    /// Readings at or above `from_sequence`.
    pub async fn count_from(&self, from_sequence: u64) -> Result<u64, JournalError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM readings WHERE sequence >= ?")
            .bind(to_db(from_sequence))
            .fetch_one(&self.pool)
            .await?;
        u64::try_from(n).map_err(|_| JournalError::Corrupt("negative count"))
    }

    /// `(sequence, timestamp)` of the readings from `from_sequence` on, in sequence order.
    pub async fn times_from(&self, from_sequence: u64) -> Result<Vec<(u64, i64)>, JournalError> {
        let rows = sqlx::query(
            "SELECT sequence, timestamp FROM readings WHERE sequence >= ? ORDER BY sequence",
        )
        .bind(to_db(from_sequence))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((from_db(r.try_get(0)?), r.try_get(1)?))).collect()
    }

    /// Deletes readings by sequence (compaction, pruning), in one transaction.
    pub async fn delete(&self, sequences: &[u64]) -> Result<(), JournalError> {
        let mut tx = self.pool.begin().await?;
        for s in sequences {
            sqlx::query("DELETE FROM readings WHERE sequence = ?")
                .bind(to_db(*s))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Readings below `before` (acknowledged by every oracle), oldest first, beyond the
    /// newest `keep` of them.
    pub async fn prunable(&self, before: u64, keep: u64) -> Result<Vec<u64>, JournalError> {
        let rows: Vec<i64> = sqlx::query_scalar(
            "SELECT sequence FROM readings WHERE sequence < ? ORDER BY sequence DESC \
             LIMIT -1 OFFSET ?",
        )
        .bind(to_db(before))
        .bind(i64::try_from(keep).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(from_db).collect())
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Checkpoints and closes.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests;
