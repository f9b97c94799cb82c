//! Phase 2: the epoch close from each store, next to the time to hash the same tree.
//!
//! Loading (not timed): every device's two boundary readings go into each store through the
//! store's own batch insert (`Store::insert_readings`, one transaction per 8,192 nodes), the
//! snapshot of node views is stored as `Engine::snapshot` stores it after its chain read,
//! and epoch 0 is recorded as finalized empty (the close of epoch 1 continues it).
//!
//! Timed: `Engine::compute` — the oracle's close path: snapshot and previous state from the
//! store, `gather_keyed` (the epoch's device keys from the store, binding addresses from the
//! store's memo or derived, the bindings from the chain), crediting fed the epoch's readings
//! with their keys' history as the store streams them (`epoch::stream`),
//! manifest, cumulative tree, manifest saved. The first close of a store derives and
//! remembers every binding address; with `--reps 2` or more the fastest run shows the
//! steady state, in which the memo holds them. `RUST_LOG=gridmint_oracle::epoch=debug`
//! prints each close's phases.
//!
//! Also timed, as a floor: reading the rows the close streams (the readings of the epoch's
//! keys with their history, `Store::readings_of_epoch_keys_by_key`) and nothing else. No
//! close that reads its inputs from the store this way can be faster.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;

use gridmint_oracle::epoch::close::Closed;
use gridmint_oracle::epoch::{Engine, Outcome};
use gridmint_oracle::store::{Backend, LedgerRow, NewReading, Store};
use gridmint_protocol::crediting::corrections::Corrections;
use gridmint_protocol::crediting::manifest::{build_manifest, ManifestHeader};
use gridmint_protocol::crediting::{credit_epoch, EpochInputs};
use gridmint_protocol::merkle::{CumulativeTree, Hash32};
use gridmint_protocol::rewards::{CumulativeState, EpochReport, RewardParams};
use gridmint_sdk::chain::Chain;
use gridmint_sdk::{node_staking as ns, rewards as rw};

use crate::chain::FixtureChain;
use crate::mem::{self, PhaseMemory};
use crate::server;
use crate::stores::{label, FreshDb};
use crate::world::{self, EPOCH};

/// Manifest hash of the (empty) finalized epoch 0.
pub const PREVIOUS_MANIFEST: Hash32 = [7; 32];
/// Nodes signed and inserted per transaction while loading.
const LOAD_CHUNK: u64 = 8_192;

/// One size's stores, loaded, and the chain holding its bindings.
pub struct Loaded {
    pub nodes: usize,
    pub stores: Vec<(FreshDb, Arc<Store>)>,
    pub chain: Arc<FixtureChain>,
    pub load: Duration,
}

/// Fresh stores on `backends` holding `n` nodes' inputs, and their chain.
pub async fn load(seed: u64, n: usize, backends: &[Backend]) -> anyhow::Result<Loaded> {
    let started = Instant::now();
    let mut stores = Vec::new();
    for &backend in backends {
        let db = FreshDb::new(backend).await?;
        let store = Arc::new(Store::open(&db.url).await?);
        stores.push((db, store));
    }
    let clock = world::clock();
    let mut bindings = Vec::with_capacity(n);
    let mut next_report = 0;
    for from in (0..n as u64).step_by(LOAD_CHUNK as usize) {
        let to = (from + LOAD_CHUNK).min(n as u64);
        let signed = tokio::task::spawn_blocking(move || {
            world::devices_par(seed, from..to, world::cores(), |d| {
                (world::binding(seed, d.index, d.public), d.boundary_readings())
            })
        })
        .await?;
        let mut rows = Vec::with_capacity(signed.len() * 2);
        for (binding, readings) in signed {
            bindings.push(binding);
            for r in readings {
                rows.push(NewReading::new(r, &clock).ok_or_else(|| anyhow::anyhow!("decode"))?);
            }
        }
        for (_, store) in &stores {
            store.insert_readings(&rows, 0).await?;
        }
        if to as usize >= next_report || to as usize == n {
            eprintln!(
                "  loading {n} nodes: {to} signed and stored in {} store(s) ({:.0} s)",
                stores.len(),
                started.elapsed().as_secs_f64()
            );
            next_report += n / 10 + 1;
        }
    }
    let snapshot = world::snapshot(seed, n).encode();
    let previous = LedgerRow {
        epoch: EPOCH - 1,
        manifest_hash: PREVIOUS_MANIFEST,
        root: CumulativeTree::new(Vec::new()).map_err(|e| anyhow::anyhow!("{e:?}"))?.root(),
        cumulative_total: 0,
        leaves: Vec::new(),
    };
    for (_, store) in &stores {
        store.save_snapshot(EPOCH, &snapshot).await?;
        store.save_ledger(&previous).await?;
    }
    drop(snapshot);
    eprintln!("  deriving {n} binding addresses for the chain");
    let read_time = clock.end(EPOCH).unwrap_or(0) + 1;
    let chain =
        tokio::task::spawn_blocking(move || FixtureChain::new(read_time, bindings, world::cores()))
            .await?;
    server::set_rewards_config(&chain, &server::rewards_config(None));
    Ok(Loaded { nodes: n, stores, chain: Arc::new(chain), load: started.elapsed() })
}

#[derive(Clone, Debug)]
pub struct CloseResult {
    pub backend: Backend,
    pub nodes: usize,
    /// Fastest `Engine::compute`, and the memory of that run.
    pub close: Duration,
    pub memory: Option<PhaseMemory>,
    /// Fastest `CumulativeTree::new` over the closed leaves.
    pub hash: Duration,
    /// Fastest read of the readings the close streams, doing nothing with them, and their
    /// count.
    pub read: Duration,
    pub rows_read: usize,
    pub report: EpochReport,
    /// `Some(equal)` when the close was recomputed directly with `gridmint_protocol`.
    pub direct_equal: Option<bool>,
    /// The close itself, until [`CloseResult::without_tree`].
    pub closed: Option<Arc<Closed>>,
}

impl CloseResult {
    /// The result without the close (its tree and manifest are large).
    pub fn without_tree(mut self) -> Self {
        self.closed = None;
        self
    }

    pub fn ratio(&self) -> f64 {
        self.close.as_secs_f64() / self.hash.as_secs_f64().max(1e-9)
    }

    /// The read floor as a multiple of the hash time.
    pub fn read_ratio(&self) -> f64 {
        self.read.as_secs_f64() / self.hash.as_secs_f64().max(1e-9)
    }
}

/// Fastest of 3 reads of [`EPOCH`]'s close rows from `store`, and how many there were.
async fn read_floor(store: &Store) -> anyhow::Result<(Duration, usize)> {
    let end = world::clock().end(EPOCH).map_err(|e| anyhow::anyhow!("epoch end: {e:?}"))?;
    let mut fastest = (Duration::MAX, 0);
    for _ in 0..3 {
        let started = Instant::now();
        let rows = store.readings_of_epoch_keys_by_key(EPOCH, end);
        futures_util::pin_mut!(rows);
        let mut count = 0;
        while rows.try_next().await?.is_some() {
            count += 1;
        }
        fastest = fastest.min((started.elapsed(), count));
    }
    Ok(fastest)
}

/// Closes [`EPOCH`] `reps` times from `store` (the fastest counts).
pub async fn close(
    loaded: &Loaded,
    db: &FreshDb,
    store: &Arc<Store>,
    reps: usize,
) -> anyhow::Result<CloseResult> {
    let chain: Arc<dyn Chain> = Arc::clone(&loaded.chain) as Arc<dyn Chain>;
    let engine = Engine { chain, store: Arc::clone(store), deployment: world::deployment() };
    let config = server::rewards_config(None);
    let mut best: Option<(Duration, Option<PhaseMemory>, Arc<Closed>)> = None;
    for rep in 0..reps.max(1) {
        eprintln!("  closing {} nodes from {} (run {})", loaded.nodes, label(db.backend), rep + 1);
        // The previous run's result is dropped first: it is not part of this run's memory.
        let kept = best.take();
        let kept_time = kept.as_ref().map(|(t, m, _)| (*t, *m));
        drop(kept);
        let ((outcome, took), memory) = mem::measure(async {
            let started = Instant::now();
            let outcome = engine.compute(&config, EPOCH, None).await;
            (outcome, started.elapsed())
        })
        .await;
        let closed = match outcome? {
            Outcome::Closed(c) => c,
            Outcome::Abstain(why) => anyhow::bail!("the close abstained: {why}"),
        };
        best = Some(match kept_time {
            Some((t, m)) if t <= took => (t, m, closed),
            _ => (took, memory, closed),
        });
    }
    let (close, memory, closed) = best.ok_or_else(|| anyhow::anyhow!("no run"))?;
    let mut hash = Duration::MAX;
    for _ in 0..3 {
        let leaves = closed.state.cumulative.clone();
        let started = Instant::now();
        let tree = CumulativeTree::new(leaves).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        hash = hash.min(started.elapsed());
        anyhow::ensure!(tree.root() == closed.report.root, "tree root differs from the close");
    }
    eprintln!("  reading the close's rows from {} (floor)", label(db.backend));
    let (read, rows_read) = read_floor(store).await?;
    Ok(CloseResult {
        backend: db.backend,
        nodes: loaded.nodes,
        close,
        memory,
        hash,
        read,
        rows_read,
        report: closed.report.clone(),
        direct_equal: None,
        closed: Some(closed),
    })
}

/// The report of [`EPOCH`] computed directly with `gridmint_protocol` from the same inputs
/// (re-signed from the seed): crediting, manifest and cumulative state, no oracle code.
pub fn direct_report(seed: u64, n: usize) -> anyhow::Result<EpochReport> {
    let config = server::rewards_config(None);
    let pairs = world::devices_par(seed, 0..n as u64, world::cores(), |d| {
        (world::binding(seed, d.index, d.public), d.boundary_readings())
    });
    let snapshot = world::snapshot(seed, n);
    let clock = world::clock();
    let params = RewardParams::from(config.params.reward_formula);
    let inputs = EpochInputs {
        deployment: world::deployment(),
        clock,
        epoch: EPOCH,
        params,
        stake_decimals: snapshot.stake_decimals,
        min_stake: snapshot.min_stake,
        nodes: world::node_inputs(&snapshot),
        bindings: pairs.iter().map(|(b, _)| *b).collect(),
        requesters: Vec::new(),
        readings: pairs.iter().flat_map(|(_, r)| *r).collect(),
        receipts: Vec::new(),
    };
    let credit = credit_epoch(&inputs).map_err(|e| anyhow::anyhow!("credit: {e:?}"))?;
    let header = ManifestHeader {
        node_staking_program: ns::PROGRAM_ID.to_bytes(),
        rewards_program: rw::PROGRAM_ID.to_bytes(),
        epoch: EPOCH,
        epoch_start: clock.start(EPOCH).map_err(|e| anyhow::anyhow!("{e:?}"))?,
        epoch_end: clock.end(EPOCH).map_err(|e| anyhow::anyhow!("{e:?}"))?,
        emission: config.params.epoch_emission(EPOCH).map_err(|e| anyhow::anyhow!("{e:?}"))?,
        params,
        stake_decimals: snapshot.stake_decimals,
        previous_manifest_hash: PREVIOUS_MANIFEST,
        previous_cumulative_total: 0,
    };
    let manifest = build_manifest(&header, Some(&credit), &Corrections::default())
        .map_err(|e| anyhow::anyhow!("manifest: {e:?}"))?;
    let mut state = CumulativeState {
        cumulative: Vec::new(),
        cumulative_total: 0,
        last_manifest_hash: PREVIOUS_MANIFEST,
    };
    let (report, _) = state.apply(&manifest).map_err(|e| anyhow::anyhow!("apply: {e:?}"))?;
    Ok(report)
}
