//! `/health` and `/metrics`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::journal::Journal;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct HttpState {
    pub journal: Arc<Journal>,
    pub metrics: Arc<Metrics>,
}

pub fn router(state: HttpState) -> Router {
    Router::new().route("/health", get(health)).route("/metrics", get(metrics)).with_state(state)
}

/// 200 with the last sequence and per-oracle backlog while the journal answers; 503 if not.
async fn health(State(s): State<HttpState>) -> Response {
    let (state, cursors) = match (s.journal.signer_state().await, s.journal.cursors().await) {
        (Ok(state), Ok(cursors)) => (state, cursors),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "health: journal unreadable");
            let body = Json(json!({"status": "error", "error": "journal unreadable"}));
            return (axum::http::StatusCode::SERVICE_UNAVAILABLE, body).into_response();
        }
    };
    let last_sequence = state.map(|s| s.last_sequence);
    Json(json!({"status": "ok", "last_sequence": last_sequence, "oracles": cursors}))
        .into_response()
}

async fn metrics(State(s): State<HttpState>) -> Response {
    (
        [(CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
        s.metrics.encode(),
    )
        .into_response()
}
