//! Work receipts in the journal: one device-signed receipt per (requester, job id), its
//! requester co-signature once it arrives, and per oracle the oracle's final answer.

use sqlx::Row;

use super::{from_db, to_db, Journal, JournalError};

/// One receipt as the device signed it (and the requester co-signed it, once it did).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredReceipt {
    pub requester: [u8; 32],
    pub job_id: u64,
    pub message: Vec<u8>,
    pub device_signature: Vec<u8>,
    pub requester_signature: Option<Vec<u8>>,
}

fn receipt_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<StoredReceipt, JournalError> {
    let requester: Vec<u8> = row.try_get(0)?;
    Ok(StoredReceipt {
        requester: requester.try_into().map_err(|_| JournalError::Corrupt("requester key"))?,
        job_id: from_db(row.try_get(1)?),
        message: row.try_get(2)?,
        device_signature: row.try_get(3)?,
        requester_signature: row.try_get(4)?,
    })
}

impl Journal {
    /// The receipt of `(requester, job_id)`, if the device signed one.
    pub async fn receipt(
        &self,
        requester: &[u8; 32],
        job_id: u64,
    ) -> Result<Option<StoredReceipt>, JournalError> {
        let row = sqlx::query(
            "SELECT requester, job_id, message, device_signature, requester_signature \
             FROM receipts WHERE requester = ? AND job_id = ?",
        )
        .bind(requester.to_vec())
        .bind(to_db(job_id))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(receipt_from_row).transpose()
    }

    /// Stores a device-signed receipt unless one for its job exists, and answers the stored
    /// one (the first is the only one that ever leaves).
    pub async fn keep_receipt(
        &self,
        receipt: &StoredReceipt,
        at: i64,
    ) -> Result<StoredReceipt, JournalError> {
        sqlx::query(
            "INSERT INTO receipts (requester, job_id, message, device_signature, signed_at) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (requester, job_id) DO NOTHING",
        )
        .bind(receipt.requester.to_vec())
        .bind(to_db(receipt.job_id))
        .bind(&receipt.message)
        .bind(&receipt.device_signature)
        .bind(at)
        .execute(self.pool())
        .await?;
        self.receipt(&receipt.requester, receipt.job_id)
            .await?
            .ok_or(JournalError::Corrupt("receipt vanished after insert"))
    }

    /// Records the requester's signature of a stored receipt (the first one stays: any valid
    /// co-signature makes the same receipt).
    pub async fn cosigned(
        &self,
        requester: &[u8; 32],
        job_id: u64,
        signature: &[u8],
    ) -> Result<(), JournalError> {
        sqlx::query(
            "UPDATE receipts SET requester_signature = COALESCE(requester_signature, ?) \
             WHERE requester = ? AND job_id = ?",
        )
        .bind(signature)
        .bind(requester.to_vec())
        .bind(to_db(job_id))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Co-signed receipts `oracle` has not answered for good, oldest first, at most `limit`.
    pub async fn undelivered_receipts(
        &self,
        oracle: &str,
        limit: usize,
    ) -> Result<Vec<StoredReceipt>, JournalError> {
        let rows = sqlx::query(
            "SELECT r.requester, r.job_id, r.message, r.device_signature, \
             r.requester_signature FROM receipts r WHERE r.requester_signature IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM receipt_deliveries d WHERE d.requester = \
             r.requester AND d.job_id = r.job_id AND d.oracle = ?) \
             ORDER BY r.signed_at, r.requester, r.job_id LIMIT ?",
        )
        .bind(oracle)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(receipt_from_row).collect()
    }

    /// Records `oracle`'s final answer on a receipt.
    pub async fn receipt_delivered(
        &self,
        requester: &[u8; 32],
        job_id: u64,
        oracle: &str,
        outcome: &str,
        at: i64,
    ) -> Result<(), JournalError> {
        sqlx::query(
            "INSERT INTO receipt_deliveries (requester, job_id, oracle, outcome, at) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (requester, job_id, oracle) DO NOTHING",
        )
        .bind(requester.to_vec())
        .bind(to_db(job_id))
        .bind(oracle)
        .bind(outcome)
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// `(oracle, outcome)` of every oracle that answered the receipt for good.
    pub async fn receipt_deliveries(
        &self,
        requester: &[u8; 32],
        job_id: u64,
    ) -> Result<Vec<(String, String)>, JournalError> {
        let rows = sqlx::query(
            "SELECT oracle, outcome FROM receipt_deliveries WHERE requester = ? AND job_id = ? \
             ORDER BY oracle",
        )
        .bind(requester.to_vec())
        .bind(to_db(job_id))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    /// Receipts signed, co-signed, and co-signed ones not yet answered by every one of
    /// `oracles` oracles.
    pub async fn receipt_counts(&self, oracles: u64) -> Result<(u64, u64, u64), JournalError> {
        let row = sqlx::query(
            "SELECT COUNT(*), COUNT(requester_signature), (SELECT COUNT(*) FROM receipts r \
             WHERE r.requester_signature IS NOT NULL AND (SELECT COUNT(*) FROM \
             receipt_deliveries d WHERE d.requester = r.requester AND d.job_id = r.job_id) < ?) \
             FROM receipts",
        )
        .bind(to_db(oracles))
        .fetch_one(self.pool())
        .await?;
        let n = |i: usize| -> Result<u64, JournalError> {
            let v: i64 = row.try_get(i)?;
            u64::try_from(v).map_err(|_| JournalError::Corrupt("negative count"))
        };
        Ok((n(0)?, n(1)?, n(2)?))
    }
}
