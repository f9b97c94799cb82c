//! Store queries of the watchtower (`crate::watchtower`): readings by receive time (to find
//! what arrived since the last pass), a device key's readings by sequence number (to compare
//! new readings with their neighbours), and the pass cursor.
//!
//! Sequence numbers are `u64` stored as the same bits in a signed column (see `rows::to_db`),
//! so a `u64` range becomes one or two ranges of the column ([`signed_ranges`]).

use gridmint_protocol::crediting::SignedReading;
use sqlx::Row;

use super::rows::{self, from_db, to_db};
use super::{Backend, Store, StoreError};

/// A stored reading as the watchtower pages through them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScannedReading {
    pub received_at: i64,
    /// Insertion order in the store, increasing (SQLite's `rowid`, PostgreSQL's `arrival`):
    /// the tie-break within one second of receive time. Only meaningful within one store.
    pub arrival: i64,
    pub sequence: u64,
    pub signed: SignedReading,
}

impl ScannedReading {
    /// The paging position just after this reading.
    pub fn position(&self) -> (i64, i64) {
        (self.received_at, self.arrival)
    }
}

/// Which end of a range a neighbour query looks for.
#[derive(Clone, Copy)]
enum Extreme {
    Max,
    Min,
}

impl Store {
    /// Up to `limit` readings received at or after `from`, strictly after position `after`
    /// (`(received_at, arrival)`, from [`ScannedReading::position`]), in that order.
    ///
    /// Why insertion order and not identity as the tie-break: the index behind this query is
    /// written on every ingested reading, and `(received_at, identity)` put each insert on a
    /// random page of the current second's entries, while `(received_at, arrival)` appends.
    pub async fn readings_received_since(
        &self,
        from: i64,
        after: Option<(i64, i64)>,
        limit: usize,
    ) -> Result<Vec<ScannedReading>, StoreError> {
        // No position yet: before every row.
        let (after_time, after_arrival) = after.unwrap_or((i64::MIN, i64::MIN));
        let arrival = match self.backend {
            Backend::Sqlite => "rowid",
            Backend::Postgres => "arrival",
        };
        let sql = format!(
            "SELECT received_at, {arrival} AS arrival, sequence, device_key, message, signature \
             FROM readings WHERE received_at >= $1 \
             AND (received_at > $2 OR (received_at = $2 AND {arrival} > $3)) \
             ORDER BY received_at, {arrival} LIMIT $4"
        );
        let rows = sqlx::query(&sql)
            .bind(from)
            .bind(after_time)
            .bind(after_arrival)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ScannedReading {
                    received_at: row.try_get("received_at")?,
                    arrival: row.try_get("arrival")?,
                    sequence: from_db(row.try_get("sequence")?),
                    signed: rows::reading_from_row(row)?,
                })
            })
            .collect()
    }

    /// Every reading of `device_key` whose sequence number is in `[lo, hi]`.
    pub async fn key_readings_in_sequence_range(
        &self,
        device_key: &[u8; 32],
        lo: u64,
        hi: u64,
    ) -> Result<Vec<SignedReading>, StoreError> {
        let mut out = Vec::new();
        for (from, to) in signed_ranges(lo, hi) {
            let rows = sqlx::query(
                "SELECT device_key, message, signature FROM readings \
                 WHERE device_key = $1 AND sequence >= $2 AND sequence <= $3",
            )
            .bind(device_key.to_vec())
            .bind(from)
            .bind(to)
            .fetch_all(&self.pool)
            .await?;
            for row in &rows {
                out.push(rows::reading_from_row(row)?);
            }
        }
        Ok(out)
    }

    /// The largest sequence number of `device_key` below `sequence`, if any.
    pub async fn key_sequence_below(
        &self,
        device_key: &[u8; 32],
        sequence: u64,
    ) -> Result<Option<u64>, StoreError> {
        let Some(hi) = sequence.checked_sub(1) else { return Ok(None) };
        let mut ranges = signed_ranges(0, hi);
        ranges.reverse(); // the higher numbers first
        self.first_extreme(device_key, &ranges, Extreme::Max).await
    }

    /// The smallest sequence number of `device_key` above `sequence`, if any.
    pub async fn key_sequence_above(
        &self,
        device_key: &[u8; 32],
        sequence: u64,
    ) -> Result<Option<u64>, StoreError> {
        let Some(lo) = sequence.checked_add(1) else { return Ok(None) };
        self.first_extreme(device_key, &signed_ranges(lo, u64::MAX), Extreme::Min).await
    }

    /// The extreme sequence number in the first of `ranges` that has one.
    async fn first_extreme(
        &self,
        device_key: &[u8; 32],
        ranges: &[(i64, i64)],
        extreme: Extreme,
    ) -> Result<Option<u64>, StoreError> {
        let function = match extreme {
            Extreme::Max => "MAX",
            Extreme::Min => "MIN",
        };
        let sql = format!(
            "SELECT {function}(sequence) FROM readings \
             WHERE device_key = $1 AND sequence >= $2 AND sequence <= $3"
        );
        for (from, to) in ranges {
            let row = sqlx::query(&sql)
                .bind(device_key.to_vec())
                .bind(*from)
                .bind(*to)
                .fetch_one(&self.pool)
                .await?;
            if let Some(found) = row.try_get::<Option<i64>, _>(0)? {
                return Ok(Some(from_db(found)));
            }
        }
        Ok(None)
    }

    /// Where the next watchtower pass starts (receive time, seconds); 0 before the first.
    pub async fn watch_cursor(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT received_from FROM watchtower_cursor WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => row.try_get(0)?,
            None => 0,
        })
    }

    /// Records where the next watchtower pass starts.
    pub async fn set_watch_cursor(&self, received_from: i64) -> Result<(), StoreError> {
        let _guard = self.write.lock().await;
        sqlx::query(
            "INSERT INTO watchtower_cursor (id, received_from) VALUES (1, $1) \
             ON CONFLICT (id) DO UPDATE SET received_from = excluded.received_from",
        )
        .bind(received_from)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// The `u64` range `[lo, hi]` as ranges of the signed column, in increasing `u64` order: one
/// range, or two when it crosses 2⁶³ (where the stored value wraps to negative). Empty when
/// `lo > hi`.
pub fn signed_ranges(lo: u64, hi: u64) -> Vec<(i64, i64)> {
    const HALF: u64 = 1 << 63;
    if lo > hi {
        Vec::new()
    } else if hi < HALF || lo >= HALF {
        vec![(to_db(lo), to_db(hi))]
    } else {
        vec![(to_db(lo), i64::MAX), (i64::MIN, to_db(hi))]
    }
}

#[cfg(test)]
#[path = "watch_tests.rs"]
mod tests;
