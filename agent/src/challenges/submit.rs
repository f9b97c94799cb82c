//! Sending a stored answer to one oracle (`POST /v1/challenges/answers`, JSON:
//! `{"device_key", "message", "signature", "opening"}`), until the oracle answers it for good
//! (`accepted`, `duplicate`, or a permanent rejection) or the challenge's deadline passes:
//! an answer an oracle receives after the deadline cannot be attested on time (§10.7), so
//! there is no point in sending it then.

use std::time::Duration;

use base64::Engine;
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use reqwest::StatusCode;
use serde::Deserialize;
use tokio::sync::watch;

use super::Responder;
use crate::journal::StoredAnswer;
use crate::unix_now;

/// The oracle's answer to one item (the readings shape, plus an attestation).
#[derive(Debug, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
enum ItemAnswer {
    Accepted {
        #[serde(default)]
        attestation: Option<serde_json::Value>,
    },
    Duplicate {
        #[serde(default)]
        attestation: Option<serde_json::Value>,
    },
    Rejected {
        reason: String,
        retryable: bool,
    },
}

#[derive(Debug, Deserialize)]
struct Answers {
    results: Vec<ItemAnswer>,
}

/// What one attempt achieved.
#[derive(Debug, PartialEq, Eq)]
pub enum Sent {
    /// The oracle's last word: `accepted`, `duplicate` or `rejected:<reason>`, with its
    /// attestation JSON when it sent one.
    Final { outcome: String, attestation: Option<String> },
    /// Try again (after `after` if the oracle said so).
    Retry { after: Option<Duration>, error: String },
}

/// The JSON body of one answer.
pub fn body(device_key: &[u8; 32], answer: &StoredAnswer) -> serde_json::Value {
    let b64 = base64::engine::general_purpose::STANDARD;
    serde_json::json!({
        "device_key": bs58::encode(device_key).into_string(),
        "message": b64.encode(&answer.message),
        "signature": bs58::encode(&answer.signature).into_string(),
        "opening": b64.encode(&answer.opening),
    })
}

impl Responder {
    /// One POST of `answer` to `oracle`.
    pub async fn send_once(&self, oracle: &str, answer: &StoredAnswer) -> Sent {
        let url = format!("{oracle}/v1/challenges/answers");
        let json = body(&self.device_key(), answer).to_string();
        let request = self.http.post(&url).header(CONTENT_TYPE, "application/json").body(json);
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Sent::Retry { after: None, error: format!("POST {url}: {e}") },
        };
        let status = response.status();
        let after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return Sent::Retry { after, error: format!("POST {url}: {e}") },
        };
        if status == StatusCode::BAD_REQUEST || status == StatusCode::PAYLOAD_TOO_LARGE {
            // The oracle says the request itself is wrong: resending the same bytes won't help.
            let reason = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(String::from))
                .unwrap_or_default();
            let outcome = format!("rejected:http_{} {reason}", status.as_u16());
            return Sent::Final { outcome, attestation: None };
        }
        if status != StatusCode::OK && status != StatusCode::TOO_MANY_REQUESTS {
            return Sent::Retry { after, error: format!("POST {url}: oracle answered {status}") };
        }
        let item = serde_json::from_slice::<Answers>(&bytes)
            .ok()
            .and_then(|a| a.results.into_iter().next());
        match item {
            Some(ItemAnswer::Accepted { attestation }) => Sent::Final {
                outcome: "accepted".into(),
                attestation: attestation.map(|a| a.to_string()),
            },
            Some(ItemAnswer::Duplicate { attestation }) => Sent::Final {
                outcome: "duplicate".into(),
                attestation: attestation.map(|a| a.to_string()),
            },
            Some(ItemAnswer::Rejected { reason, retryable: false }) => {
                Sent::Final { outcome: format!("rejected:{reason}"), attestation: None }
            }
            Some(ItemAnswer::Rejected { reason, retryable: true }) => {
                Sent::Retry { after, error: format!("refused for now: {reason}") }
            }
            None => Sent::Retry { after, error: format!("POST {url}: unreadable answer") },
        }
    }

    /// Sends `answer` to `oracle` until it answers for good, the deadline passes or the
    /// agent stops; records the final answer in the journal.
    pub async fn deliver_to(
        &self,
        oracle: &str,
        answer: &StoredAnswer,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut backoff = self.retry_min;
        loop {
            if *shutdown.borrow() {
                return;
            }
            let left = answer.deadline.saturating_sub(self.time.now());
            if left <= 0 {
                tracing::warn!(%oracle, epoch = answer.epoch, beacon = answer.beacon_index,
                    "deadline passed before this oracle took the answer");
                self.metrics.answer_delivery(oracle, "expired");
                return;
            }
            let wait = match self.send_once(oracle, answer).await {
                Sent::Final { outcome, attestation } => {
                    let at = unix_now();
                    let recorded = self
                        .journal
                        .answer_delivered(
                            &answer.challenge_id,
                            oracle,
                            &outcome,
                            attestation.as_deref(),
                            at,
                        )
                        .await;
                    if let Err(e) = recorded {
                        tracing::error!(error = %e, "cannot record the oracle's answer");
                    }
                    if outcome.starts_with("rejected") {
                        tracing::error!(%oracle, %outcome, epoch = answer.epoch,
                            beacon = answer.beacon_index, "challenge answer rejected for good");
                    }
                    let label = outcome.split(':').next().unwrap_or("rejected").to_string();
                    self.metrics.answer_delivery(oracle, &label);
                    return;
                }
                Sent::Retry { after, error } => {
                    tracing::warn!(%oracle, %error, "challenge answer not delivered; will retry");
                    let wait = after.map_or(backoff, |a| a.max(backoff));
                    backoff = (backoff * 2).min(self.retry_max);
                    wait
                }
            };
            // Never sleep past the deadline: one last try just before it is still useful.
            let left = Duration::from_secs(u64::try_from(left).unwrap_or(0));
            tokio::select! {
                () = tokio::time::sleep(wait.min(left)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}
