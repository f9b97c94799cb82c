//! Challenge answers in the journal: at most one per challenge, ever, and per oracle the
//! oracle's last word on it.

use sqlx::Row;

use super::{Journal, JournalError};

/// One signed answer as stored and sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAnswer {
    pub challenge_id: [u8; 32],
    pub epoch: u64,
    pub beacon_index: u16,
    pub deadline: i64,
    pub message: Vec<u8>,
    pub signature: Vec<u8>,
    pub opening: Vec<u8>,
}

fn answer_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<StoredAnswer, JournalError> {
    let id: Vec<u8> = row.try_get(0)?;
    let beacon_index: i64 = row.try_get(2)?;
    Ok(StoredAnswer {
        challenge_id: id.try_into().map_err(|_| JournalError::Corrupt("challenge id"))?,
        epoch: super::from_db(row.try_get(1)?),
        beacon_index: u16::try_from(beacon_index)
            .map_err(|_| JournalError::Corrupt("beacon index"))?,
        deadline: row.try_get(3)?,
        message: row.try_get(4)?,
        signature: row.try_get(5)?,
        opening: row.try_get(6)?,
    })
}

/// The columns [`answer_from_row`] reads, in order.
macro_rules! columns {
    () => {
        "challenge_id, epoch, beacon_index, deadline, message, signature, opening"
    };
}

impl Journal {
    /// The stored answer to `challenge_id`, if the device ever signed one.
    pub async fn answer(
        &self,
        challenge_id: &[u8; 32],
    ) -> Result<Option<StoredAnswer>, JournalError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM challenge_answers WHERE challenge_id = ?"
        ))
        .bind(challenge_id.to_vec())
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(answer_from_row).transpose()
    }

    /// Stores `answer` unless one to its challenge is stored already, and answers the stored
    /// one: the first answer ever committed is the only one that may leave.
    pub async fn keep_answer(
        &self,
        answer: &StoredAnswer,
        at: i64,
    ) -> Result<StoredAnswer, JournalError> {
        sqlx::query(
            "INSERT INTO challenge_answers (challenge_id, epoch, beacon_index, deadline, \
             message, signature, opening, signed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (challenge_id) DO NOTHING",
        )
        .bind(answer.challenge_id.to_vec())
        .bind(super::to_db(answer.epoch))
        .bind(i64::from(answer.beacon_index))
        .bind(answer.deadline)
        .bind(&answer.message)
        .bind(&answer.signature)
        .bind(&answer.opening)
        .bind(at)
        .execute(self.pool())
        .await?;
        self.answer(&answer.challenge_id)
            .await?
            .ok_or(JournalError::Corrupt("answer vanished after insert"))
    }

    /// Answers whose deadline is after `now`, oldest deadline first (to resume delivery).
    pub async fn open_answers(&self, now: i64) -> Result<Vec<StoredAnswer>, JournalError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM challenge_answers WHERE deadline > ? ORDER BY deadline"
        ))
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(answer_from_row).collect()
    }

    /// Records `oracle`'s final answer to the delivery of `challenge_id`.
    pub async fn answer_delivered(
        &self,
        challenge_id: &[u8; 32],
        oracle: &str,
        outcome: &str,
        attestation: Option<&str>,
        at: i64,
    ) -> Result<(), JournalError> {
        sqlx::query(
            "INSERT INTO challenge_deliveries (challenge_id, oracle, outcome, attestation, at) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (challenge_id, oracle) DO UPDATE SET \
             outcome = excluded.outcome, attestation = excluded.attestation, at = excluded.at",
        )
        .bind(challenge_id.to_vec())
        .bind(oracle)
        .bind(outcome)
        .bind(attestation)
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// `(oracle, outcome)` of every oracle that gave its final answer on `challenge_id`.
    pub async fn answer_deliveries(
        &self,
        challenge_id: &[u8; 32],
    ) -> Result<Vec<(String, String)>, JournalError> {
        let rows = sqlx::query(
            "SELECT oracle, outcome FROM challenge_deliveries WHERE challenge_id = ? \
             ORDER BY oracle",
        )
        .bind(challenge_id.to_vec())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    /// Deletes answers (and their delivery records) whose deadline is before `before`. Safe
    /// once a deadline has passed: nothing is ever signed for a challenge after its deadline.
    pub async fn prune_answers(&self, before: i64) -> Result<u64, JournalError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "DELETE FROM challenge_deliveries WHERE challenge_id IN \
             (SELECT challenge_id FROM challenge_answers WHERE deadline < ?)",
        )
        .bind(before)
        .execute(&mut *tx)
        .await?;
        let gone = sqlx::query("DELETE FROM challenge_answers WHERE deadline < ?")
            .bind(before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(gone)
    }

    /// `(epoch, beacon index, oracles that took it)` of the stored answers, newest first.
    pub async fn answer_summary(&self, limit: usize) -> Result<Vec<(u64, u16, u64)>, JournalError> {
        let rows = sqlx::query(
            "SELECT a.epoch, a.beacon_index, (SELECT COUNT(*) FROM challenge_deliveries d \
             WHERE d.challenge_id = a.challenge_id AND d.outcome IN ('accepted', 'duplicate')) \
             FROM challenge_answers a ORDER BY a.deadline DESC LIMIT ?",
        )
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let index: i64 = r.try_get(1)?;
                let took: i64 = r.try_get(2)?;
                Ok((
                    super::from_db(r.try_get(0)?),
                    u16::try_from(index).map_err(|_| JournalError::Corrupt("beacon index"))?,
                    u64::try_from(took).map_err(|_| JournalError::Corrupt("negative count"))?,
                ))
            })
            .collect()
    }
}
