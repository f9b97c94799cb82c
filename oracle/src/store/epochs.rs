//! Epoch close state: snapshots, manifests, the finalized ledger, vote intents and
//! correction documents (migration `0002_epochs.sql`). Every write is one statement or one
//! transaction under the store's write lock, committed before the caller goes on.

use futures_util::TryStreamExt;
use gridmint_protocol::crediting::SignedReading;
use gridmint_protocol::merkle::Hash32;
use sqlx::Row;

use super::rows::{self, from_db, to_db};
use super::{Backend, Store, StoreError};

/// The cumulative state after one finalized epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerRow {
    pub epoch: u64,
    pub manifest_hash: Hash32,
    pub root: Hash32,
    pub cumulative_total: u64,
    /// Sorted by recipient, non-zero amounts only.
    pub leaves: Vec<([u8; 32], u64)>,
}

/// How far a vote got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteStatus {
    /// Written before sending; the transaction may or may not have landed.
    Intent,
    /// Seen on chain.
    Confirmed,
}

impl VoteStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Intent => "intent",
            Self::Confirmed => "confirmed",
        }
    }
}

/// One vote intent (see [`crate::vote`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoteRow {
    pub epoch: u64,
    pub round: u32,
    pub set_version: u32,
    pub vote_hash: Hash32,
    /// Borsh of the `SubmitReportArgs` sent.
    pub report: Vec<u8>,
    pub status: VoteStatus,
    pub signature: Option<String>,
}

/// [`Store::readings_of_epoch_keys`]: `$1` the epoch's end, `$2` the epoch. Ordered by
/// device key (bytes compare as raw bytes in both stores, as in Rust), so a close can credit
/// one key at a time as the rows come. Each row is one column, the reading's 177-byte
/// record (key ‖ message ‖ signature, its Borsh): the driver copies and converts every value
/// of every row, so one column instead of three.
pub(super) fn readings_of_epoch_keys_sql(backend: Backend) -> &'static str {
    match backend {
        // `||` makes TEXT of the bytes in SQLite; the cast gives them back as a BLOB.
        Backend::Sqlite => {
            "SELECT CAST(device_key || message || signature AS BLOB) FROM readings WHERE \
             timestamp < $1 AND device_key IN (SELECT device_key FROM epoch_keys WHERE epoch = \
             $2) ORDER BY device_key"
        }
        Backend::Postgres => {
            "SELECT device_key || message || signature FROM readings WHERE timestamp < $1 AND \
             device_key IN (SELECT device_key FROM epoch_keys WHERE epoch = $2) ORDER BY \
             device_key"
        }
    }
}

/// [`Store::epoch_device_keys`]: `$1` the epoch.
pub(super) const EPOCH_DEVICE_KEYS_SQL: &str =
    "SELECT device_key FROM epoch_keys WHERE epoch = $1 ORDER BY device_key";

fn hash(v: Vec<u8>) -> Result<Hash32, StoreError> {
    v.try_into().map_err(|_| StoreError::Corrupt("hash length"))
}

impl Store {
    /// Every stored reading timestamped before `end` whose device key signed a reading of
    /// `epoch` (`end` being the epoch's end), ordered by device key: the epoch's readings and
    /// their keys' history, which is what crediting reads (§9.3's start boundary and low
    /// counter). A stream: a close credits each key's readings and drops them.
    ///
    /// One statement, so one snapshot: a key whose first reading of the epoch commits
    /// meanwhile is in or out with its whole history; and the epoch's rows are read once,
    /// not once for themselves and again for their keys. The keys are a subquery, not bound
    /// lists: at a million keys, thousands of `IN (…)` statements made PostgreSQL's generic
    /// plan scan the table for each.
    pub fn readings_of_epoch_keys_by_key(
        &self,
        epoch: u64,
        end: i64,
    ) -> impl futures_util::Stream<Item = Result<SignedReading, StoreError>> + Send + '_ {
        sqlx::query(readings_of_epoch_keys_sql(self.backend))
            .bind(end)
            .bind(to_db(epoch))
            .fetch(self.pool())
            .map_err(StoreError::from)
            .and_then(|row| std::future::ready(rows::reading_from_record(&row)))
    }

    /// [`Store::readings_of_epoch_keys_by_key`], collected.
    pub async fn readings_of_epoch_keys(
        &self,
        epoch: u64,
        end: i64,
    ) -> Result<Vec<SignedReading>, StoreError> {
        self.readings_of_epoch_keys_by_key(epoch, end).try_collect().await
    }

    /// The distinct device keys that signed a reading of `epoch`, sorted (`epoch_keys`).
    pub async fn epoch_device_keys(&self, epoch: u64) -> Result<Vec<[u8; 32]>, StoreError> {
        sqlx::query(EPOCH_DEVICE_KEYS_SQL)
            .bind(to_db(epoch))
            .fetch(self.pool())
            .map_err(StoreError::from)
            .and_then(|row| {
                let key: Result<[u8; 32], StoreError> =
                    row.try_get::<Vec<u8>, _>(0).map_err(StoreError::from).and_then(|k| {
                        k.try_into().map_err(|_| StoreError::Corrupt("device key length"))
                    });
                std::future::ready(key)
            })
            .try_collect()
            .await
    }

    /// Stores the snapshot of `epoch` (its encoded bytes) unless one exists; returns the one
    /// kept (the first).
    pub async fn save_snapshot(&self, epoch: u64, body: &[u8]) -> Result<Vec<u8>, StoreError> {
        let inserted = {
            let _guard = self.write.lock().await;
            sqlx::query(
                "INSERT INTO snapshots (epoch, body) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(to_db(epoch))
            .bind(body)
            .execute(self.pool())
            .await?
            .rows_affected()
        };
        // Read back only when another was kept: at a million nodes a snapshot is 130 MB.
        if inserted == 1 {
            return Ok(body.to_vec());
        }
        self.snapshot(epoch).await?.ok_or(StoreError::Corrupt("snapshot vanished"))
    }

    /// The stored snapshot of `epoch`, as saved (`Snapshot::decode` reads it).
    pub async fn snapshot(&self, epoch: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query("SELECT body FROM snapshots WHERE epoch = $1")
            .bind(to_db(epoch))
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    /// Stores a manifest's Borsh bytes under its hash (no-op when held).
    pub async fn save_manifest(
        &self,
        epoch: u64,
        manifest_hash: &Hash32,
        body: &[u8],
    ) -> Result<(), StoreError> {
        let _guard = self.write.lock().await;
        sqlx::query(
            "INSERT INTO manifests (epoch, manifest_hash, body) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(to_db(epoch))
        .bind(manifest_hash.to_vec())
        .bind(body.to_vec())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn manifest(
        &self,
        epoch: u64,
        manifest_hash: &Hash32,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query("SELECT body FROM manifests WHERE epoch = $1 AND manifest_hash = $2")
            .bind(to_db(epoch))
            .bind(manifest_hash.to_vec())
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    /// Records the state after finalized `row.epoch`, replacing any row of that epoch.
    pub async fn save_ledger(&self, row: &LedgerRow) -> Result<(), StoreError> {
        let leaves = borsh::to_vec(&row.leaves).map_err(|_| StoreError::Corrupt("leaves"))?;
        let _guard = self.write.lock().await;
        sqlx::query(
            "INSERT INTO ledger (epoch, manifest_hash, root, cumulative_total, leaves) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (epoch) DO UPDATE SET \
             manifest_hash = excluded.manifest_hash, root = excluded.root, \
             cumulative_total = excluded.cumulative_total, leaves = excluded.leaves",
        )
        .bind(to_db(row.epoch))
        .bind(row.manifest_hash.to_vec())
        .bind(row.root.to_vec())
        .bind(to_db(row.cumulative_total))
        .bind(leaves)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Forgets the finalized state of `epoch` and later (a veto reopened `epoch`).
    pub async fn drop_ledger_from(&self, epoch: u64) -> Result<u64, StoreError> {
        let _guard = self.write.lock().await;
        let done = sqlx::query("DELETE FROM ledger WHERE epoch >= $1")
            .bind(to_db(epoch))
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }

    /// The newest ledger row before `epoch` (all rows when `None`).
    pub async fn ledger_before(&self, epoch: Option<u64>) -> Result<Option<LedgerRow>, StoreError> {
        let bound = epoch.map_or(i64::MAX, to_db);
        let row = sqlx::query(
            "SELECT epoch, manifest_hash, root, cumulative_total, leaves FROM ledger \
             WHERE epoch < $1 ORDER BY epoch DESC LIMIT 1",
        )
        .bind(bound)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| ledger_from_row(&r)).transpose()
    }

    /// The ledger row of `epoch`.
    pub async fn ledger_at(&self, epoch: u64) -> Result<Option<LedgerRow>, StoreError> {
        let row = sqlx::query(
            "SELECT epoch, manifest_hash, root, cumulative_total, leaves FROM ledger \
             WHERE epoch = $1",
        )
        .bind(to_db(epoch))
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| ledger_from_row(&r)).transpose()
    }

    /// The vote intent of `(epoch, round, set_version)`.
    pub async fn vote(
        &self,
        epoch: u64,
        round: u32,
        set_version: u32,
    ) -> Result<Option<VoteRow>, StoreError> {
        let row = sqlx::query(
            "SELECT epoch, round, set_version, vote_hash, report, status, signature FROM votes \
             WHERE epoch = $1 AND round = $2 AND set_version = $3",
        )
        .bind(to_db(epoch))
        .bind(i64::from(round))
        .bind(i64::from(set_version))
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| vote_from_row(&r)).transpose()
    }

    /// The most recent vote intent (highest epoch, then round).
    pub async fn last_vote(&self) -> Result<Option<VoteRow>, StoreError> {
        let row = sqlx::query(
            "SELECT epoch, round, set_version, vote_hash, report, status, signature FROM votes \
             ORDER BY epoch DESC, round DESC, set_version DESC LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| vote_from_row(&r)).transpose()
    }

    /// Writes an intent unless one exists for its key; returns the stored one (the first).
    pub async fn save_vote_intent(&self, vote: &VoteRow) -> Result<VoteRow, StoreError> {
        {
            let _guard = self.write.lock().await;
            sqlx::query(
                "INSERT INTO votes (epoch, round, set_version, vote_hash, report, status, \
                 signature) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            )
            .bind(to_db(vote.epoch))
            .bind(i64::from(vote.round))
            .bind(i64::from(vote.set_version))
            .bind(vote.vote_hash.to_vec())
            .bind(vote.report.clone())
            .bind(vote.status.as_str())
            .bind(vote.signature.clone())
            .execute(self.pool())
            .await?;
        }
        self.vote(vote.epoch, vote.round, vote.set_version)
            .await?
            .ok_or(StoreError::Corrupt("vote vanished"))
    }

    /// Marks an intent confirmed (with the signature when known).
    pub async fn confirm_vote(
        &self,
        epoch: u64,
        round: u32,
        set_version: u32,
        signature: Option<String>,
    ) -> Result<(), StoreError> {
        let _guard = self.write.lock().await;
        sqlx::query(
            "UPDATE votes SET status = $4, signature = COALESCE($5, signature) \
             WHERE epoch = $1 AND round = $2 AND set_version = $3",
        )
        .bind(to_db(epoch))
        .bind(i64::from(round))
        .bind(i64::from(set_version))
        .bind(VoteStatus::Confirmed.as_str())
        .bind(signature)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Stores a correction document under its hash (the caller checked the hash).
    pub async fn save_correction(&self, hash: &Hash32, body: &[u8]) -> Result<(), StoreError> {
        let _guard = self.write.lock().await;
        sqlx::query("INSERT INTO corrections (hash, body) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(hash.to_vec())
            .bind(body.to_vec())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn correction(&self, hash: &Hash32) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query("SELECT body FROM corrections WHERE hash = $1")
            .bind(hash.to_vec())
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    /// Remembers the reason of the `veto_count`-th veto of `epoch`.
    pub async fn save_veto_reason(
        &self,
        epoch: u64,
        veto_count: u32,
        reason: &Hash32,
    ) -> Result<(), StoreError> {
        let _guard = self.write.lock().await;
        sqlx::query(
            "INSERT INTO veto_reasons (epoch, veto_count, reason) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(to_db(epoch))
        .bind(i64::from(veto_count))
        .bind(reason.to_vec())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The veto reasons of `epoch` seen so far, in veto order.
    pub async fn veto_reasons(&self, epoch: u64) -> Result<Vec<Hash32>, StoreError> {
        let rows =
            sqlx::query("SELECT reason FROM veto_reasons WHERE epoch = $1 ORDER BY veto_count ASC")
                .bind(to_db(epoch))
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(|r| hash(r.try_get(0)?)).collect()
    }
}

fn ledger_from_row(row: &sqlx::any::AnyRow) -> Result<LedgerRow, StoreError> {
    let leaves: Vec<u8> = row.try_get("leaves")?;
    Ok(LedgerRow {
        epoch: from_db(row.try_get("epoch")?),
        manifest_hash: hash(row.try_get("manifest_hash")?)?,
        root: hash(row.try_get("root")?)?,
        cumulative_total: from_db(row.try_get("cumulative_total")?),
        leaves: borsh::from_slice(&leaves).map_err(|_| StoreError::Corrupt("leaves"))?,
    })
}

fn vote_from_row(row: &sqlx::any::AnyRow) -> Result<VoteRow, StoreError> {
    let small = |name: &str| -> Result<u32, StoreError> {
        let v: i64 = row.try_get(name)?;
        u32::try_from(v).map_err(|_| StoreError::Corrupt("round or set version"))
    };
    let status: String = row.try_get("status")?;
    Ok(VoteRow {
        epoch: from_db(row.try_get("epoch")?),
        round: small("round")?,
        set_version: small("set_version")?,
        vote_hash: hash(row.try_get("vote_hash")?)?,
        report: row.try_get("report")?,
        status: match status.as_str() {
            "intent" => VoteStatus::Intent,
            "confirmed" => VoteStatus::Confirmed,
            _ => return Err(StoreError::Corrupt("vote status")),
        },
        signature: row.try_get("signature")?,
    })
}
