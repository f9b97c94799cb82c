//! `gridmint-oracle archive verify <archive> [--manifest <manifest>]`: each a file path or
//! an `http(s)://` URL. The manifest is its Borsh bytes (`GET /v1/epochs/{e}/manifest
//! ?format=borsh`), whose hash is the one the oracles voted on chain.

use anyhow::Context;
use gridmint_protocol::rewards::EpochManifest;
use serde_json::{json, Value};

use super::verify;
use crate::epoch::hex;

/// Verifies the archive at `archive` (against `manifest` when given) and describes it; an
/// archive that fails any check is an error naming the check.
pub async fn verify_command(archive: &str, manifest: Option<&str>) -> anyhow::Result<Value> {
    let bytes = load(archive).await?;
    let manifest = match manifest {
        Some(source) => Some(decode_manifest(&load(source).await?)?),
        None => None,
    };
    let size = bytes.len();
    let m = manifest.clone();
    let verified = tokio::task::spawn_blocking(move || verify(&bytes, m.as_ref()))
        .await?
        .with_context(|| format!("{archive} is not a valid archive"))?;
    let h = verified.header;
    Ok(json!({
        "archive": archive,
        "epoch": h.epoch,
        "inputs_root": hex(&h.inputs_root),
        "manifest_hash": hex(&h.manifest_hash),
        "readings": h.readings,
        "receipts": h.receipts,
        "bytes": size,
        "checked_against": match manifest {
            Some(_) => "the manifest",
            None => "itself only: compare manifest_hash with the epoch's finalized report",
        },
    }))
}

/// The bytes at a path or URL.
async fn load(source: &str) -> anyhow::Result<Vec<u8>> {
    if source.starts_with("http://") || source.starts_with("https://") {
        let response = reqwest::get(source).await.with_context(|| format!("fetching {source}"))?;
        let status = response.status();
        let body = response.bytes().await.with_context(|| format!("reading {source}"))?;
        if !status.is_success() {
            anyhow::bail!("{source}: HTTP {status}: {}", String::from_utf8_lossy(&body));
        }
        return Ok(body.to_vec());
    }
    std::fs::read(source).with_context(|| format!("reading {source}"))
}

/// A manifest from its Borsh bytes (the JSON form is refused with a hint).
pub fn decode_manifest(bytes: &[u8]) -> anyhow::Result<EpochManifest> {
    if bytes.first() == Some(&b'{') {
        anyhow::bail!(
            "the manifest is JSON; give its Borsh bytes (GET /v1/epochs/{{e}}/manifest?format=borsh)"
        );
    }
    borsh::from_slice(bytes).map_err(|e| anyhow::anyhow!("the manifest does not decode: {e}"))
}
