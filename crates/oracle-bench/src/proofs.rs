//! Phase 3: proof serving. The close is recorded as finalized (`Engine::record_final`, the
//! ledger row the claim route reads), the chain's rewards config names its root as
//! claimable, and clients ask `GET /v1/claims/{recipient}` of the oracle's HTTP server for
//! random recipients. Every answer must carry the root and a proof that verifies with
//! `gridmint_protocol::merkle::verify` for the recipient's cumulative amount.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gridmint_oracle::epoch::{hex, unhex32, Engine};
use gridmint_oracle::store::{Backend, Store};
use gridmint_protocol::merkle::{self, Hash32};
use gridmint_sdk::chain::Chain;
use gridmint_sdk::rewards as rw;
use rand::{Rng, SeedableRng};

use crate::close::{CloseResult, Loaded};
use crate::server::{self, Server};
use crate::stores::FreshDb;
use crate::world::{self, EPOCH};

#[derive(Clone, Debug)]
pub struct ProofResult {
    pub backend: Backend,
    pub leaves: usize,
    pub requests: usize,
    /// Answers whose proof verified against the closed root.
    pub verified: usize,
    pub elapsed: Duration,
}

impl ProofResult {
    pub fn rate(&self) -> f64 {
        self.verified as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Serves proofs of `closed` from `store` to `clients` concurrent clients.
pub async fn run(
    loaded: &Loaded,
    db: &FreshDb,
    store: &Arc<Store>,
    result: &CloseResult,
    seed: u64,
    requests: usize,
    clients: usize,
) -> anyhow::Result<ProofResult> {
    let closed = result.closed.clone().ok_or_else(|| anyhow::anyhow!("close without its tree"))?;
    let chain: Arc<dyn Chain> = Arc::clone(&loaded.chain) as Arc<dyn Chain>;
    let engine = Engine {
        chain: Arc::clone(&chain),
        store: Arc::clone(store),
        deployment: world::deployment(),
    };
    engine.record_final(&closed).await?;
    let root = rw::ClaimableRoot {
        epoch: EPOCH,
        root: closed.report.root,
        cumulative_total: closed.report.cumulative_total,
    };
    server::set_rewards_config(&loaded.chain, &server::rewards_config(Some(root)));
    let bindings_file = db.path("no-bindings.json");
    server::write_bindings(&bindings_file, &[])?;
    let server = Server::start(&server::config(&db.url, &bindings_file)?, chain).await?;

    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let picks: Vec<u64> = (0..requests).map(|_| rng.gen_range(0..loaded.nodes as u64)).collect();
    let picks = Arc::new(picks);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients.max(1))
        .map(|_| {
            let (picks, next) = (Arc::clone(&picks), Arc::clone(&next));
            let base = server.base.clone();
            let tree = Arc::clone(&closed);
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut verified = 0usize;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(index) = picks.get(i) else { return anyhow::Ok(verified) };
                    let recipient = world::recipient(seed, *index);
                    let expected = tree.tree.amount_of(&recipient);
                    let root = tree.report.root;
                    claim(&http, &base, &recipient, &root, expected).await?;
                    verified += 1;
                }
            })
        })
        .collect();
    let mut verified = 0;
    for t in tasks {
        verified += t.await??;
    }
    let elapsed = started.elapsed();
    server.stop().await?;
    Ok(ProofResult { backend: db.backend, leaves: closed.tree.len(), requests, verified, elapsed })
}

/// One claim request; fails unless the answer's proof verifies for `expected` under `root`.
async fn claim(
    http: &reqwest::Client,
    base: &str,
    recipient: &[u8; 32],
    root: &Hash32,
    expected: u64,
) -> anyhow::Result<()> {
    let url = format!("{base}/v1/claims/{}", bs58::encode(recipient).into_string());
    let response = http.get(&url).send().await?;
    let status = response.status();
    let text = response.text().await?;
    anyhow::ensure!(status.is_success(), "GET {url}: {status}: {text}");
    let body: serde_json::Value = serde_json::from_str(&text)?;
    anyhow::ensure!(
        body["root"] == hex(root),
        "answered root {} is not the closed root",
        body["root"]
    );
    let cumulative = body["cumulative"].as_u64().unwrap_or(0);
    anyhow::ensure!(
        cumulative == expected && expected > 0,
        "amount {cumulative}, expected {expected}"
    );
    let proof: Vec<Hash32> = body["proof"]
        .as_array()
        .map(|list| list.iter().filter_map(|h| h.as_str().and_then(unhex32)).collect())
        .unwrap_or_default();
    anyhow::ensure!(merkle::verify(root, recipient, cumulative, &proof), "proof does not verify");
    Ok(())
}
