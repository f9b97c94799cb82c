//! Store-and-forward delivery: one task per oracle sends the journal's readings in sequence
//! order from that oracle's cursor, and moves the cursor only over readings the oracle
//! answered for good.
//!
//! At-least-once: a crash between the oracle's answer and the cursor update resends the
//! batch, which the oracle answers `duplicate` (it deduplicates by identity). Per answer:
//! `accepted` / `duplicate` move on; a retryable reject (`unknown_device` while a
//! registration propagates, `rate_limited`, `unavailable`) stops the batch there and retries
//! later, after `Retry-After` when the oracle sent one; any other reject is permanent: it is
//! recorded (`status` shows it) and never retried.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use reqwest::StatusCode;
use serde::Deserialize;
use tokio::sync::watch;

use crate::failpoint;
use crate::journal::{Journal, StoredReading};
use crate::metrics::Metrics;

/// Longest `Retry-After` honoured; a larger value is treated as this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3_600);

pub struct Delivery {
    pub oracle: String,
    pub journal: Arc<Journal>,
    pub device_key: [u8; 32],
    pub http: reqwest::Client,
    pub batch: usize,
    pub retry_min: Duration,
    pub retry_max: Duration,
    pub metrics: Arc<Metrics>,
}

/// The oracle's answer to one item.
#[derive(Debug, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
enum Answer {
    Accepted,
    Duplicate,
    Rejected { reason: String, retryable: bool },
}

#[derive(Debug, Deserialize)]
struct Answers {
    results: Vec<Answer>,
}

/// What one attempt achieved.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing to send.
    Idle,
    /// Progress; send more at once.
    Sent,
    /// Try again after this long (at least the current backoff).
    Retry { after: Option<Duration>, error: String },
    /// The batch was too large for the oracle: halve it.
    TooLarge,
}

impl Delivery {
    /// Runs until `shutdown` turns true; `signed` announces newly committed sequences.
    pub async fn run(self, mut signed: watch::Receiver<u64>, mut shutdown: watch::Receiver<bool>) {
        let mut batch = self.batch.max(1);
        let mut backoff = self.retry_min;
        loop {
            if *shutdown.borrow() {
                return;
            }
            let step = match self.attempt(batch).await {
                Ok(step) => step,
                Err(e) => Step::Retry { after: None, error: format!("journal: {e}") },
            };
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
                    backoff = self.retry_min;
                    tokio::select! {
                        changed = signed.changed() => if changed.is_err() { return },
                        _ = shutdown.changed() => {}
                    }
                    continue;
                }
                Step::Retry { after, error } => {
                    tracing::warn!(oracle = %self.oracle, %error, "delivery failed; will retry");
                    self.metrics.delivery_failed(&self.oracle);
                    if let Err(e) = self.journal.delivery_failed(&self.oracle, &error).await {
                        tracing::error!(error = %e, "cannot record the delivery error");
                    }
                    let wait = after.map_or(backoff, |a| a.min(MAX_RETRY_AFTER).max(backoff));
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

    /// One delivery attempt of up to `batch` readings from the cursor.
    pub async fn attempt(&self, batch: usize) -> Result<Step, crate::journal::JournalError> {
        let from = self.journal.cursor(&self.oracle).await?;
        let readings = self.journal.readings_from(from, batch).await?;
        let Some(last) = readings.last().map(|r| r.sequence) else { return Ok(Step::Idle) };
        let response = match self.post(&readings).await {
            Ok(r) => r,
            Err(error) => return Ok(Step::Retry { after: None, error }),
        };
        let (status, retry_after, body) = response;
        failpoint::hit("after_send");
        match status {
            StatusCode::OK | StatusCode::TOO_MANY_REQUESTS => {}
            StatusCode::PAYLOAD_TOO_LARGE if batch > 1 => return Ok(Step::TooLarge),
            other => {
                let reason = error_text(&body);
                return Ok(Step::Retry {
                    after: retry_after,
                    error: format!("oracle answered {other}: {reason}"),
                });
            }
        }
        let answers = match serde_json::from_slice::<Answers>(&body) {
            Ok(a) if a.results.len() == readings.len() => a,
            _ => {
                return Ok(Step::Retry {
                    after: retry_after,
                    error: "oracle answered an unreadable body".into(),
                })
            }
        };
        let mut next = last.saturating_add(1);
        let mut rejected = Vec::new();
        let mut retry = None;
        for (reading, answer) in readings.iter().zip(answers.results) {
            match answer {
                Answer::Accepted => self.metrics.acknowledged(&self.oracle, true),
                Answer::Duplicate => self.metrics.acknowledged(&self.oracle, false),
                Answer::Rejected { reason, retryable: true } => {
                    next = reading.sequence;
                    retry = Some(format!("reading {} refused for now: {reason}", reading.sequence));
                    break;
                }
                Answer::Rejected { reason, retryable: false } => {
                    tracing::error!(oracle = %self.oracle, sequence = reading.sequence, %reason,
                        "reading permanently rejected; it will not be resent");
                    self.metrics.rejected(&self.oracle, &reason);
                    rejected.push((reading.sequence, reason));
                }
            }
        }
        let now = crate::unix_now();
        self.journal.advance(&self.oracle, next, &rejected, now).await?;
        self.metrics.set_last_ack(&self.oracle, now);
        failpoint::hit("after_ack");
        Ok(match retry {
            Some(error) => Step::Retry { after: retry_after, error },
            None => Step::Sent,
        })
    }

    /// POSTs the readings as binary records; answers status, `Retry-After` and body.
    async fn post(
        &self,
        readings: &[StoredReading],
    ) -> Result<(StatusCode, Option<Duration>, Vec<u8>), String> {
        let mut body = Vec::with_capacity(readings.len() * 177);
        for r in readings {
            body.extend_from_slice(&r.message);
            body.extend_from_slice(&self.device_key);
            body.extend_from_slice(&r.signature);
        }
        let url = format!("{}/v1/readings", self.oracle.trim_end_matches('/'));
        let response = self
            .http
            .post(&url)
            .header(CONTENT_TYPE, "application/octet-stream")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("POST {url}: {e}"))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.map_err(|e| format!("reading the answer: {e}"))?;
        Ok((status, retry_after, body.to_vec()))
    }
}

/// The `error` field of an oracle's error body, or a placeholder.
fn error_text(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(String::from))
        .unwrap_or_else(|| "no reason given".into())
}
