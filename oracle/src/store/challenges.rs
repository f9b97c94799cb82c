//! Store side of compute challenges (migration `0006_challenges.sql`): answers with their
//! openings and oracle attestations, keyed by identity (§10.8), read per epoch.
//!
//! An answer received from its device and this oracle's attestation of it are written in
//! one transaction, so an answer answered `accepted` is never stored unattested by a voting
//! oracle, and a resent answer gets back the attestation signed the first time.

use gridmint_protocol::challenge::answer::{ChallengeAnswer, SignedAnswer};
use gridmint_protocol::challenge::attestation::{Attestation, SignedAttestation};
use gridmint_protocol::merkle::Hash32;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::rows::to_db;
use super::{inserted, Inserted, Store, StoreError};

/// A checked answer ready to insert, with the columns derived from its message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAnswer {
    pub identity: Hash32,
    pub epoch: u64,
    pub node_id: u64,
    pub challenge_id: Hash32,
    pub signed: SignedAnswer,
}

impl NewAnswer {
    /// The row for `signed` if its message decodes.
    pub fn new(signed: SignedAnswer) -> Option<Self> {
        let m = ChallengeAnswer::decode(&signed.message).ok()?;
        Some(Self {
            identity: signed.identity(),
            epoch: m.epoch,
            node_id: m.node_id,
            challenge_id: m.challenge_id,
            signed,
        })
    }
}

/// A checked attestation ready to insert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewAttestation {
    pub identity: Hash32,
    pub epoch: u64,
    pub challenge_id: Hash32,
    pub answer_id: Hash32,
    pub signed: SignedAttestation,
}

impl NewAttestation {
    /// The row for `signed` if its message decodes.
    pub fn new(signed: SignedAttestation) -> Option<Self> {
        let m = Attestation::decode(&signed.message).ok()?;
        Some(Self {
            identity: signed.identity(),
            epoch: m.epoch,
            challenge_id: m.challenge_id,
            answer_id: m.answer_id,
            signed,
        })
    }
}

/// One answer received from its device: the answer, and the attestation this oracle signed
/// at receipt (`None`: a watch-only oracle, or an answer pulled from a peer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    pub answer: NewAnswer,
    pub attestation: Option<NewAttestation>,
}

impl Store {
    /// Inserts each answer and, for those carrying one, this oracle's attestation of it, in
    /// one transaction. Per item: whether the answer is new, and the attestation of it by the
    /// item's attesting key now stored (the one signed the first time, for a resent answer)
    /// with whether it is the item's, newly stored.
    pub async fn receive_answers(
        &self,
        items: &[Received],
        received_at: i64,
    ) -> Result<Vec<(Inserted, Option<(SignedAttestation, Inserted)>)>, StoreError> {
        let _guard = self.write.lock().await;
        let mut tx = self.pool.begin().await?;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let done = insert_answer(&mut tx, &item.answer, received_at).await?;
            let attestation = match &item.attestation {
                Some(new) => Some(attest_once(&mut tx, new).await?),
                None => None,
            };
            out.push((done, attestation));
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Inserts attestations (pulled from peers, or presence attestations) in one transaction.
    pub async fn insert_attestations(
        &self,
        items: &[NewAttestation],
    ) -> Result<Vec<Inserted>, StoreError> {
        let _guard = self.write.lock().await;
        let mut tx = self.pool.begin().await?;
        let mut out = Vec::with_capacity(items.len());
        for a in items {
            out.push(insert_attestation(&mut tx, a).await?);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Every stored answer of `epoch`, sorted by identity.
    pub async fn epoch_answers(&self, epoch: u64) -> Result<Vec<SignedAnswer>, StoreError> {
        let rows = sqlx::query(
            "SELECT device_key, message, signature, opening FROM challenge_answers \
             WHERE epoch = $1 ORDER BY identity",
        )
        .bind(to_db(epoch))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(answer_from_row).collect()
    }

    /// Up to `limit` stored answers of `epoch` with an identity above `after`, sorted by
    /// identity (pages for peers: an epoch's answers can exceed one response).
    pub async fn epoch_answers_after(
        &self,
        epoch: u64,
        after: Option<&Hash32>,
        limit: u32,
    ) -> Result<Vec<SignedAnswer>, StoreError> {
        let rows = sqlx::query(
            "SELECT device_key, message, signature, opening FROM challenge_answers \
             WHERE epoch = $1 AND identity > $2 ORDER BY identity LIMIT $3",
        )
        .bind(to_db(epoch))
        .bind(after.map_or_else(Vec::new, |a| a.to_vec()))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(answer_from_row).collect()
    }

    /// [`Store::epoch_answers_after`] for attestations.
    pub async fn epoch_attestations_after(
        &self,
        epoch: u64,
        after: Option<&Hash32>,
        limit: u32,
    ) -> Result<Vec<SignedAttestation>, StoreError> {
        let rows = sqlx::query(
            "SELECT oracle_key, message, signature FROM challenge_attestations \
             WHERE epoch = $1 AND identity > $2 ORDER BY identity LIMIT $3",
        )
        .bind(to_db(epoch))
        .bind(after.map_or_else(Vec::new, |a| a.to_vec()))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(attestation_from_row).collect()
    }

    /// Every stored attestation of `epoch`, sorted by identity.
    pub async fn epoch_attestations(
        &self,
        epoch: u64,
    ) -> Result<Vec<SignedAttestation>, StoreError> {
        let rows = sqlx::query(
            "SELECT oracle_key, message, signature FROM challenge_attestations \
             WHERE epoch = $1 ORDER BY identity",
        )
        .bind(to_db(epoch))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(attestation_from_row).collect()
    }

    /// Whether any answer to the challenge is stored.
    pub async fn holds_answer(
        &self,
        epoch: u64,
        challenge_id: &Hash32,
    ) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT identity FROM challenge_answers WHERE epoch = $1 AND challenge_id = $2 \
             LIMIT 1",
        )
        .bind(to_db(epoch))
        .bind(challenge_id.to_vec())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Whether `oracle_key` signed any stored attestation naming the challenge.
    pub async fn has_attested(
        &self,
        epoch: u64,
        challenge_id: &Hash32,
        oracle_key: &[u8; 32],
    ) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT identity FROM challenge_attestations WHERE epoch = $1 AND challenge_id = $2 \
             AND oracle_key = $3 LIMIT 1",
        )
        .bind(to_db(epoch))
        .bind(challenge_id.to_vec())
        .bind(oracle_key.to_vec())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }
}

async fn insert_answer(
    tx: &mut Transaction<'_, Any>,
    a: &NewAnswer,
    received_at: i64,
) -> Result<Inserted, StoreError> {
    let done = sqlx::query(
        "INSERT INTO challenge_answers (identity, epoch, device_key, node_id, challenge_id, \
         message, signature, opening, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (identity) DO NOTHING",
    )
    .bind(a.identity.to_vec())
    .bind(to_db(a.epoch))
    .bind(a.signed.device_key.to_vec())
    .bind(to_db(a.node_id))
    .bind(a.challenge_id.to_vec())
    .bind(a.signed.message.to_vec())
    .bind(a.signed.signature.to_vec())
    .bind(a.signed.opening.clone())
    .bind(received_at)
    .execute(&mut **tx)
    .await?;
    Ok(inserted(done.rows_affected()))
}

async fn insert_attestation(
    tx: &mut Transaction<'_, Any>,
    a: &NewAttestation,
) -> Result<Inserted, StoreError> {
    let done = sqlx::query(
        "INSERT INTO challenge_attestations (identity, epoch, challenge_id, oracle_key, \
         message, signature) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (identity) DO NOTHING",
    )
    .bind(a.identity.to_vec())
    .bind(to_db(a.epoch))
    .bind(a.challenge_id.to_vec())
    .bind(a.signed.oracle_key.to_vec())
    .bind(a.signed.message.to_vec())
    .bind(a.signed.signature.to_vec())
    .execute(&mut **tx)
    .await?;
    Ok(inserted(done.rows_affected()))
}

/// The stored attestation of `new`'s answer by `new`'s key (`Duplicate`), or `new` once
/// inserted: one receipt attestation per answer and oracle (the first receipt's time).
async fn attest_once(
    tx: &mut Transaction<'_, Any>,
    new: &NewAttestation,
) -> Result<(SignedAttestation, Inserted), StoreError> {
    let rows = sqlx::query(
        "SELECT oracle_key, message, signature FROM challenge_attestations WHERE epoch = $1 \
         AND challenge_id = $2 AND oracle_key = $3 ORDER BY identity",
    )
    .bind(to_db(new.epoch))
    .bind(new.challenge_id.to_vec())
    .bind(new.signed.oracle_key.to_vec())
    .fetch_all(&mut **tx)
    .await?;
    for row in &rows {
        let stored = attestation_from_row(row)?;
        let same_answer = Attestation::decode(&stored.message)
            .map_err(|_| StoreError::Corrupt("stored attestation does not decode"))?
            .answer_id
            == new.answer_id;
        if same_answer {
            return Ok((stored, Inserted::Duplicate));
        }
    }
    Ok((new.signed, insert_attestation(tx, new).await?))
}

fn bytes<const N: usize>(row: &AnyRow, column: &str) -> Result<[u8; N], StoreError> {
    let v: Vec<u8> = row.try_get(column)?;
    v.try_into().map_err(|_| StoreError::Corrupt("column has the wrong length"))
}

fn answer_from_row(row: &AnyRow) -> Result<SignedAnswer, StoreError> {
    Ok(SignedAnswer {
        device_key: bytes(row, "device_key")?,
        message: bytes(row, "message")?,
        signature: bytes(row, "signature")?,
        opening: row.try_get("opening")?,
    })
}

fn attestation_from_row(row: &AnyRow) -> Result<SignedAttestation, StoreError> {
    Ok(SignedAttestation {
        oracle_key: bytes(row, "oracle_key")?,
        message: bytes(row, "message")?,
        signature: bytes(row, "signature")?,
    })
}
