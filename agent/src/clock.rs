//! The chain's clock, for two things: the epoch clock that compaction follows, and a
//! warning when the device's clock drifts from the chain's (readings carry device time,
//! and epochs are cut by chain time, so a skewed clock credits energy to the wrong epoch).

use std::sync::Arc;
use std::time::Duration;

use gridmint_sdk::chain::{ChainExt, RpcChain};
use solana_commitment_config::CommitmentConfig;
use tokio::sync::watch;

use crate::compact::EpochClock;
use crate::metrics::Metrics;

/// Time between two skew checks.
pub const SKEW_CHECK_EVERY: Duration = Duration::from_secs(300);

fn chain(rpc_url: &str) -> RpcChain {
    RpcChain::from_url(rpc_url.to_string(), CommitmentConfig::confirmed())
}

/// The deployment's epoch clock from node-staking's config.
pub async fn epoch_clock(rpc_url: &str) -> anyhow::Result<EpochClock> {
    let fetched = chain(rpc_url).node_staking_config().await?;
    let config = fetched.account.ok_or_else(|| {
        anyhow::anyhow!("node-staking is not initialised at {rpc_url}; check rpc_url")
    })?;
    Ok(EpochClock {
        genesis_time: Some(config.genesis_time),
        epoch_seconds: Some(config.epoch_seconds),
    })
}

/// System clock minus the chain's clock, in seconds.
pub async fn skew(rpc_url: &str) -> anyhow::Result<i64> {
    let chain_now = chain(rpc_url).clock().await?.unix_timestamp;
    Ok(crate::unix_now().saturating_sub(chain_now))
}

/// Checks the skew every [`SKEW_CHECK_EVERY`] until shutdown; warns beyond `max`.
pub async fn watch_skew(
    rpc_url: String,
    max: Duration,
    metrics: Arc<Metrics>,
    mut shutdown: watch::Receiver<bool>,
) {
    let max = i64::try_from(max.as_secs()).unwrap_or(i64::MAX);
    loop {
        match skew(&rpc_url).await {
            Ok(s) => {
                metrics.set_clock_skew(s);
                if s.saturating_abs() > max {
                    tracing::warn!(
                        skew_seconds = s,
                        max_seconds = max,
                        "the system clock is far from the chain clock: readings may be \
                         credited to the wrong epoch; fix NTP on this machine"
                    );
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the chain clock"),
        }
        tokio::select! {
            () = tokio::time::sleep(SKEW_CHECK_EVERY) => {}
            _ = shutdown.changed() => return,
        }
    }
}
