//! The archiver beside the epoch loop. Each [`Archiver::pass`]:
//!
//! 1. for every epoch of the ledger (finalized, as the chain finalized it) without a current
//!    archive file — none, or one of a manifest a veto replaced — builds it from the store, or
//!    else fetches it from a peer and verifies it; writes it atomically (temp file, fsync,
//!    rename);
//! 2. with `prune`, for archived epochs whose manifest can no longer be disputed (final, the
//!    challenge period over: `veto_epoch` refuses it from then on) and whose end is
//!    `retain` ago: verifies the file against the manifest once more, then prunes the store
//!    ([`super::prune`]).
//!
//! Passes are idempotent, so replicas sharing a database may all run them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gridmint_protocol::merkle::Hash32;
use gridmint_protocol::rewards::EpochManifest;
use gridmint_sdk::chain::ChainExt;
use gridmint_sdk::rewards as rw;

use super::format::{Header, HEADER_V2_LEN};
use super::{build, file_name, verify, TaskError};
use crate::epoch::Engine;
use crate::store::PrunedEpoch;
use crate::sync::MAX_PEER_BODY_BYTES;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveSettings {
    pub dir: PathBuf,
    /// Delete archived inputs from the store once safe.
    pub prune: bool,
    /// Epochs after an epoch's end before its inputs may be pruned; `None`: node-staking's
    /// unbonding period, the time a fraud proof from the store can still slash.
    pub retain_epochs: Option<u64>,
}

/// What one pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassSummary {
    /// Archives built from this store.
    pub written: Vec<u64>,
    /// Archives fetched from a peer (this store does not reproduce the manifest).
    pub fetched: Vec<u64>,
    pub pruned: Vec<PrunedEpoch>,
    /// Epochs left for a later pass, and why.
    pub waiting: Vec<(u64, String)>,
}

pub struct Archiver {
    pub engine: Engine,
    pub settings: ArchiveSettings,
    peers: Vec<String>,
    http: reqwest::Client,
    /// `(archives, prunes)`: epochs below the first are archived for good (their window is
    /// over), below the second pruned. `None` until the ledger has a row.
    cursors: Mutex<Option<(u64, u64)>>,
    /// `(epoch, manifest hash)` this store could not rebuild, and why (peers are asked).
    unreproducible: Mutex<BTreeMap<(u64, Hash32), String>>,
}

/// Whether `epoch`'s finalized manifest can still be replaced: not final yet, or the
/// pending root with its challenge period running.
pub fn disputable(config: &rw::Config, now: i64, epoch: u64) -> bool {
    epoch >= config.next_epoch
        || config.pending_root.is_some_and(|p| p.root.epoch == epoch && now < p.claimable_at)
}

impl Archiver {
    pub fn new(
        engine: Engine,
        settings: ArchiveSettings,
        peers: Vec<String>,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().timeout(timeout).build()?;
        let unreproducible = Mutex::new(BTreeMap::new());
        Ok(Self { engine, settings, peers, http, cursors: Mutex::new(None), unreproducible })
    }

    /// Where `epoch`'s archive is (or will be).
    pub fn path(&self, epoch: u64) -> PathBuf {
        self.settings.dir.join(file_name(epoch))
    }

    pub async fn pass(&self) -> Result<PassSummary, TaskError> {
        let fetched = self.engine.chain.rewards_config().await?;
        let now = fetched.unix_timestamp;
        let config = fetched.account.ok_or(TaskError::NoConfig)?;
        let mut summary = PassSummary::default();
        let (mut archived, mut pruned) = match self.cursors.lock().ok().and_then(|c| *c) {
            Some(c) => c,
            // Epochs before the ledger's first row were never followed here.
            None => match self.engine.store.first_ledger_epoch().await? {
                Some(first) => (first, first),
                None => return Ok(summary),
            },
        };
        let mut settled = true;
        let first = archived;
        for epoch in first..config.next_epoch {
            let current = self.ensure(&config, epoch, &mut summary).await?;
            settled &= current && !disputable(&config, now, epoch);
            if settled {
                archived = epoch + 1;
            }
        }
        if self.settings.prune {
            pruned = self.prune_pass(&config, now, pruned, archived, &mut summary).await?;
        }
        if let Ok(mut c) = self.cursors.lock() {
            *c = Some((archived, pruned));
        }
        Ok(summary)
    }

    /// Makes `epoch`'s file the archive of its finalized manifest; `false` when it cannot
    /// yet (the reason is in `summary.waiting`).
    pub(super) async fn ensure(
        &self,
        config: &rw::Config,
        epoch: u64,
        summary: &mut PassSummary,
    ) -> Result<bool, TaskError> {
        let (manifest, hash) = match self.finalized_manifest(epoch).await? {
            Ok(found) => found,
            Err(why) => {
                summary.waiting.push((epoch, why));
                return Ok(false);
            }
        };
        let path = self.path(epoch);
        if read_header(&path).await.is_some_and(|h| (h.epoch, h.manifest_hash) == (epoch, hash)) {
            return Ok(true);
        }
        // A store that did not reproduce this manifest once is not credited again each pass.
        let failed = self.unreproducible.lock().ok().and_then(|f| f.get(&(epoch, hash)).cloned());
        let why = match failed {
            Some(why) => why,
            None => match build::from_store(&self.engine, config, &manifest).await? {
                Ok(bytes) => {
                    write_atomically(&path, bytes).await?;
                    tracing::info!(epoch, path = %path.display(), "archive written");
                    summary.written.push(epoch);
                    return Ok(true);
                }
                Err(why) => {
                    if let Ok(mut f) = self.unreproducible.lock() {
                        f.insert((epoch, hash), why.clone());
                    }
                    why
                }
            },
        };
        if let Some(bytes) = self.peer_archive(&manifest).await {
            write_atomically(&path, bytes).await?;
            tracing::warn!(epoch, %why, "archive fetched from a peer");
            summary.fetched.push(epoch);
            return Ok(true);
        }
        summary.waiting.push((epoch, format!("{why}; no peer served a matching archive")));
        Ok(false)
    }

    /// The manifest the ledger says `epoch` finalized, with its hash, or why there is none.
    pub(super) async fn finalized_manifest(
        &self,
        epoch: u64,
    ) -> Result<Result<(EpochManifest, Hash32), String>, TaskError> {
        let store = &self.engine.store;
        let Some(row) = store.ledger_at(epoch).await? else {
            return Ok(Err("not in this oracle's ledger yet".into()));
        };
        let body = store.manifest(epoch, &row.manifest_hash).await?;
        Ok(match body.and_then(|b| borsh::from_slice::<EpochManifest>(&b).ok()) {
            Some(m) if m.hash() == row.manifest_hash => Ok((m, row.manifest_hash)),
            _ => Err("the finalized manifest is not held here".into()),
        })
    }

    /// The first peer archive that verifies against `manifest`.
    async fn peer_archive(&self, manifest: &EpochManifest) -> Option<Vec<u8>> {
        for peer in &self.peers {
            let url =
                format!("{}/v1/epochs/{}/archive", peer.trim_end_matches('/'), manifest.epoch);
            let response = match self.http.get(&url).send().await {
                Ok(r) if r.status().is_success() => r,
                Ok(r) => {
                    tracing::debug!(%url, status = %r.status(), "peer has no archive");
                    continue;
                }
                Err(e) => {
                    tracing::debug!(%url, error = %e, "peer unreachable");
                    continue;
                }
            };
            let Some(bytes) = read_capped(response).await else {
                tracing::warn!(%url, "peer archive unreadable or over {MAX_PEER_BODY_BYTES} bytes");
                continue;
            };
            let m = manifest.clone();
            let checked =
                tokio::task::spawn_blocking(move || verify(&bytes, Some(&m)).map(|_| bytes)).await;
            match checked {
                Ok(Ok(bytes)) => return Some(bytes),
                Ok(Err(e)) => tracing::warn!(%url, error = %e, "peer archive refused"),
                Err(e) => tracing::warn!(%url, error = %e, "verifying a peer archive failed"),
            }
        }
        None
    }

    /// Runs passes every `interval` until `shutdown` resolves.
    pub async fn run(
        self: Arc<Self>,
        interval: Duration,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        let mut timer = tokio::time::interval(interval);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                _ = timer.tick() => {}
            }
            match self.pass().await {
                Ok(s) if !s.waiting.is_empty() => {
                    tracing::debug!(waiting = ?s.waiting, "archive pass")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "archive pass failed; retrying next pass"),
            }
        }
    }
}

/// The body of `response`, unless it fails or grows past [`MAX_PEER_BODY_BYTES`].
async fn read_capped(mut response: reqwest::Response) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.ok()? {
        if body.len().saturating_add(chunk.len()) > MAX_PEER_BODY_BYTES {
            return None;
        }
        body.extend_from_slice(&chunk);
    }
    Some(body)
}

/// The header of the file at `path`, if there is one that parses.
async fn read_header(path: &Path) -> Option<Header> {
    use tokio::io::AsyncReadExt;
    let file = tokio::fs::File::open(path).await.ok()?;
    // Version 1 headers are shorter; parse reads what its version needs.
    let mut head = Vec::with_capacity(HEADER_V2_LEN);
    file.take(HEADER_V2_LEN as u64).read_to_end(&mut head).await.ok()?;
    Header::parse(&head).ok()
}

/// Writes `bytes` to `path` so that a reader sees the old file or the whole new one, and a
/// crash leaves at worst a stray temp file.
async fn write_atomically(path: &Path, bytes: Vec<u8>) -> std::io::Result<()> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let temp = path.with_extension("gmar.tmp");
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, &path)?;
        std::fs::File::open(dir)?.sync_all()
    })
    .await
    .map_err(std::io::Error::other)?
}
