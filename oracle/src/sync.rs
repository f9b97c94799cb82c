//! Peer oracles over HTTP. Everything fetched is self-authenticating: inputs carry their
//! signatures and go through ingest's checks again; manifests, ledgers and correction
//! documents are checked against hashes and roots read from the chain by the caller. A peer
//! that is down or wrong only costs a log line.

use std::sync::Arc;
use std::time::Duration;

use gridmint_protocol::challenge::attestation::SignedAttestation;
use gridmint_protocol::merkle::Hash32;
use serde::{Deserialize, Serialize};

use crate::challenges::wire as challenge_wire;
use crate::epoch::{hex, unhex32};
use crate::ingest::wire::{self, Format};
use crate::ingest::{Answer, Ingest};
use crate::metrics::Metrics;
use crate::store::LedgerRow;

/// Largest peer response read (an epoch's inputs as binary records: about 1.4 M readings).
pub const MAX_PEER_BODY_BYTES: usize = 256 << 20;

/// What an oracle publishes about its latest close of an epoch (`GET /v1/epochs/{e}/close`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseSummary {
    pub epoch: u64,
    /// The key this oracle votes with (base58); `None` for a watch-only oracle, which never
    /// counts towards agreement.
    pub oracle: Option<String>,
    pub inputs_root: String,
    pub manifest_hash: String,
    pub root: String,
    pub cumulative_total: u64,
    pub recipient_count: u64,
    /// The value `submit_report` stores per vote; agreement is equality of this.
    pub vote_hash: String,
}

/// A ledger row as served (`GET /v1/epochs/{e}/ledger`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerJson {
    pub epoch: u64,
    pub manifest_hash: String,
    pub root: String,
    pub cumulative_total: u64,
    /// `[recipient (base58), cumulative]`, sorted by recipient bytes.
    pub leaves: Vec<(String, u64)>,
}

impl LedgerJson {
    pub fn from_row(row: &LedgerRow) -> Self {
        Self {
            epoch: row.epoch,
            manifest_hash: hex(&row.manifest_hash),
            root: hex(&row.root),
            cumulative_total: row.cumulative_total,
            leaves: row.leaves.iter().map(|(r, a)| (bs58::encode(r).into_string(), *a)).collect(),
        }
    }

    /// The row, if every field decodes (the caller checks root and totals).
    pub fn to_row(&self) -> Option<LedgerRow> {
        let mut leaves = Vec::with_capacity(self.leaves.len());
        for (r, a) in &self.leaves {
            leaves.push((wire::b58_32(r)?, *a));
        }
        Some(LedgerRow {
            epoch: self.epoch,
            manifest_hash: unhex32(&self.manifest_hash)?,
            root: unhex32(&self.root)?,
            cumulative_total: self.cumulative_total,
            leaves,
        })
    }
}

/// What one pull of an epoch's inputs added.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pulled {
    pub accepted: u64,
    pub peers_failed: u32,
}

pub struct Peers {
    client: reqwest::Client,
    pub urls: Vec<String>,
    metrics: Arc<Metrics>,
}

impl Peers {
    pub fn new(urls: Vec<String>, timeout: Duration, metrics: Arc<Metrics>) -> Self {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        let urls = urls.into_iter().map(|u| u.trim_end_matches('/').to_string()).collect();
        Self { client, urls, metrics }
    }

    /// `fetch` names what is fetched in the error count (one of `metrics::PEER_FETCHES`).
    async fn get(&self, fetch: &'static str, url: &str) -> Result<Option<Vec<u8>>, String> {
        let result = self.get_once(url).await;
        if result.is_err() {
            self.metrics.peer_fetch_error(fetch);
        }
        result
    }

    async fn get_once(&self, url: &str) -> Result<Option<Vec<u8>>, String> {
        let response = self.client.get(url).send().await.map_err(|e| e.to_string())?;
        match response.status() {
            s if s == reqwest::StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => {
                let mut response = response;
                let mut body = Vec::new();
                while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
                    if body.len().saturating_add(chunk.len()) > MAX_PEER_BODY_BYTES {
                        return Err(format!("body over {MAX_PEER_BODY_BYTES} bytes"));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(Some(body))
            }
            s => Err(format!("HTTP {s}")),
        }
    }

    /// Pulls every peer's readings, receipts, challenge answers and attestations of `epoch`
    /// into the store through ingest.
    pub async fn pull_inputs(&self, ingest: &Arc<Ingest>, epoch: u64) -> Pulled {
        let mut pulled = Pulled::default();
        for peer in &self.urls {
            match self.pull_one(ingest, peer, epoch).await {
                Ok(n) => pulled.accepted = pulled.accepted.saturating_add(n),
                Err(e) => {
                    pulled.peers_failed = pulled.peers_failed.saturating_add(1);
                    tracing::warn!(peer, epoch, error = %e, "could not pull inputs from peer");
                }
            }
        }
        pulled
    }

    async fn pull_one(&self, ingest: &Arc<Ingest>, peer: &str, epoch: u64) -> Result<u64, String> {
        let mut accepted = 0u64;
        let count = |answers: &[Answer]| {
            answers.iter().filter(|a| matches!(a, Answer::Accepted { .. })).count() as u64
        };
        let url = format!("{peer}/v1/epochs/{epoch}/readings");
        if let Some(body) = self.get("readings", &url).await?.filter(|b| !b.is_empty()) {
            let items = wire::parse_readings(Format::Binary, &body, usize::MAX)
                .map_err(|e| format!("readings: {e:?}"))?;
            let answers = ingest.peer_readings(items).await.map_err(|e| e.to_string())?;
            accepted = accepted.saturating_add(count(&answers));
        }
        let url = format!("{peer}/v1/epochs/{epoch}/receipts");
        if let Some(body) = self.get("receipts", &url).await?.filter(|b| !b.is_empty()) {
            let items = wire::parse_receipts(Format::Binary, &body, usize::MAX)
                .map_err(|e| format!("receipts: {e:?}"))?;
            let answers = ingest.peer_receipts(items).await.map_err(|e| e.to_string())?;
            accepted = accepted.saturating_add(count(&answers));
        }
        accepted = accepted.saturating_add(self.pull_challenges(ingest, peer, epoch).await?);
        Ok(accepted)
    }

    /// A peer's challenge answers (through ingest's checks; never attested here) and
    /// attestations (stored when validly signed) of `epoch`.
    async fn pull_challenges(
        &self,
        ingest: &Arc<Ingest>,
        peer: &str,
        epoch: u64,
    ) -> Result<u64, String> {
        let mut accepted = 0u64;
        // Page by page (sorted by identity) until a page is empty.
        let mut after: Option<Hash32> = None;
        loop {
            let url = page_url(peer, epoch, "answers", after.as_ref());
            let Some(body) = self.get("answers", &url).await?.filter(|b| !b.is_empty()) else {
                break;
            };
            let items = challenge_wire::parse_answer_records(&body, usize::MAX)
                .map_err(|e| format!("answers: {e:?}"))?;
            let last = items.iter().rev().find_map(|i| i.as_ref().ok()).map(|a| a.identity());
            let replies = ingest.peer_answers(items).await.map_err(|e| e.to_string())?;
            let new = replies.iter().filter(|r| matches!(r.answer, Answer::Accepted { .. }));
            accepted = accepted.saturating_add(new.count() as u64);
            if last.is_none() || last <= after {
                return Err("answers: a page did not advance".into());
            }
            after = last;
        }
        let mut after: Option<Hash32> = None;
        loop {
            let url = page_url(peer, epoch, "attestations", after.as_ref());
            let Some(body) = self.get("attestations", &url).await?.filter(|b| !b.is_empty()) else {
                break;
            };
            let items = challenge_wire::parse_attestation_records(&body)
                .map_err(|e| format!("attestations: {e:?}"))?;
            let last = items.last().map(SignedAttestation::identity);
            let new = ingest.peer_attestations(items).await.map_err(|e| e.to_string())?;
            accepted = accepted.saturating_add(new);
            if last.is_none() || last <= after {
                return Err("attestations: a page did not advance".into());
            }
            after = last;
        }
        Ok(accepted)
    }

    /// How many *other members of the current oracle set* published a close of `epoch` with
    /// this vote hash: counted by distinct oracle key, so a duplicate URL, this oracle's own
    /// URL or a watch-only peer never inflates the count.
    pub async fn agreeing(
        &self,
        epoch: u64,
        vote_hash: &Hash32,
        config: &gridmint_sdk::rewards::Config,
        me: Option<&anchor_lang::prelude::Pubkey>,
    ) -> u32 {
        let want = hex(vote_hash);
        let mut keys = std::collections::BTreeSet::new();
        let mut diverging = 0;
        for peer in &self.urls {
            let url = format!("{peer}/v1/epochs/{epoch}/close");
            match self.get("close", &url).await {
                Ok(Some(body)) => match serde_json::from_slice::<CloseSummary>(&body) {
                    Ok(s) if s.epoch == epoch && s.vote_hash == want => {
                        let key = s.oracle.as_deref().and_then(|k| k.parse().ok());
                        match key {
                            Some(k) if Some(&k) != me && config.oracles.slot_of(&k).is_some() => {
                                keys.insert(k);
                            }
                            _ => {
                                tracing::debug!(peer, "agreeing peer is not another voting oracle")
                            }
                        }
                    }
                    Ok(s) => {
                        diverging += 1;
                        tracing::info!(peer, epoch, theirs = %s.vote_hash, ours = %want, "peer disagrees")
                    }
                    Err(e) => tracing::warn!(peer, error = %e, "peer close summary unreadable"),
                },
                Ok(None) => tracing::debug!(peer, epoch, "peer has not closed the epoch yet"),
                Err(e) => tracing::warn!(peer, epoch, error = %e, "peer unreachable"),
            }
        }
        self.metrics.peers_diverging(diverging);
        u32::try_from(keys.len()).unwrap_or(u32::MAX)
    }

    /// The first peer's copy of a manifest (Borsh) whose bytes hash to `manifest_hash`.
    pub async fn manifest(&self, epoch: u64, manifest_hash: &Hash32) -> Option<Vec<u8>> {
        for peer in &self.urls {
            let url = format!(
                "{peer}/v1/epochs/{epoch}/manifest?format=borsh&hash={}",
                hex(manifest_hash)
            );
            if let Ok(Some(body)) = self.get("manifest", &url).await {
                if solana_sha256(&body) == *manifest_hash {
                    return Some(body);
                }
                tracing::warn!(peer, epoch, "peer served a manifest with the wrong hash");
            }
        }
        None
    }

    /// Every peer's ledger row of `epoch` that decodes (the caller checks it on chain).
    pub async fn ledgers(&self, epoch: u64) -> Vec<LedgerRow> {
        let mut out = Vec::new();
        for peer in &self.urls {
            let url = format!("{peer}/v1/epochs/{epoch}/ledger");
            if let Ok(Some(body)) = self.get("ledger", &url).await {
                match serde_json::from_slice::<LedgerJson>(&body).ok().and_then(|j| j.to_row()) {
                    Some(row) => out.push(row),
                    None => tracing::warn!(peer, epoch, "peer ledger unreadable"),
                }
            }
        }
        out
    }

    /// The first peer's correction document whose bytes hash to `hash`.
    pub async fn correction(&self, hash: &Hash32) -> Option<Vec<u8>> {
        for peer in &self.urls {
            let url = format!("{peer}/v1/corrections/{}", hex(hash));
            if let Ok(Some(body)) = self.get("correction", &url).await {
                if solana_sha256(&body) == *hash {
                    return Some(body);
                }
            }
        }
        None
    }
}

/// `…/challenges/<kind>` of `epoch` at `peer`, after the identity `after`.
fn page_url(peer: &str, epoch: u64, kind: &str, after: Option<&Hash32>) -> String {
    let base = format!("{peer}/v1/epochs/{epoch}/challenges/{kind}");
    match after {
        Some(id) => format!("{base}?after={}", hex(id)),
        None => base,
    }
}

/// SHA-256 of `bytes`, as the protocol hashes manifests and correction documents.
pub fn solana_sha256(bytes: &[u8]) -> Hash32 {
    solana_sha256_hasher::hashv(&[bytes]).to_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ledger_json_round_trips_and_refuses_bad_fields() {
        let row = LedgerRow {
            epoch: 4,
            manifest_hash: [1; 32],
            root: [2; 32],
            cumulative_total: 30,
            leaves: vec![([3; 32], 10), ([4; 32], 20)],
        };
        let json = LedgerJson::from_row(&row);
        assert_eq!(json.to_row(), Some(row));
        let bad = LedgerJson { root: "xyz".into(), ..json.clone() };
        assert_eq!(bad.to_row(), None);
        let bad = LedgerJson { leaves: vec![("not base58!".into(), 1)], ..json };
        assert_eq!(bad.to_row(), None);
    }

    #[test]
    fn peer_urls_lose_trailing_slashes() {
        let urls = vec!["http://a:1/".into(), "http://b:2".into()];
        let peers = Peers::new(urls, Duration::from_secs(1), Arc::new(Metrics::new()));
        assert_eq!(peers.urls, ["http://a:1", "http://b:2"]);
    }
}
