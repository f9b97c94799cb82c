//! The serve layer's read API (peers, operators, claimants) and correction upload.
//!
//! - `GET /v1/status`: chain time, next epoch, last vote, alarms, leadership, store counts,
//!   peers.
//! - `GET /v1/epochs/{e}/readings|receipts`: the epoch's inputs as binary records (the
//!   ingest format; readings include every earlier reading of their keys, §9.3); `/inputs`: the same
//!   as JSON items. Everything is self-authenticating. Once pruned (`crate::archive`), 410:
//!   the epoch's archive (`GET /v1/epochs/{e}/archive`, [`crate::archive::http`]) has them.
//! - `GET /v1/epochs/{e}/close`: this oracle's latest result (peers compare `vote_hash`), as
//!   its leading replica stored it.
//! - `GET /v1/epochs/{e}/manifest[?hash=…][&format=borsh]`: a manifest (JSON by default).
//! - `GET /v1/epochs/{e}/ledger`: the finalized cumulative leaves after `e`.
//! - `GET /v1/epochs/{e}/nodes/{node}/explain`: a node's epoch explained.
//! - `GET /v1/claims/{recipient}`: cumulative amount and proof against the newest root a
//!   claim can use now (the pending root counts once its challenge period is over).
//! - `GET|PUT /v1/corrections/{hash}`: correction documents (§9.7), checked by hash.
//!
//! Every error, a path parameter that does not parse included, is `{"error": "..."}`; the
//! routes, bodies and statuses are documented in `openapi.json`.

use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::on;
use axum::{Json, Router};
use gridmint_protocol::crediting::corrections::CorrectionDocument;
use gridmint_protocol::crediting::SignedReading;
use gridmint_sdk::chain::ChainExt;
use gridmint_sdk::rewards::{self as rw, ClaimStatus};
use serde::Deserialize;
use serde_json::json;

use crate::archive::http::gone_if_pruned;
use crate::driver::Oracle;
use crate::epoch::{explain, hex, unhex32, Outcome};
use crate::ingest::wire;
use crate::manifest_json::manifest_json;
use crate::routes::{self, error, Method, Params, Route};
use crate::sync::{solana_sha256, LedgerJson};

/// Largest correction document accepted (they list excluded nodes: 33 bytes each).
pub const MAX_CORRECTION_BYTES: usize = 1 << 20;

/// The routes of this router (see [`crate::routes`]).
pub const ROUTES: &[Route<Arc<Oracle>>] = &[
    Route::new(Method::Get, "/v1/status", |m| on(m, status)),
    Route::new(Method::Get, "/v1/epochs/{epoch}/readings", |m| on(m, readings)),
    Route::new(Method::Get, "/v1/epochs/{epoch}/receipts", |m| on(m, receipts)),
    Route::new(Method::Get, "/v1/epochs/{epoch}/inputs", |m| on(m, inputs)),
    Route::new(Method::Get, "/v1/epochs/{epoch}/close", |m| on(m, close)),
    Route::new(Method::Get, "/v1/epochs/{epoch}/manifest", |m| on(m, manifest)),
    Route::new(Method::Get, "/v1/epochs/{epoch}/ledger", |m| on(m, ledger)),
    Route::new(Method::Get, "/v1/epochs/{epoch}/nodes/{node}/explain", |m| on(m, explain_node)),
    Route::new(Method::Get, "/v1/claims/{recipient}", |m| on(m, claim)),
    Route::new(Method::Get, "/v1/corrections/{hash}", |m| on(m, correction)),
    Route::new(Method::Put, "/v1/corrections/{hash}", |m| on(m, put_correction)),
];

pub fn router(oracle: Arc<Oracle>) -> Router {
    // Bodies over the limit are refused (413) before they are buffered whole.
    routes::router(ROUTES).layer(DefaultBodyLimit::max(MAX_CORRECTION_BYTES)).with_state(oracle)
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "request failed");
    error(StatusCode::SERVICE_UNAVAILABLE, format!("temporarily unavailable: {e}"))
}

fn binary(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/octet-stream")], body).into_response()
}

async fn status(State(o): State<Arc<Oracle>>) -> Response {
    let counts = match o.engine.store.counts().await {
        Ok(c) => c,
        Err(e) => return internal(e),
    };
    let last_vote = o.engine.store.last_vote().await.ok().flatten().map(|v| {
        json!({"epoch": v.epoch, "round": v.round, "status": format!("{:?}", v.status),
               "signature": v.signature})
    });
    Json(json!({
        "oracle": o.status(),
        "stored": counts,
        "last_vote_intent": last_vote,
        "peers": o.peers.urls,
    }))
    .into_response()
}

/// The epoch's readings plus every earlier reading of their keys: the set `gather` credits.
async fn epoch_readings(o: &Oracle, epoch: u64) -> Result<Vec<SignedReading>, Response> {
    let end = o.ingest.settings.clock.end(epoch).map_err(|_| {
        error(StatusCode::BAD_REQUEST, format!("epoch {epoch} is beyond the clock"))
    })?;
    // Exactly what crediting reads (§9.3: the start boundary and the low counter, a maximum
    // over every earlier reading of the key), so peers can reach the same result.
    let mut out = o.engine.store.readings_of_epoch_keys(epoch, end).await.map_err(internal)?;
    gridmint_protocol::crediting::canonical_readings(&mut out);
    Ok(out)
}

async fn readings(State(o): State<Arc<Oracle>>, Params(epoch): Params<u64>) -> Response {
    if let Some(gone) = gone_if_pruned(&o.engine.store, epoch).await {
        return gone;
    }
    match epoch_readings(&o, epoch).await {
        Ok(list) => {
            let mut body = Vec::with_capacity(list.len() * wire::READING_RECORD);
            list.iter().for_each(|r| wire::reading_record(r, &mut body));
            binary(body)
        }
        Err(r) => r,
    }
}

async fn receipts(State(o): State<Arc<Oracle>>, Params(epoch): Params<u64>) -> Response {
    if let Some(gone) = gone_if_pruned(&o.engine.store, epoch).await {
        return gone;
    }
    match o.engine.store.epoch_receipts(epoch).await {
        Ok(list) => {
            let mut body = Vec::with_capacity(list.len() * wire::RECEIPT_RECORD);
            list.iter().for_each(|r| wire::receipt_record(r, &mut body));
            binary(body)
        }
        Err(e) => internal(e),
    }
}

async fn inputs(State(o): State<Arc<Oracle>>, Params(epoch): Params<u64>) -> Response {
    if let Some(gone) = gone_if_pruned(&o.engine.store, epoch).await {
        return gone;
    }
    let readings = match epoch_readings(&o, epoch).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let receipts = match o.engine.store.epoch_receipts(epoch).await {
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    Json(json!({
        "epoch": epoch,
        "readings": readings.iter().map(wire::reading_json).collect::<Vec<_>>(),
        "receipts": receipts.iter().map(wire::receipt_json).collect::<Vec<_>>(),
    }))
    .into_response()
}

async fn close(State(o): State<Arc<Oracle>>, Params(epoch): Params<u64>) -> Response {
    match o.served_summary(epoch).await {
        Ok(Some(s)) => Json(s).into_response(),
        Ok(None) => {
            error(StatusCode::NOT_FOUND, format!("epoch {epoch} not computed by this oracle"))
        }
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
struct ManifestQuery {
    hash: Option<String>,
    format: Option<String>,
}

async fn manifest(
    State(o): State<Arc<Oracle>>,
    Params(epoch): Params<u64>,
    query: Result<Query<ManifestQuery>, QueryRejection>,
) -> Response {
    let q = match query {
        Ok(Query(q)) => q,
        Err(r) => return error(r.status(), r.body_text()),
    };
    let store = &o.engine.store;
    let wanted = match q.hash.as_deref().map(unhex32) {
        Some(None) => return error(StatusCode::BAD_REQUEST, "hash must be 64 hex digits"),
        Some(Some(h)) => Some(h),
        None => match (store.ledger_at(epoch).await, o.served_summary(epoch).await) {
            (Ok(Some(row)), _) => Some(row.manifest_hash),
            (Ok(None), Ok(summary)) => summary.and_then(|s| unhex32(&s.manifest_hash)),
            (Err(e), _) | (_, Err(e)) => return internal(e),
        },
    };
    let Some(hash) = wanted else {
        return error(StatusCode::NOT_FOUND, format!("no manifest of epoch {epoch} here"));
    };
    let body = match store.manifest(epoch, &hash).await {
        Ok(Some(b)) => b,
        Ok(None) => return error(StatusCode::NOT_FOUND, "no manifest with that hash here"),
        Err(e) => return internal(e),
    };
    match q.format.as_deref() {
        Some("borsh") => binary(body),
        None | Some("json") => match borsh::from_slice(&body) {
            Ok(m) => Json(manifest_json(&m)).into_response(),
            Err(e) => internal(e),
        },
        Some(other) => error(StatusCode::BAD_REQUEST, format!("format {other}: use json or borsh")),
    }
}

async fn ledger(State(o): State<Arc<Oracle>>, Params(epoch): Params<u64>) -> Response {
    match o.engine.store.ledger_at(epoch).await {
        Ok(Some(row)) => Json(LedgerJson::from_row(&row)).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, format!("epoch {epoch} is not finalized here")),
        Err(e) => internal(e),
    }
}

async fn explain_node(
    State(o): State<Arc<Oracle>>,
    Params((epoch, node)): Params<(u64, String)>,
) -> Response {
    let Some(node) = wire::b58_32(&node) else {
        return error(StatusCode::BAD_REQUEST, "node must be a base58 account address");
    };
    let closed = match o.published(epoch) {
        Some(c) => c,
        None => {
            // Recomputing from a pruned store would explain a different epoch.
            if let Some(gone) = gone_if_pruned(&o.engine.store, epoch).await {
                return gone;
            }
            let chain = o.engine.chain.as_ref();
            let (config, state) =
                match (chain.rewards_config().await, chain.epoch_state(epoch).await) {
                    (Ok(c), Ok(s)) => (c.account, s.account),
                    (Err(e), _) | (_, Err(e)) => return internal(e),
                };
            let Some(config) = config else { return internal("rewards config not found") };
            match o.engine.compute(&config, epoch, state.as_ref()).await {
                Ok(Outcome::Closed(c)) => c,
                Ok(Outcome::Abstain(why)) => return error(StatusCode::CONFLICT, why),
                Err(e) => return error(StatusCode::CONFLICT, format!("epoch {epoch}: {e}")),
            }
        }
    };
    // Whether this is the result the chain finalized (an oracle may have been outvoted).
    let finalized = match o.engine.store.ledger_at(epoch).await {
        Ok(row) => row.map(|r| r.manifest_hash == closed.report.manifest_hash),
        Err(e) => return internal(e),
    };
    match explain::explain_node(&closed, &node) {
        Some(mut v) => {
            v["matches_finalized_manifest"] = json!(finalized);
            Json(v).into_response()
        }
        None => error(
            StatusCode::NOT_FOUND,
            format!("no node {} in epoch {epoch}", bs58::encode(node).into_string()),
        ),
    }
}

async fn claim(State(o): State<Arc<Oracle>>, Params(recipient): Params<String>) -> Response {
    let Some(recipient) = wire::b58_32(&recipient) else {
        return error(StatusCode::BAD_REQUEST, "recipient must be a base58 public key");
    };
    let chain = o.engine.chain.as_ref();
    let fetched = match chain.rewards_config().await {
        Ok(f) => f,
        Err(e) => return internal(e),
    };
    let Some(config) = fetched.account else { return internal("rewards config not found") };
    // A matured pending root is promoted by the claim itself, so it is usable now.
    let usable = config
        .pending_root
        .filter(|p| fetched.unix_timestamp >= p.claimable_at)
        .map(|p| p.root)
        .or_else(|| config.claimable.newest());
    let Some(root) = usable else {
        return error(StatusCode::NOT_FOUND, "no claimable root yet");
    };
    let tree = match o.claim_trees.get(&o.engine.store, root.epoch, &root.root).await {
        Ok(Some(tree)) => tree,
        Ok(None) => return internal(format!("ledger does not hold epoch {} yet", root.epoch)),
        Err(e) => return internal(e),
    };
    let Some((cumulative, proof)) = tree.proof_for(&recipient) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("no rewards for this recipient up to epoch {}", root.epoch),
        );
    };
    let status_address = rw::claim_status_pda(&Pubkey::new_from_array(recipient)).0;
    let claimed =
        match chain.fetch::<ClaimStatus>(status_address, rw::PROGRAM_ID, "claim status").await {
            Ok(f) => f.account.map_or(0, |s| s.claimed_total),
            Err(e) => return internal(e),
        };
    Json(json!({
        "recipient": bs58::encode(recipient).into_string(),
        "epoch": root.epoch,
        "root": hex(&root.root),
        "cumulative": cumulative,
        "claimed": claimed,
        "claimable": cumulative.saturating_sub(claimed),
        "proof": proof.iter().map(|h| hex(h)).collect::<Vec<_>>(),
    }))
    .into_response()
}

async fn correction(State(o): State<Arc<Oracle>>, Params(hash): Params<String>) -> Response {
    let Some(hash) = unhex32(&hash) else {
        return error(StatusCode::BAD_REQUEST, "hash must be 64 hex digits");
    };
    match o.engine.store.correction(&hash).await {
        Ok(Some(body)) => binary(body),
        Ok(None) => error(StatusCode::NOT_FOUND, "no correction document with that hash here"),
        Err(e) => internal(e),
    }
}

/// Stores a correction document whose SHA-256 is `hash`. Whether it is in force is decided
/// by the chain's veto reason; a document that does not decode is still stored, because
/// §9.7 commits a malformed document as "changes nothing" and the oracles need its bytes.
async fn put_correction(
    State(o): State<Arc<Oracle>>,
    Params(hash): Params<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(hash) = unhex32(&hash) else {
        return error(StatusCode::BAD_REQUEST, "hash must be 64 hex digits");
    };
    let too_large = StatusCode::PAYLOAD_TOO_LARGE;
    let body = match body {
        Ok(b) if b.len() <= MAX_CORRECTION_BYTES => b,
        Ok(_) => return error(too_large, "correction document too large"),
        Err(r) if r.status() == too_large => {
            return error(too_large, "correction document too large")
        }
        Err(r) => return error(r.status(), r.body_text()),
    };
    if solana_sha256(&body) != hash {
        return error(StatusCode::BAD_REQUEST, "SHA-256 of the body is not the hash in the path");
    }
    let well_formed = borsh::from_slice::<CorrectionDocument>(&body)
        .is_ok_and(|doc| doc.rewards_program == rw::PROGRAM_ID.to_bytes());
    match o.engine.store.save_correction(&hash, &body).await {
        Ok(()) => {
            (StatusCode::CREATED, Json(json!({"stored": hex(&hash), "well_formed": well_formed})))
                .into_response()
        }
        Err(e) => internal(e),
    }
}
