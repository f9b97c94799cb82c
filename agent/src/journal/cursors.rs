//! Delivery cursors: per oracle, the next sequence to deliver, and permanent rejections.

use sqlx::Row;

use super::{from_db, to_db, Journal, JournalError};

/// Delivery progress towards one oracle.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Cursor {
    pub oracle: String,
    pub next_sequence: u64,
    /// Readings in the journal not yet delivered to this oracle.
    pub backlog: u64,
    /// Agent time of the last acknowledgement.
    pub last_ack_at: Option<i64>,
    pub last_error: Option<String>,
    /// Readings this oracle refused for good.
    pub rejected: u64,
}

impl Journal {
    /// The next sequence to deliver to `oracle`; a new oracle starts at the oldest reading
    /// still in the journal (it needs the earlier boundary readings too).
    pub async fn cursor(&self, oracle: &str) -> Result<u64, JournalError> {
        let next: Option<i64> =
            sqlx::query_scalar("SELECT next_sequence FROM cursors WHERE oracle = ?")
                .bind(oracle)
                .fetch_optional(self.pool())
                .await?;
        if let Some(next) = next {
            return Ok(from_db(next));
        }
        let oldest: Option<i64> =
            sqlx::query_scalar("SELECT MIN(sequence) FROM readings").fetch_one(self.pool()).await?;
        let start = match oldest {
            Some(s) => from_db(s),
            None => self.signer_state().await?.map_or(0, |s| s.last_sequence).saturating_add(1),
        };
        sqlx::query(
            "INSERT INTO cursors (oracle, next_sequence) VALUES (?, ?) \
             ON CONFLICT (oracle) DO NOTHING",
        )
        .bind(oracle)
        .bind(to_db(start))
        .execute(self.pool())
        .await?;
        Ok(start)
    }

    /// Moves `oracle`'s cursor to `next_sequence` (never backwards), recording `rejected`
    /// readings and the acknowledgement time, in one transaction.
    pub async fn advance(
        &self,
        oracle: &str,
        next_sequence: u64,
        rejected: &[(u64, String)],
        at: i64,
    ) -> Result<(), JournalError> {
        let mut tx = self.pool().begin().await?;
        for (sequence, reason) in rejected {
            sqlx::query(
                "INSERT INTO rejections (oracle, sequence, reason, at) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (oracle, sequence) DO NOTHING",
            )
            .bind(oracle)
            .bind(to_db(*sequence))
            .bind(reason)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE cursors SET next_sequence = MAX(next_sequence, ?), last_ack_at = ?, \
             last_error = NULL WHERE oracle = ?",
        )
        .bind(to_db(next_sequence))
        .bind(at)
        .bind(oracle)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records why the last delivery to `oracle` failed (for `status`).
    pub async fn delivery_failed(&self, oracle: &str, error: &str) -> Result<(), JournalError> {
        sqlx::query("UPDATE cursors SET last_error = ? WHERE oracle = ?")
            .bind(error)
            .bind(oracle)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Every oracle's cursor with its backlog, by oracle URL.
    pub async fn cursors(&self) -> Result<Vec<Cursor>, JournalError> {
        let rows = sqlx::query(
            "SELECT c.oracle, c.next_sequence, c.last_ack_at, c.last_error, \
             (SELECT COUNT(*) FROM readings r WHERE r.sequence >= c.next_sequence), \
             (SELECT COUNT(*) FROM rejections j WHERE j.oracle = c.oracle) \
             FROM cursors c ORDER BY c.oracle",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let count = |i: usize| -> Result<u64, JournalError> {
                    let n: i64 = row.try_get(i)?;
                    u64::try_from(n).map_err(|_| JournalError::Corrupt("negative count"))
                };
                Ok(Cursor {
                    oracle: row.try_get(0)?,
                    next_sequence: from_db(row.try_get(1)?),
                    last_ack_at: row.try_get(2)?,
                    last_error: row.try_get(3)?,
                    backlog: count(4)?,
                    rejected: count(5)?,
                })
            })
            .collect()
    }

    /// Permanent rejections by `oracle`: `(sequence, reason)`, oldest first.
    pub async fn rejections(&self, oracle: &str) -> Result<Vec<(u64, String)>, JournalError> {
        let rows = sqlx::query(
            "SELECT sequence, reason FROM rejections WHERE oracle = ? ORDER BY sequence",
        )
        .bind(oracle)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok((from_db(r.try_get(0)?), r.try_get(1)?))).collect()
    }
}
