//! HTTP surface of ingest (axum).
//!
//! `GET /v1/devices/{key}/last-reading`: a device's last stored reading (agents' restarts).
//!
//! Status codes: 200 with one answer per item, in order (`{"results": [...]}`); 400 for a
//! malformed body, 413 over `max_body_bytes` or `max_batch_items`, 415 for another content
//! type, 429 with `Retry-After` when at least one item was rate limited (the body still
//! answers every item: the others are committed, and resending them is harmless because
//! duplicates are idempotent), 503 with `Retry-After` when the store failed (nothing of the
//! request was committed). Errors are `{"error": "..."}`. Nothing here panics on input.
//!
//! Also served here, in every mode: `GET /health`, `GET /metrics` (OpenMetrics text) and
//! `GET /openapi.json` (the document of the whole API).

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::on;
use axum::{Json, Router};
use base64::Engine;
use gridmint_protocol::messages::EnergyReading;
use serde_json::json;

use super::verify::Reject;
use super::wire::{self, BodyError, Format};
use super::{Answer, Ingest};
use crate::routes::{self, Method, Params, Route};
use crate::store::StoreError;

/// Seconds a rate-limited device should wait: one minute of its own clock.
pub const RATE_LIMIT_RETRY_AFTER_SECONDS: u32 = 60;

/// The routes of this router (see [`crate::routes`]).
pub const ROUTES: &[Route<Arc<Ingest>>] = &[
    Route::new(Method::Post, "/v1/readings", |m| on(m, readings)),
    Route::new(Method::Post, "/v1/receipts", |m| on(m, receipts)),
    Route::new(Method::Get, "/v1/devices/{key}/last-reading", |m| on(m, last_reading)),
    Route::new(Method::Get, "/health", |m| on(m, health)),
    Route::new(Method::Get, "/metrics", |m| on(m, metrics)),
    Route::new(Method::Get, "/openapi.json", |m| on(m, openapi)),
];

/// Ingest's routes and the challenge endpoints ([`crate::challenges::http::ROUTES`]).
pub fn router(ingest: Arc<Ingest>) -> Router {
    let limit = ingest.settings.max_body_bytes;
    routes::router(ROUTES)
        .merge(routes::router(crate::challenges::http::ROUTES))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(ingest)
}

async fn readings(
    State(ingest): State<Arc<Ingest>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let started = Instant::now();
    let response = match parse(&headers, body, |f, b| {
        wire::parse_readings(f, b, ingest.settings.max_batch_items)
    }) {
        Ok(items) => answer(&ingest, "reading", ingest.readings(items).await),
        Err((status, reason)) => error(status, &reason),
    };
    ingest.metrics.ingest_request("reading", response.status().as_u16(), started.elapsed());
    response
}

async fn receipts(
    State(ingest): State<Arc<Ingest>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let started = Instant::now();
    let response = match parse(&headers, body, |f, b| {
        wire::parse_receipts(f, b, ingest.settings.max_batch_items)
    }) {
        Ok(items) => answer(&ingest, "receipt", ingest.receipts(items).await),
        Err((status, reason)) => error(status, &reason),
    };
    ingest.metrics.ingest_request("receipt", response.status().as_u16(), started.elapsed());
    response
}

async fn health(State(ingest): State<Arc<Ingest>>) -> Response {
    match ingest.store.ping().await {
        Ok(()) => Json(json!({"status": "ok"})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            ingest.metrics.store_error("health");
            error(StatusCode::SERVICE_UNAVAILABLE, "store unavailable")
        }
    }
}

async fn metrics(State(ingest): State<Arc<Ingest>>) -> Response {
    ([(CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], ingest.metrics.encode()).into_response()
}

async fn openapi() -> Response {
    ([(CONTENT_TYPE, "application/json")], routes::OPENAPI_JSON).into_response()
}

/// The stored reading of a device key with the highest sequence: where an agent with a
/// fresh journal continues (it verifies the signature itself). 404 when there is none.
async fn last_reading(State(ingest): State<Arc<Ingest>>, Params(key): Params<String>) -> Response {
    let Some(device_key) = wire::b58_32(&key) else {
        return error(StatusCode::BAD_REQUEST, "device key must be base58 of 32 bytes");
    };
    let reading = match ingest.store.last_reading(&device_key).await {
        Ok(Some(r)) => r,
        Ok(None) => return error(StatusCode::NOT_FOUND, "no reading from this device key"),
        Err(e) => {
            tracing::error!(error = %e, "store read failed");
            ingest.metrics.store_error("ingest");
            return error(StatusCode::SERVICE_UNAVAILABLE, "store unavailable; retry");
        }
    };
    let Ok(r) = EnergyReading::decode(&reading.message) else {
        return error(StatusCode::SERVICE_UNAVAILABLE, "stored reading is corrupt");
    };
    Json(json!({
        "device_key": key,
        "sequence": r.sequence,
        "timestamp": r.timestamp,
        "produced_wh": r.produced_wh,
        "consumed_wh": r.consumed_wh,
        "message": base64::engine::general_purpose::STANDARD.encode(reading.message),
        "signature": bs58::encode(reading.signature).into_string(),
    }))
    .into_response()
}

pub(crate) fn parse<T>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    parse: impl FnOnce(Format, &[u8]) -> Result<T, BodyError>,
) -> Result<T, (StatusCode, String)> {
    // A body over the limit fails here (413), before anything is parsed.
    let body = body.map_err(|r| (r.status(), r.body_text()))?;
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    Format::from_content_type(content_type).and_then(|format| parse(format, &body)).map_err(|e| {
        match e {
            BodyError::Malformed(reason) => (StatusCode::BAD_REQUEST, reason),
            BodyError::TooManyItems { items, max } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("batch of {items} items exceeds the limit of {max}"),
            ),
            BodyError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "content type must be application/json or application/octet-stream".into(),
            ),
        }
    })
}

fn answer(
    ingest: &Ingest,
    kind: &'static str,
    result: Result<Vec<Answer>, StoreError>,
) -> Response {
    let answers = match result {
        Ok(answers) => answers,
        Err(e) => {
            tracing::error!(error = %e, "store write failed");
            ingest.metrics.store_error("ingest");
            let mut r = error(StatusCode::SERVICE_UNAVAILABLE, "store unavailable; retry");
            r.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
            return r;
        }
    };
    ingest.metrics.ingest_answers(kind, &answers);
    let limited =
        answers.iter().any(|a| matches!(a, Answer::Rejected { reason: Reject::RateLimited, .. }));
    let mut response = Json(json!({ "results": answers })).into_response();
    if limited {
        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(RATE_LIMIT_RETRY_AFTER_SECONDS));
    }
    response
}

fn error(status: StatusCode, message: &str) -> Response {
    routes::error(status, message)
}
