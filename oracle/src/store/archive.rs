//! Store side of the archive (`crate::archive`, migration `0005_archive.sql`): deleting an
//! archived epoch's rows by identity, and remembering which epochs were pruned.
//!
//! Rows are deleted by the identities the caller judged prunable, never "the epoch except
//! …": a row that arrived after the caller read the epoch is kept, so two replicas pruning
//! the same epoch at once can only keep too much.

use gridmint_protocol::merkle::Hash32;
use sqlx::Row;

use super::rows::{from_db, to_db};
use super::{Store, StoreError};

/// Identities per `DELETE … IN (...)`.
const DELETE_CHUNK: usize = 500;

/// One pruned epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrunedEpoch {
    pub epoch: u64,
    /// The finalized manifest whose archive was verified before the rows went.
    pub manifest_hash: Hash32,
    pub readings_deleted: u64,
    /// The epoch's readings left for later closes (per device key: highest sequence and
    /// counters).
    pub readings_kept: u64,
    pub receipts_deleted: u64,
    pub pruned_at: i64,
}

impl Store {
    /// Deletes `readings` (by their unique key) and `receipts` (identities) of `p.epoch` and
    /// records the epoch as pruned with the counts actually deleted, in one transaction;
    /// returns the record kept (the first, when the epoch was pruned before). The epoch's
    /// `epoch_keys` stay: pruning keeps every key's last reading of the epoch
    /// (`archive::prune::readings_to_keep`), so its keys do not change.
    pub async fn prune_inputs(
        &self,
        p: &PrunedEpoch,
        readings: &[super::ReadingKey],
        receipts: &[Hash32],
    ) -> Result<PrunedEpoch, StoreError> {
        {
            let _guard = self.write.lock().await;
            let mut tx = self.pool.begin().await?;
            let mut deleted = [0u64; 2];
            for chunk in readings.chunks(DELETE_CHUNK) {
                let sql = super::delete_readings_sql(self.backend, chunk.len(), p.epoch);
                let query = chunk.iter().fold(sqlx::query(&sql), super::bind_reading_key);
                deleted[0] += query.execute(&mut *tx).await?.rows_affected();
            }
            for chunk in receipts.chunks(DELETE_CHUNK) {
                let sql = format!(
                    "DELETE FROM receipts WHERE epoch = {} AND identity IN {}",
                    to_db(p.epoch),
                    super::commit::in_list(self.backend, chunk.len())
                );
                let query = chunk.iter().fold(sqlx::query(&sql), |q, id| q.bind(id.to_vec()));
                deleted[1] += query.execute(&mut *tx).await?.rows_affected();
            }
            sqlx::query(
                "INSERT INTO pruned_epochs (epoch, manifest_hash, readings_deleted, \
                 readings_kept, receipts_deleted, pruned_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (epoch) DO NOTHING",
            )
            .bind(to_db(p.epoch))
            .bind(p.manifest_hash.to_vec())
            .bind(to_db(deleted[0]))
            .bind(to_db(p.readings_kept))
            .bind(to_db(deleted[1]))
            .bind(p.pruned_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        self.pruned(p.epoch).await?.ok_or(StoreError::Corrupt("pruned epoch vanished"))
    }

    /// The record of `epoch`, if its inputs were pruned.
    pub async fn pruned(&self, epoch: u64) -> Result<Option<PrunedEpoch>, StoreError> {
        let row = sqlx::query(
            "SELECT epoch, manifest_hash, readings_deleted, readings_kept, receipts_deleted, \
             pruned_at FROM pruned_epochs WHERE epoch = $1",
        )
        .bind(to_db(epoch))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let hash: Vec<u8> = row.try_get("manifest_hash")?;
        Ok(Some(PrunedEpoch {
            epoch: from_db(row.try_get("epoch")?),
            manifest_hash: hash.try_into().map_err(|_| StoreError::Corrupt("hash length"))?,
            readings_deleted: from_db(row.try_get("readings_deleted")?),
            readings_kept: from_db(row.try_get("readings_kept")?),
            receipts_deleted: from_db(row.try_get("receipts_deleted")?),
            pruned_at: row.try_get("pruned_at")?,
        }))
    }

    /// The oldest epoch of the ledger (the first finalized epoch this oracle followed).
    pub async fn first_ledger_epoch(&self) -> Result<Option<u64>, StoreError> {
        let row = sqlx::query("SELECT epoch FROM ledger ORDER BY epoch ASC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get(0).map(from_db)).transpose().map_err(StoreError::from)
    }
}
