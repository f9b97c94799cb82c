//! The compute side of `run` for compute and hybrid nodes: the challenge responder (with
//! `rpc_url`), and the job API on the listener with the deliveries of co-signed receipts.

use std::sync::Arc;

use solana_keypair::Keypair;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use crate::challenges::{discover, Responder};
use crate::config::{Config, Kind};
use crate::jobs::deliver::ReceiptDelivery;
use crate::jobs::http::{router, JobsState};
use crate::journal::{Journal, Owner};
use crate::metrics::Metrics;

/// What `run` shares with the compute side.
pub struct Shared<'a> {
    pub config: &'a Config,
    pub journal: &'a Arc<Journal>,
    pub key: &'a Arc<Keypair>,
    pub owner: Owner,
    pub metrics: &'a Arc<Metrics>,
    pub http: &'a reqwest::Client,
    pub stop: &'a watch::Receiver<bool>,
}

/// Starts the responder's task; answers the job API's router (`None`: not served).
pub fn start(s: &Shared<'_>, tasks: &mut JoinSet<()>) -> Option<axum::Router> {
    let config = s.config;
    if config.kind == Kind::Energy {
        return None;
    }
    let retry = (config.delivery.retry_min, config.delivery.retry_max);
    match (&config.rpc_url, config.challenges.enabled) {
        (Some(url), true) => {
            let threads = config.challenges.prover_threads();
            tracing::info!(threads, "answering compute challenges");
            let responder = Arc::new(Responder::new(
                s.journal.clone(),
                s.key.clone(),
                s.owner.deployment,
                threads,
                config.oracles.clone(),
                s.http.clone(),
                retry,
                s.metrics.clone(),
            ));
            let poll = config.challenges.poll_interval;
            tasks.spawn(discover::run(
                responder,
                url.clone(),
                config.node_id,
                poll,
                s.stop.clone(),
            ));
        }
        (None, true) => tracing::warn!(
            "no rpc_url: compute challenges are not answered (every missed challenge scales \
             this node's credited work down); set rpc_url"
        ),
        (_, false) => {
            tracing::warn!("challenges.enabled = false: compute challenges are not answered")
        }
    }
    if !config.jobs.enabled {
        return None;
    }
    let (cosigned_tx, cosigned) = watch::channel(0u64);
    for oracle in &config.oracles {
        let delivery = ReceiptDelivery {
            oracle: oracle.trim_end_matches('/').to_string(),
            journal: s.journal.clone(),
            device_key: s.owner.device_key,
            http: s.http.clone(),
            batch: config.jobs.batch,
            retry_min: retry.0,
            retry_max: retry.1,
            metrics: s.metrics.clone(),
        };
        tasks.spawn(delivery.run(cosigned.clone(), s.stop.clone()));
    }
    Some(router(JobsState {
        journal: s.journal.clone(),
        key: s.key.clone(),
        owner: s.owner,
        config: Arc::new(config.jobs.clone()),
        metrics: s.metrics.clone(),
        cosigned: Arc::new(cosigned_tx),
        running: Arc::new(Semaphore::new(1)),
    }))
}
