//! The newest close summary of each epoch, as JSON (migration `0004_closes.sql`): the leader
//! writes it whenever it publishes a result, and every replica of the oracle serves it at
//! `GET /v1/epochs/{e}/close`, so peers reach the result through any replica.

use sqlx::Row;

use super::rows::to_db;
use super::{Store, StoreError};

impl Store {
    /// Records `summary` as the newest close of `epoch`, replacing the one before.
    pub async fn save_close_summary(&self, epoch: u64, summary: &str) -> Result<(), StoreError> {
        let _guard = self.write.lock().await;
        sqlx::query(
            "INSERT INTO closes (epoch, summary) VALUES ($1, $2) \
             ON CONFLICT (epoch) DO UPDATE SET summary = excluded.summary",
        )
        .bind(to_db(epoch))
        .bind(summary.to_string())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The newest close summary of `epoch`, if one was published.
    pub async fn close_summary(&self, epoch: u64) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT summary FROM closes WHERE epoch = $1")
            .bind(to_db(epoch))
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }
}
