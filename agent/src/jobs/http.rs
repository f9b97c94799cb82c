//! `POST /v1/jobs` and `POST /v1/receipts` on the agent's listener.
//!
//! - `/v1/jobs` `{"requester", "job_id", "job"}` runs the job (one at a time) and answers
//!   `{"receipt": {…, "requester_signature": ""}, "work_units", "output_hash", "output"?}`
//!   with the device-signed receipt; asked again for the same requester and job id it answers
//!   the stored receipt (`"repeated": true`) without running anything.
//! - `/v1/receipts` takes the co-signed receipt back: it must be exactly the receipt this
//!   device signed, with a valid requester signature; it is journaled, then delivered to
//!   every oracle. Errors are `{"error": "..."}` saying what to fix.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use gridmint_protocol::crediting::signatures::verify_receipt;
use gridmint_protocol::crediting::SignedReceipt;
use gridmint_protocol::messages::WorkReceipt;
use gridmint_sdk::requester::ReceiptJson;
use serde_json::json;
use solana_keypair::Keypair;
use solana_signer::Signer as _;
use tokio::sync::{watch, Semaphore};

use super::run::{run, JobError};
use super::{JobRequest, JobSpec, JobsConfig};
use crate::journal::{Journal, Owner, StoredReceipt};
use crate::metrics::Metrics;
use crate::unix_now;

#[derive(Clone)]
pub struct JobsState {
    pub journal: Arc<Journal>,
    pub key: Arc<Keypair>,
    pub owner: Owner,
    pub config: Arc<JobsConfig>,
    pub metrics: Arc<Metrics>,
    /// Bumped when a co-signed receipt is journaled (wakes the deliveries).
    pub cosigned: Arc<watch::Sender<u64>>,
    /// One job at a time: jobs compete with challenges for the same cores.
    pub running: Arc<Semaphore>,
}

pub fn router(state: JobsState) -> Router {
    Router::new()
        .route("/v1/jobs", post(jobs))
        .route("/v1/receipts", post(receipts))
        .with_state(state)
}

fn error(status: StatusCode, text: impl Into<String>) -> Response {
    (status, Json(json!({"error": text.into()}))).into_response()
}

fn signed_of(stored: &StoredReceipt, device_key: [u8; 32]) -> Option<SignedReceipt> {
    let requester_signature = match &stored.requester_signature {
        Some(s) => s.as_slice().try_into().ok()?,
        None => [0u8; 64],
    };
    Some(SignedReceipt {
        device_key,
        message: stored.message.as_slice().try_into().ok()?,
        device_signature: stored.device_signature.as_slice().try_into().ok()?,
        requester_signature,
    })
}

fn kind(spec: &JobSpec) -> &'static str {
    match spec {
        JobSpec::Kernel(_) => "kernel",
        JobSpec::Command(_) => "command",
    }
}

async fn jobs(
    State(s): State<JobsState>,
    body: Result<Json<JobRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(request) = match body {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("body: {e}")),
    };
    let Some(requester) =
        bs58::decode(&request.requester).into_vec().ok().and_then(|v| <[u8; 32]>::try_from(v).ok())
    else {
        return error(StatusCode::BAD_REQUEST, "requester is not a base58 public key");
    };
    if !s.config.allows(&request.requester) {
        return error(StatusCode::FORBIDDEN, "this requester is not in the node's jobs.requesters");
    }
    let device_key = s.owner.device_key;
    let _permit = match s.running.acquire().await {
        Ok(p) => p,
        Err(_) => return error(StatusCode::SERVICE_UNAVAILABLE, "the agent is stopping"),
    };
    match s.journal.receipt(&requester, request.job_id).await {
        Ok(Some(stored)) => {
            return match signed_of(&stored, device_key) {
                Some(r) => {
                    Json(json!({"receipt": ReceiptJson::from_receipt(&r), "repeated": true}))
                        .into_response()
                }
                None => error(StatusCode::INTERNAL_SERVER_ERROR, "stored receipt is corrupt"),
            }
        }
        Ok(None) => {}
        Err(e) => return error(StatusCode::SERVICE_UNAVAILABLE, format!("journal: {e}")),
    }
    let finished = match run(&s.config, &request.job, &requester, request.job_id).await {
        Ok(f) => f,
        Err(e) => {
            s.metrics.job(kind(&request.job), "failed");
            let status = match &e {
                JobError::KernelTooLarge { .. } | JobError::UnknownCommand(_) => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            return error(status, e.to_string());
        }
    };
    let receipt = WorkReceipt {
        deployment: s.owner.deployment,
        node_id: s.owner.node_id,
        job_id: request.job_id,
        requester,
        work_units: finished.work_units,
        started_at: finished.started_at,
        finished_at: finished.finished_at,
        output_hash: finished.output_hash,
    };
    let message = receipt.encode();
    let signature = s.key.sign_message(&message);
    let candidate = StoredReceipt {
        requester,
        job_id: request.job_id,
        message: message.to_vec(),
        device_signature: signature.as_ref().to_vec(),
        requester_signature: None,
    };
    // Committed before it leaves: the device never signs two receipts for one job.
    let stored = match s.journal.keep_receipt(&candidate, unix_now()).await {
        Ok(stored) => stored,
        Err(e) => return error(StatusCode::SERVICE_UNAVAILABLE, format!("journal: {e}")),
    };
    let Some(signed) = signed_of(&stored, device_key) else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "stored receipt is corrupt");
    };
    s.metrics.job(kind(&request.job), "done");
    let b64 = base64::engine::general_purpose::STANDARD;
    let hex: String = finished.output_hash.iter().map(|b| format!("{b:02x}")).collect();
    let mut answer = json!({
        "receipt": ReceiptJson::from_receipt(&signed),
        "work_units": finished.work_units,
        "output_hash": hex,
    });
    if let Some(output) = finished.output {
        answer["output"] = json!(b64.encode(output));
    }
    Json(answer).into_response()
}

async fn receipts(
    State(s): State<JobsState>,
    body: Result<Json<ReceiptJson>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(json) = match body {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("body: {e}")),
    };
    let receipt = match json.to_receipt() {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    if receipt.device_key != s.owner.device_key {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the receipt was not signed by this node's device key",
        );
    }
    if receipt.requester_signature == [0u8; 64] {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the receipt is not co-signed: sign it with the requester key first",
        );
    }
    if let Err(reason) = verify_receipt(&receipt) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("signature check failed: {reason:?}"),
        );
    }
    let Ok(fields) = WorkReceipt::decode(&receipt.message) else {
        return error(StatusCode::BAD_REQUEST, "message is not a work receipt");
    };
    let stored = match s.journal.receipt(&fields.requester, fields.job_id).await {
        Ok(Some(stored)) => stored,
        Ok(None) => {
            return error(StatusCode::NOT_FOUND, "this node ran no such job for this requester")
        }
        Err(e) => return error(StatusCode::SERVICE_UNAVAILABLE, format!("journal: {e}")),
    };
    if stored.message != receipt.message || stored.device_signature != receipt.device_signature {
        return error(
            StatusCode::CONFLICT,
            "the receipt differs from the one this node signed for the job",
        );
    }
    if let Err(e) =
        s.journal.cosigned(&fields.requester, fields.job_id, &receipt.requester_signature).await
    {
        return error(StatusCode::SERVICE_UNAVAILABLE, format!("journal: {e}"));
    }
    s.cosigned.send_modify(|n| *n = n.wrapping_add(1));
    let identity: String = receipt.identity().iter().map(|b| format!("{b:02x}")).collect();
    Json(json!({"status": "journaled", "identity": identity})).into_response()
}
