//! `GET /v1/epochs/{epoch}/archive`: the epoch's archive file, streamed as it is on disk
//! (`application/octet-stream`). Anyone checks it against the finalized manifest with
//! `gridmint-oracle archive verify`; nothing here needs to be trusted.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::on;
use axum::Router;
use tokio::io::AsyncReadExt;

use super::{file_name, Archiver};
use crate::routes::{self, error, Method, Params, Route};
use crate::store::Store;

/// What the route serves from: `None` when this oracle keeps no archive.
pub type ArchiveState = Option<Arc<Archiver>>;

/// The routes of this router (see [`crate::routes`]).
pub const ROUTES: &[Route<ArchiveState>] =
    &[Route::new(Method::Get, "/v1/epochs/{epoch}/archive", |m| on(m, archive))];

pub fn router(archiver: ArchiveState) -> Router {
    routes::router(ROUTES).with_state(archiver)
}

/// Bytes per read of a served file.
const CHUNK: usize = 64 << 10;

async fn archive(State(archiver): State<ArchiveState>, Params(epoch): Params<u64>) -> Response {
    let Some(archiver) = archiver else {
        return error(StatusCode::NOT_FOUND, "this oracle keeps no archive (archive.enabled)");
    };
    let file = match tokio::fs::File::open(archiver.path(epoch)).await {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let why = format!("no archive of epoch {epoch} here (written once it is finalized)");
            return error(StatusCode::NOT_FOUND, why);
        }
        Err(e) => return unavailable(e),
    };
    let length = match file.metadata().await {
        Ok(m) => m.len(),
        Err(e) => return unavailable(e),
    };
    // Streamed: an epoch of millions of readings is tens of megabytes.
    let chunks = futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buf = vec![0u8; CHUNK];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    });
    let disposition = format!("attachment; filename=\"{}\"", file_name(epoch));
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_LENGTH, length.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from_stream(chunks),
    )
        .into_response()
}

fn unavailable(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "reading an archive failed");
    error(StatusCode::SERVICE_UNAVAILABLE, format!("temporarily unavailable: {e}"))
}

/// `410 Gone` when `epoch`'s inputs were pruned from `store` (the read API's inputs and
/// explanations of that epoch would be incomplete); `None` to answer as usual.
pub async fn gone_if_pruned(store: &Store, epoch: u64) -> Option<Response> {
    match store.pruned(epoch).await {
        Ok(None) => None,
        Ok(Some(_)) => Some(error(
            StatusCode::GONE,
            format!(
                "the inputs of epoch {epoch} were pruned from this store after archiving: GET \
                 /v1/epochs/{epoch}/archive"
            ),
        )),
        Err(e) => Some(unavailable(e)),
    }
}
