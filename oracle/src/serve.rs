//! The `serve` process: builds ingest and the epoch loop from the config, serves HTTP (the
//! ingest endpoints and the read API), runs the loop, shuts down gracefully. Several
//! processes may share one PostgreSQL store behind a load balancer: all serve, one leads the
//! loop and the watchtower ([`crate::leader`]).
//!
//! Graceful shutdown: on the signal the listener stops accepting, requests in flight run to
//! completion (their commits included) for up to `shutdown_grace`, then the store waits for
//! the write in flight and closes. A `kill -9` skips all this and loses nothing that was
//! answered `accepted` (see [`crate::store`]).

use std::future::{Future, IntoFuture};
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use axum::Router;
use gridmint_protocol::emission::EpochClock;
use gridmint_sdk::chain::{ChainTime, ClockedChain, RpcChain};
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::archive::{self, Archiver};
use crate::beacon_crank::BeaconCrank;
use crate::challenges::ingest::Attester;
use crate::challenges::presence::Presence;
use crate::config::Config;
use crate::driver::{DriverSettings, Oracle};
use crate::epoch::Engine;
use crate::ingest::bindings::{BindingDirectory, CachePolicy, CachedBindings};
use crate::ingest::bindings_chain::ChainBindings;
use crate::ingest::bindings_file::FileBindings;
use crate::ingest::rate_limit::RateLimiter;
use crate::ingest::verify_pool::VerifyPool;
use crate::ingest::{http, Ingest, IngestSettings};
use crate::leader::Leadership;
use crate::metrics::{MeteredChain, Metrics};
use crate::store::Store;
use crate::sync::Peers;
use crate::watchtower::Watchtower;
use gridmint_sdk::chain::Chain;
use gridmint_sdk::vote::ComputeBudget;

/// Opens the store and the binding source named by `config`; ingest counts into `metrics`.
pub async fn build(config: &Config, metrics: Arc<Metrics>) -> anyhow::Result<Arc<Ingest>> {
    build_with_time(config, metrics, None).await
}

/// [`build`] whose attestations are stamped with `time` (the chain clock between reads,
/// which deadlines are measured in) instead of the system clock.
pub async fn build_with_time(
    config: &Config,
    metrics: Arc<Metrics>,
    time: Option<Arc<ChainTime>>,
) -> anyhow::Result<Arc<Ingest>> {
    let deployment = match &config.deployment {
        Some(text) => text.parse::<Pubkey>().map_err(|e| anyhow::anyhow!("deployment: {e}"))?,
        None => gridmint_sdk::node_staking::config_address(),
    };
    let rpc = match config.bindings.rpc_url.as_ref().or(config.rpc_url.as_ref()) {
        Some(url) => {
            let commitment = config
                .bindings
                .commitment
                .parse::<CommitmentConfig>()
                .map_err(|e| anyhow::anyhow!("bindings.commitment: {e}"))?;
            // Bindings are PDAs of the SDK's node-staking deployment; another deployment id
            // would accept readings whose bindings this oracle can never find.
            if deployment != gridmint_sdk::node_staking::config_address() {
                anyhow::bail!(
                    "deployment {deployment} is not the node-staking config this build reads \
                     bindings from ({}); rebuild with that program id or fix `deployment`",
                    gridmint_sdk::node_staking::config_address()
                );
            }
            let client = RpcClient::new_with_commitment(url.clone(), commitment);
            let chain = Arc::new(RpcChain::new(Arc::new(client), commitment));
            let chain = Arc::new(MeteredChain::new(chain, Arc::clone(&metrics)));
            Some(Arc::new(ChainBindings::new(chain)))
        }
        None => None,
    };
    let clock = match (config.genesis_time, config.epoch_seconds, &rpc) {
        (Some(genesis_time), Some(epoch_seconds), _) => EpochClock { genesis_time, epoch_seconds },
        (None, None, Some(rpc)) => rpc.epoch_clock().await?,
        _ => anyhow::bail!("set genesis_time and epoch_seconds, or bindings.rpc_url"),
    };
    if clock.epoch_seconds <= 0 {
        anyhow::bail!("epoch_seconds must be positive");
    }
    metrics.epoch_seconds(clock.epoch_seconds);
    let source: Arc<dyn BindingDirectory> = match (&config.bindings.file, rpc) {
        (Some(path), _) => {
            tracing::warn!(path = %path.display(), "bindings from a file: development only");
            Arc::new(FileBindings::load(path)?)
        }
        (None, Some(rpc)) => rpc,
        (None, None) => anyhow::bail!("set bindings.rpc_url (or bindings.file for development)"),
    };
    let policy = CachePolicy {
        ttl: config.bindings.ttl,
        missing_retry: config.bindings.missing_retry,
        max_missing: config.bindings.max_missing,
    };
    let store = Arc::new(Store::open(&config.database_url).await?);
    // The vote key also attests challenge answers (§10.7); without it: watch-only.
    let attester = match (&config.oracle.keypair, time) {
        (Some(path), time) => {
            let key = Arc::new(gridmint_ops::read_keypair_file(path)?);
            Some(match time {
                Some(time) => Attester::with_clock(key, Arc::new(move || time.now())),
                None => Attester::new(key),
            })
        }
        (None, _) => None,
    };
    Ok(Arc::new(Ingest {
        settings: IngestSettings {
            deployment: deployment.to_bytes(),
            clock,
            max_body_bytes: config.ingest.max_body_bytes,
            max_batch_items: config.ingest.max_batch_items,
        },
        store,
        bindings: CachedBindings::new(source, policy),
        reading_limit: RateLimiter::new(config.ingest.readings_per_device_minute),
        receipt_limit: RateLimiter::new(config.ingest.receipts_per_device_minute),
        verify: VerifyPool::start(config.ingest.verify_threads, config.ingest.verify_nice)
            .map_err(|e| anyhow::anyhow!("starting the signature-check threads: {e}"))?,
        metrics,
        attester,
    }))
}

/// The chain client of `config.rpc_url` at `config.commitment`.
pub fn chain(config: &Config) -> anyhow::Result<Option<Arc<dyn Chain>>> {
    let Some(url) = &config.rpc_url else { return Ok(None) };
    let commitment = config
        .commitment
        .parse::<CommitmentConfig>()
        .map_err(|e| anyhow::anyhow!("commitment: {e}"))?;
    let client = RpcClient::new_with_commitment(url.clone(), commitment);
    Ok(Some(Arc::new(RpcChain::new(Arc::new(client), commitment))))
}

/// The epoch loop over `chain`, voting with `config.oracle.keypair` when set, run while
/// `leadership` says this replica leads.
pub fn oracle(
    config: &Config,
    ingest: Arc<Ingest>,
    chain: Arc<dyn Chain>,
    leadership: Arc<Leadership>,
) -> anyhow::Result<Arc<Oracle>> {
    // Read once by `build`: the key that attests answers is the key that votes.
    let keypair = ingest.attester.as_ref().map(|a| Arc::clone(&a.key));
    if keypair.is_none() {
        tracing::warn!("no oracle.keypair: computing and serving only, never voting");
    }
    let engine =
        Engine { chain, store: Arc::clone(&ingest.store), deployment: ingest.settings.deployment };
    let settings = DriverSettings {
        sync_attempts: config.oracle.sync_attempts,
        close_epochs: config.oracle.close_epochs,
        budget: ComputeBudget {
            unit_limit: config.oracle.compute_unit_limit,
            micro_lamports_per_cu: config.oracle.priority_fee_micro_lamports,
        },
    };
    let metrics = Arc::clone(&ingest.metrics);
    let peers = Peers::new(config.oracle.peers.clone(), config.oracle.peer_timeout, metrics);
    let oracle = Oracle::new(engine, ingest, peers, keypair, settings);
    Ok(Arc::new(oracle.with_leadership(leadership)))
}

/// Every route the process serves: ingest, `/health`, `/metrics` and `/openapi.json`, and the
/// read API when there is an epoch loop (`oracle`).
pub fn app(ingest: Arc<Ingest>, oracle: Option<Arc<Oracle>>) -> Router {
    app_with_archive(ingest, oracle, None)
}

/// [`app`] whose archive route serves `archiver`'s files (404 without one).
pub fn app_with_archive(
    ingest: Arc<Ingest>,
    oracle: Option<Arc<Oracle>>,
    archiver: Option<Arc<Archiver>>,
) -> Router {
    let app = http::router(ingest);
    match oracle {
        Some(oracle) => {
            app.merge(crate::api::router(oracle)).merge(archive::http::router(archiver))
        }
        None => app,
    }
}

/// Serves on `config.listen` until `shutdown` resolves, then drains and closes the store.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let listener = TcpListener::bind(config.listen).await?;
    run_on(listener, config, shutdown).await
}

/// [`run`] on a listener the caller bound (tests and supervisors that pick the port).
pub async fn run_on(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // The process's one set of metrics, shared by everything below.
    let metrics = Arc::new(Metrics::new());
    // Challenge deadlines are chain time: attest with the chain clock every read refreshes.
    let time = Arc::new(ChainTime::new());
    let ingest = build_with_time(&config, Arc::clone(&metrics), Some(Arc::clone(&time))).await?;
    let mut looping = None;
    let mut archiving = None;
    let stopping = Arc::new(Notify::new());
    let mut tasks = Vec::new();
    match chain(&config)? {
        Some(chain) => {
            let chain: Arc<dyn Chain> = Arc::new(MeteredChain::new(chain, Arc::clone(&metrics)));
            let chain: Arc<dyn Chain> = Arc::new(ClockedChain::new(chain, time));
            // Replicas on one PostgreSQL store elect one leader; a SQLite process always leads.
            let deployment = &ingest.settings.deployment;
            let leadership =
                Arc::new(Leadership::for_store(&config.database_url, deployment).await?);
            let oracle =
                oracle(&config, Arc::clone(&ingest), Arc::clone(&chain), Arc::clone(&leadership))?;
            looping = Some(Arc::clone(&oracle));
            let stop = Arc::clone(&stopping);
            let interval = config.oracle.tick_interval;
            tasks.push(tokio::spawn(oracle.run(interval, async move { stop.notified().await })));
            let store = Arc::clone(&ingest.store);
            let deployment = ingest.settings.deployment;
            archiving =
                archive::setup::from_config(&config, Arc::clone(&chain), store, deployment)?;
            if let Some(archiver) = &archiving {
                let stop = Arc::clone(&stopping);
                let run = Arc::clone(archiver)
                    .run(config.archive.interval, async move { stop.notified().await });
                tasks.push(tokio::spawn(run));
            }
            if let (true, Some(attester)) = (config.oracle.crank_beacons, &ingest.attester) {
                let payer = Arc::clone(&attester.key);
                let crank = BeaconCrank { chain: Arc::clone(&chain), payer };
                let stop = Arc::clone(&stopping);
                let run =
                    crank.run(config.oracle.tick_interval, Arc::clone(&leadership), async move {
                        stop.notified().await
                    });
                tasks.push(tokio::spawn(run));
            }
            if ingest.attester.is_some() {
                // Presence attestations (§10.7): a voting oracle only.
                let presence = Presence::with_leadership(
                    Arc::clone(&chain),
                    Arc::clone(&ingest),
                    Arc::clone(&leadership),
                );
                let stop = Arc::clone(&stopping);
                let interval = config.oracle.tick_interval;
                tasks.push(tokio::spawn(
                    presence.run(interval, async move { stop.notified().await }),
                ));
            }
            if config.watchtower.enabled {
                let mut settings = config.watchtower.clone();
                // One key per oracle by default: the one it votes with.
                settings.keypair = settings.keypair.or_else(|| config.oracle.keypair.clone());
                let store = Arc::clone(&ingest.store);
                let watchtower = Watchtower::from_config(&settings, store, chain).await?;
                let stop = Arc::clone(&stopping);
                let metrics = Arc::clone(&metrics);
                tasks.push(tokio::spawn(async move {
                    let stopped = async move { stop.notified().await };
                    watchtower.run(settings.interval, &metrics, &leadership, stopped).await
                }));
            }
        }
        None => tracing::warn!("no rpc_url: ingest only (no close, vote, read API or watchtower)"),
    }
    let router = app_with_archive(Arc::clone(&ingest), looping, archiving);
    // Tests and operators read the bound address from this line (port 0 picks a free one).
    tracing::info!("listening on {}", listener.local_addr()?);
    let notify = Arc::clone(&stopping);
    let server = axum::serve(listener, router).with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("shutting down: draining requests in flight");
        notify.notify_waiters();
    });
    let grace = config.shutdown_grace;
    tokio::select! {
        result = server.into_future() => result?,
        () = async { stopping.notified().await; tokio::time::sleep(grace).await } => {
            tracing::warn!(?grace, "requests still in flight after the grace period");
        }
    }
    for task in tasks {
        // Loops stop at their next await; a step in flight finishes its store writes.
        let _ = tokio::time::timeout(grace, task).await;
    }
    ingest.store.close().await;
    tracing::info!("stopped");
    Ok(())
}
