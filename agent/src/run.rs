//! `gridmint-agent run`: sign a reading every interval, deliver to every oracle, serve
//! `/health` and `/metrics`, until Ctrl-C or SIGTERM; compute and hybrid nodes also answer
//! challenges and serve the job API (`compute`).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use gridmint_meters::MeterSource;
use solana_signer::Signer as _;
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::compact::{self, EpochClock};
use crate::config::{Config, Kind};
use crate::deliver::Delivery;
use crate::journal::{Journal, Owner, SignerState};
use crate::metrics::Metrics;
use crate::signer::Signer;
use crate::{bootstrap, clock, compute, failpoint, http, unix_now};

/// How long a graceful shutdown waits for deliveries in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Opens the journal for the configured device.
pub async fn open_journal(config: &Config) -> anyhow::Result<(Journal, solana_keypair::Keypair)> {
    let key = gridmint_ops::read_keypair_file(&config.device_keypair)?;
    let owner = Owner {
        device_key: key.pubkey().to_bytes(),
        deployment: config.deployment()?,
        node_id: config.node_id,
    };
    Ok((Journal::open(&config.journal_path(), owner).await?, key))
}

/// Holds `data_dir/agent.lock` for the life of the process: two agents signing from one
/// journal would race for each sequence (the journal's primary key would refuse the loser's
/// reading, but the loser would stop with an error), so the second one is refused up front.
fn lock_data_dir(config: &Config) -> anyhow::Result<std::fs::File> {
    std::fs::create_dir_all(&config.data_dir)?;
    let path = config.data_dir.join("agent.lock");
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another gridmint-agent is running on {} ({} is locked); stop it first",
            config.data_dir.display(),
            path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
    }
}

pub async fn run(config: Config, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
    // The lock first: a second agent on this directory is told so, not "address in use".
    let lock = lock_data_dir(&config)?;
    let listener = match config.listen {
        Some(listen) => Some(tokio::net::TcpListener::bind(listen).await?),
        None => None,
    };
    run_locked(lock, listener, config, shutdown).await
}

/// [`run`] serving HTTP on a listener the caller bound (`config.listen` is not used), for
/// supervisors and tests that pick the port.
pub async fn run_on(
    listener: Option<tokio::net::TcpListener>,
    config: Config,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let lock = lock_data_dir(&config)?;
    run_locked(lock, listener, config, shutdown).await
}

async fn run_locked(
    _lock: std::fs::File,
    listener: Option<tokio::net::TcpListener>,
    config: Config,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let (journal, key) = open_journal(&config).await?;
    let journal = Arc::new(journal);
    let key = Arc::new(key);
    let device_key = key.pubkey().to_bytes();
    let owner = Owner { device_key, deployment: config.deployment()?, node_id: config.node_id };
    let metrics = Arc::new(Metrics::new());
    let (stop_tx, stop) = watch::channel(false);
    let http_client = reqwest::Client::builder().timeout(config.delivery.timeout).build()?;
    let mut tasks = tokio::task::JoinSet::new();
    // Challenges and jobs first: a compute node's work does not wait for the readings'
    // bootstrap below.
    let shared = compute::Shared {
        config: &config,
        journal: &journal,
        key: &key,
        owner,
        metrics: &metrics,
        http: &http_client,
        stop: &stop,
    };
    let jobs_router = compute::start(&shared, &mut tasks);
    if jobs_router.is_some() && listener.is_none() {
        tracing::warn!(
            "no listen address: the job API (POST /v1/jobs, /v1/receipts) is not served"
        );
    }

    if let Some(listener) = listener {
        tracing::info!(address = %listener.local_addr()?, "serving /health and /metrics");
        let mut app =
            http::router(http::HttpState { journal: journal.clone(), metrics: metrics.clone() });
        if let Some(jobs) = jobs_router {
            app = app.merge(jobs);
        }
        let mut stop_http = stop.clone();
        tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop_http.changed().await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "http server failed");
            }
        });
    }
    tokio::pin!(shutdown);

    let state = tokio::select! {
        s = initial_state(&journal, &config, &http_client, device_key) => s?,
        () = &mut shutdown => { journal.close().await; return Ok(()) }
    };
    let epoch_clock = epoch_clock(&config).await;
    let (signed_tx, signed) = watch::channel(state.last_sequence);

    for oracle in &config.oracles {
        let delivery = Delivery {
            oracle: oracle.trim_end_matches('/').to_string(),
            journal: journal.clone(),
            device_key,
            http: http_client.clone(),
            batch: config.delivery.batch,
            retry_min: config.delivery.retry_min,
            retry_max: config.delivery.retry_max,
            metrics: metrics.clone(),
        };
        tasks.spawn(delivery.run(signed.clone(), stop.clone()));
    }
    if let Some(url) = config.rpc_url.clone() {
        tasks.spawn(clock::watch_skew(url, config.max_clock_skew, metrics.clone(), stop.clone()));
    }

    let source = gridmint_meters::open(&config.source).await?;
    let signer = Signer::new(key.insecure_clone(), owner, config.kind, config.capacity_wp);
    match source {
        None => {
            // The compute side (challenges, jobs) runs in `tasks` until the stop signal.
            tracing::info!("no meter source (compute node): no energy readings are signed");
            shutdown.await;
        }
        Some(mut source) => {
            tracing::info!(source = %source.describe(), node_id = config.node_id,
                next_sequence = state.last_sequence + 1, "signing readings");
            let mut state = state;
            let mut ticks = tokio::time::interval(config.interval);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = ticks.tick() => {}
                    () = &mut shutdown => break,
                }
                let Some(next) = tick(&signer, source.as_mut(), &journal, &state, &metrics).await?
                else {
                    continue;
                };
                state = next;
                let _ = signed_tx.send(state.last_sequence);
                maintain(&journal, &config, epoch_clock, &metrics).await?;
            }
        }
    }
    tracing::info!("shutting down: waiting for deliveries in flight");
    let _ = stop_tx.send(true);
    let _ =
        tokio::time::timeout(SHUTDOWN_GRACE, async { while tasks.join_next().await.is_some() {} })
            .await;
    journal.close().await;
    Ok(())
}

/// One signing step; `None` when the meter could not be read (the tick is skipped).
async fn tick(
    signer: &Signer,
    source: &mut dyn MeterSource,
    journal: &Journal,
    state: &SignerState,
    metrics: &Metrics,
) -> anyhow::Result<Option<SignerState>> {
    let now = unix_now();
    let sample =
        match tokio::time::timeout(gridmint_meters::source::READ_TIMEOUT, source.read(now)).await {
            Ok(Ok(sample)) => sample,
            Ok(Err(e)) => {
                metrics.source_error();
                tracing::warn!(error = %e, "meter read failed; no reading this interval");
                return Ok(None);
            }
            Err(_) => {
                metrics.source_error();
                tracing::warn!("meter read timed out; no reading this interval");
                return Ok(None);
            }
        };
    failpoint::hit("after_sample");
    let signed = signer.sign(journal, state, sample, now).await?;
    if signed.resets > 0 {
        tracing::warn!(
            sequence = signed.reading.sequence,
            "meter counter went backwards (restart or firmware update): rebased, nothing lost"
        );
    }
    if signed.jumps > 0 {
        tracing::warn!(
            sequence = signed.reading.sequence,
            "meter counter jumped beyond capacity_wp: increase not counted, rebased"
        );
    }
    if signed.capped_wh > 0 {
        tracing::warn!(
            sequence = signed.reading.sequence,
            dropped_wh = signed.capped_wh,
            "meter reports more than capacity_wp allows: the excess is not signed (check the \
             meter, or capacity_wp against the node's registered capacity)"
        );
    }
    metrics.counter_anomalies(signed.resets, signed.jumps);
    metrics.signed(signed.reading.sequence);
    Ok(Some(signed.state))
}

/// The committed state, or for a fresh journal the state adopted from the oracles.
async fn initial_state(
    journal: &Journal,
    config: &Config,
    http: &reqwest::Client,
    device_key: [u8; 32],
) -> anyhow::Result<SignerState> {
    if let Some(state) = journal.signer_state().await? {
        return Ok(state);
    }
    if config.kind == Kind::Compute && config.oracles.is_empty() {
        return Ok(SignerState::default());
    }
    let mut wait = config.delivery.retry_min;
    loop {
        let answers =
            bootstrap::ask_all(http, &config.oracles, device_key, config.delivery.timeout).await;
        if let Some(state) = bootstrap::adopt(&answers) {
            journal.commit(&state, None).await?;
            tracing::info!(
                last_sequence = state.last_sequence,
                "fresh journal: continuing after \
                the oracles' last reading from this key"
            );
            return Ok(state);
        }
        let errors: Vec<String> = answers.into_iter().filter_map(Result::err).collect();
        tracing::warn!(
            ?errors,
            "fresh journal: no oracle answered where this key's sequence \
            stands; signing nothing until one does"
        );
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(config.delivery.retry_max);
    }
}

async fn epoch_clock(config: &Config) -> EpochClock {
    let configured =
        EpochClock { genesis_time: config.genesis_time, epoch_seconds: config.epoch_seconds };
    if configured.genesis_time.is_some() && configured.epoch_seconds.is_some() {
        return configured;
    }
    match &config.rpc_url {
        Some(url) => clock::epoch_clock(url).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "epoch clock unknown: compaction keeps Unix-hour edges");
            configured
        }),
        None => configured,
    }
}

/// After each reading: queue gauges, compaction over `max_queue`, pruning of readings
/// every oracle acknowledged.
async fn maintain(
    journal: &Journal,
    config: &Config,
    clock: EpochClock,
    metrics: &Metrics,
) -> anyhow::Result<()> {
    let cursors = journal.cursors().await?;
    for c in &cursors {
        metrics.set_queue_depth(&c.oracle, c.backlog);
    }
    let Some(slowest) = cursors.iter().map(|c| c.next_sequence).min() else { return Ok(()) };
    if cursors.iter().any(|c| c.backlog > config.delivery.max_queue) {
        let pending = journal.times_from(slowest).await?;
        let gone = compact::select(&pending, config.delivery.max_queue, clock);
        if !gone.is_empty() {
            journal.delete(&gone).await?;
            metrics.compacted(gone.len() as u64);
            tracing::warn!(
                removed = gone.len(),
                kept = pending.len() - gone.len(),
                "an oracle is over delivery.max_queue readings behind: compacted the queue \
                 (epoch and hour edges kept, so no credited energy is lost)"
            );
        } else if pending.len() as u64 > config.delivery.max_queue {
            tracing::warn!(
                pending = pending.len(),
                "queue over delivery.max_queue and nothing \
                more can be compacted without losing energy; keeping everything"
            );
        }
    }
    let prunable = journal.prunable(slowest, config.delivery.retain_acknowledged).await?;
    if !prunable.is_empty() {
        journal.delete(&prunable).await?;
    }
    Ok(())
}
