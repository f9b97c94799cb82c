//! HTTP surface of challenges, served with ingest (in every mode):
//!
//! - `POST /v1/challenges/answers`: answers from devices (JSON items or binary records, see
//!   [`super::wire`]); 200 with one reply per item in order (`{"results": [...]}`), the
//!   ingest answer plus, from a voting oracle for `accepted` and `duplicate`, its
//!   `attestation`. Whole-body errors as for readings (400, 413, 415); 503 with
//!   `Retry-After` when the store failed (nothing of the request was committed).
//! - `GET /v1/epochs/{epoch}/challenges/answers[?after=<hex identity>]`: the epoch's stored
//!   answers as binary answer records, sorted by identity, at most [`ANSWERS_PAGE`] after
//!   `after` (peers pull them page by page through ingest's checks until a page is empty);
//! - `GET /v1/epochs/{epoch}/challenges/attestations[?after=…]`: the epoch's stored
//!   attestations as 217-byte binary records, likewise, at most [`ATTESTATIONS_PAGE`].

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::on;
use axum::Json;
use gridmint_protocol::merkle::Hash32;
use serde::Deserialize;
use serde_json::json;

use super::wire;
use crate::epoch::unhex32;
use crate::ingest::http::parse;
use crate::ingest::Ingest;
use crate::routes::{error, Method, Params, Route};

/// The routes of this router (see [`crate::routes`]), mounted by [`crate::ingest::http::router`].
pub const ROUTES: &[Route<Arc<Ingest>>] = &[
    Route::new(Method::Post, "/v1/challenges/answers", |m| on(m, answers)),
    Route::new(Method::Get, "/v1/epochs/{epoch}/challenges/answers", |m| on(m, epoch_answers)),
    Route::new(Method::Get, "/v1/epochs/{epoch}/challenges/attestations", |m| {
        on(m, epoch_attestations)
    }),
];

async fn answers(
    State(ingest): State<Arc<Ingest>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let started = Instant::now();
    let max = ingest.settings.max_batch_items;
    let response = match parse(&headers, body, |f, b| wire::parse_answers(f, b, max)) {
        Ok(items) => match ingest.answers(items).await {
            Ok(replies) => Json(json!({ "results": replies })).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "store write failed");
                ingest.metrics.store_error("ingest");
                let mut r = error(StatusCode::SERVICE_UNAVAILABLE, "store unavailable; retry");
                r.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
                r
            }
        },
        Err((status, reason)) => error(status, reason),
    };
    ingest.metrics.ingest_request("answer", response.status().as_u16(), started.elapsed());
    response
}

/// Answers per page (openings are at most 40 KiB: about 21 MB a page).
pub const ANSWERS_PAGE: u32 = 512;
/// Attestations per page (about 11 MB).
pub const ATTESTATIONS_PAGE: u32 = 50_000;

#[derive(Deserialize)]
struct Page {
    after: Option<String>,
}

/// The `after` identity of a page request, or the error to answer.
fn after(
    query: Result<Query<Page>, QueryRejection>,
) -> Result<Option<Hash32>, (StatusCode, String)> {
    let Query(page) = query.map_err(|r| (r.status(), r.body_text()))?;
    match page.after.as_deref().map(unhex32) {
        None => Ok(None),
        Some(Some(id)) => Ok(Some(id)),
        Some(None) => Err((StatusCode::BAD_REQUEST, "after must be 64 hex digits".into())),
    }
}

fn binary(body: Vec<u8>) -> Response {
    ([(CONTENT_TYPE, "application/octet-stream")], body).into_response()
}

fn unavailable(ingest: &Ingest, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "store read failed");
    ingest.metrics.store_error("ingest");
    error(StatusCode::SERVICE_UNAVAILABLE, "store unavailable; retry")
}

async fn epoch_answers(
    State(ingest): State<Arc<Ingest>>,
    Params(epoch): Params<u64>,
    query: Result<Query<Page>, QueryRejection>,
) -> Response {
    let after = match after(query) {
        Ok(a) => a,
        Err((status, why)) => return error(status, why),
    };
    match ingest.store.epoch_answers_after(epoch, after.as_ref(), ANSWERS_PAGE).await {
        Ok(list) => {
            let mut body = Vec::new();
            list.iter().for_each(|a| wire::answer_record(a, &mut body));
            binary(body)
        }
        Err(e) => unavailable(&ingest, e),
    }
}

async fn epoch_attestations(
    State(ingest): State<Arc<Ingest>>,
    Params(epoch): Params<u64>,
    query: Result<Query<Page>, QueryRejection>,
) -> Response {
    let after = match after(query) {
        Ok(a) => a,
        Err((status, why)) => return error(status, why),
    };
    match ingest.store.epoch_attestations_after(epoch, after.as_ref(), ATTESTATIONS_PAGE).await {
        Ok(list) => {
            let mut body = Vec::with_capacity(list.len() * wire::ATTESTATION_RECORD);
            list.iter().for_each(|a| wire::attestation_record(a, &mut body));
            binary(body)
        }
        Err(e) => unavailable(&ingest, e),
    }
}
