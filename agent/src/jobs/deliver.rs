//! Store-and-forward of co-signed receipts: one task per oracle sends the journal's
//! co-signed receipts that oracle has not answered for good to its `POST /v1/receipts`
//! (JSON array, the oracle's ingest format), like readings: `accepted` / `duplicate` and
//! permanent rejections are recorded and never resent; a retryable rejection or a failure
//! retries after `Retry-After` or an exponential backoff.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use reqwest::StatusCode;
use serde::Deserialize;
use tokio::sync::watch;

use gridmint_sdk::requester::ReceiptJson;

use crate::journal::{Journal, StoredReceipt};
use crate::metrics::Metrics;
use crate::unix_now;

pub struct ReceiptDelivery {
    pub oracle: String,
    pub journal: Arc<Journal>,
    pub device_key: [u8; 32],
    pub http: reqwest::Client,
    pub batch: usize,
    pub retry_min: Duration,
    pub retry_max: Duration,
    pub metrics: Arc<Metrics>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
enum ItemAnswer {
    Accepted,
    Duplicate,
    Rejected { reason: String, retryable: bool },
}

#[derive(Debug, Deserialize)]
struct Answers {
    results: Vec<ItemAnswer>,
}

/// What one attempt achieved.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    Idle,
    Sent,
    Retry { after: Option<Duration>, error: String },
    TooLarge,
}

fn json_of(device_key: [u8; 32], r: &StoredReceipt) -> Option<ReceiptJson> {
    let signed = gridmint_protocol::crediting::SignedReceipt {
        device_key,
        message: r.message.as_slice().try_into().ok()?,
        device_signature: r.device_signature.as_slice().try_into().ok()?,
        requester_signature: r.requester_signature.as_deref()?.try_into().ok()?,
    };
    Some(ReceiptJson::from_receipt(&signed))
}

impl ReceiptDelivery {
    /// Runs until `shutdown`; `cosigned` announces newly co-signed receipts.
    pub async fn run(
        self,
        mut cosigned: watch::Receiver<u64>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut batch = self.batch.max(1);
        let mut backoff = self.retry_min;
        loop {
            if *shutdown.borrow() {
                return;
            }
            let step = self
                .attempt(batch)
                .await
                .unwrap_or_else(|e| Step::Retry { after: None, error: format!("journal: {e}") });
            let wait = match step {
                Step::Sent => {
                    backoff = self.retry_min;
                    continue;
                }
                Step::TooLarge => {
                    batch = (batch / 2).max(1);
                    continue;
                }
                Step::Idle => {
                    tokio::select! {
                        changed = cosigned.changed() => if changed.is_err() { return },
                        _ = shutdown.changed() => {}
                    }
                    continue;
                }
                Step::Retry { after, error } => {
                    tracing::warn!(oracle = %self.oracle, %error, "receipt delivery failed; will retry");
                    let wait =
                        after.map_or(backoff, |a| a.min(Duration::from_secs(3_600)).max(backoff));
                    backoff = (backoff * 2).min(self.retry_max);
                    wait
                }
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// One POST of up to `batch` receipts.
    pub async fn attempt(&self, batch: usize) -> Result<Step, crate::journal::JournalError> {
        let receipts = self.journal.undelivered_receipts(&self.oracle, batch).await?;
        if receipts.is_empty() {
            return Ok(Step::Idle);
        }
        let body: Vec<ReceiptJson> =
            receipts.iter().filter_map(|r| json_of(self.device_key, r)).collect();
        let url = format!("{}/v1/receipts", self.oracle);
        let json = serde_json::to_vec(&body).unwrap_or_default();
        let request = self.http.post(&url).header(CONTENT_TYPE, "application/json").body(json);
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Ok(Step::Retry { after: None, error: format!("POST {url}: {e}") }),
        };
        let status = response.status();
        let after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = response.bytes().await.unwrap_or_default();
        match status {
            StatusCode::OK | StatusCode::TOO_MANY_REQUESTS => {}
            StatusCode::PAYLOAD_TOO_LARGE if batch > 1 => return Ok(Step::TooLarge),
            other => {
                return Ok(Step::Retry {
                    after,
                    error: format!("POST {url}: oracle answered {other}"),
                })
            }
        }
        let answers = match serde_json::from_slice::<Answers>(&bytes) {
            Ok(a) if a.results.len() == body.len() && body.len() == receipts.len() => a.results,
            _ => return Ok(Step::Retry { after, error: format!("POST {url}: unreadable answer") }),
        };
        let now = unix_now();
        for (r, answer) in receipts.iter().zip(answers) {
            let outcome = match answer {
                ItemAnswer::Accepted => "accepted".to_string(),
                ItemAnswer::Duplicate => "duplicate".to_string(),
                ItemAnswer::Rejected { reason, retryable: true } => {
                    let error = format!("receipt of job {} refused for now: {reason}", r.job_id);
                    return Ok(Step::Retry { after, error });
                }
                ItemAnswer::Rejected { reason, retryable: false } => {
                    tracing::error!(oracle = %self.oracle, job_id = r.job_id, %reason,
                        "receipt permanently rejected; it will not be resent");
                    format!("rejected:{reason}")
                }
            };
            self.journal
                .receipt_delivered(&r.requester, r.job_id, &self.oracle, &outcome, now)
                .await?;
            self.metrics
                .receipt_delivery(&self.oracle, outcome.split(':').next().unwrap_or("rejected"));
        }
        Ok(Step::Sent)
    }
}
