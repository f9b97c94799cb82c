//! The `serve` process: builds ingest from the config, serves HTTP, shuts down gracefully.
//!
//! Graceful shutdown: on the signal the listener stops accepting, requests in flight run to
//! completion (their commits included) for up to `shutdown_grace`, then the store waits for
//! the write in flight and closes. A `kill -9` skips all this and loses nothing that was
//! answered `accepted` (see [`crate::store`]).

use std::future::{Future, IntoFuture};
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use gridmint_protocol::emission::EpochClock;
use gridmint_sdk::chain::RpcChain;
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::config::Config;
use crate::ingest::bindings::{BindingDirectory, CachePolicy, CachedBindings};
use crate::ingest::bindings_chain::ChainBindings;
use crate::ingest::bindings_file::FileBindings;
use crate::ingest::rate_limit::RateLimiter;
use crate::ingest::{http, Ingest, IngestSettings};
use crate::store::Store;

/// Opens the store and the binding source named by `config`.
pub async fn build(config: &Config) -> anyhow::Result<Arc<Ingest>> {
    let deployment = match &config.deployment {
        Some(text) => text.parse::<Pubkey>().map_err(|e| anyhow::anyhow!("deployment: {e}"))?,
        None => gridmint_sdk::node_staking::config_address(),
    };
    let rpc = match &config.bindings.rpc_url {
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
            let chain = RpcChain::new(Arc::new(client), commitment);
            Some(Arc::new(ChainBindings::new(Arc::new(chain))))
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
    }))
}

/// Serves until `shutdown` resolves, then drains and closes the store.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let ingest = build(&config).await?;
    let listener = TcpListener::bind(config.listen).await?;
    // Tests and operators read the bound address from this line (port 0 picks a free one).
    tracing::info!("listening on {}", listener.local_addr()?);
    let stopping = Arc::new(Notify::new());
    let notify = Arc::clone(&stopping);
    let server = axum::serve(listener, http::router(Arc::clone(&ingest))).with_graceful_shutdown(
        async move {
            shutdown.await;
            tracing::info!("shutting down: draining requests in flight");
            notify.notify_one();
        },
    );
    let grace = config.shutdown_grace;
    tokio::select! {
        result = server.into_future() => result?,
        () = async { stopping.notified().await; tokio::time::sleep(grace).await } => {
            tracing::warn!(?grace, "requests still in flight after the grace period");
        }
    }
    ingest.store.close().await;
    tracing::info!("stopped");
    Ok(())
}
