//! Meter sources: where the agent reads a meter's lifetime counters.
//!
//! Every source answers the meter's own counters (cumulative Wh as the device reports
//! them); turning them into the signed counters, which never decrease, is
//! [`crate::counter`]'s job, so a meter restart or a firmware update that zeroes a counter
//! never becomes a regression in a signed reading.

use std::time::Duration;

use serde::Deserialize;

use crate::simulated;

/// One reading of a meter's lifetime counters, in whole Wh (fractions are floored, so a
/// counter is never overstated).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeterSample {
    /// Clean energy produced.
    pub produced_wh: u64,
    /// Energy the node consumed (hybrid nodes); `None` when the source does not measure it.
    pub consumed_wh: Option<u64>,
}

/// Why a source could not be read this time. The agent skips the tick (no reading is
/// signed) and tries again at the next one.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Nothing received yet, or the last value is older than the staleness limit.
    #[error("no recent value: {0}")]
    NoValue(String),
    /// The device answered something we cannot interpret.
    #[error("unreadable value: {0}")]
    Invalid(String),
    /// Transport failure (connection refused, timeout, broker gone).
    #[error("unreachable: {0}")]
    Unreachable(String),
}

/// A meter the agent reads once per interval.
#[async_trait::async_trait]
pub trait MeterSource: Send {
    /// The meter's lifetime counters now; `now` is the agent's Unix time in seconds.
    async fn read(&mut self, now: i64) -> Result<MeterSample, SourceError>;
    /// A short description for logs and `status`.
    fn describe(&self) -> String;
}

/// `[source]` in the config, by `kind`.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SourceConfig {
    /// A deterministic solar and load profile from a seed (demos and tests).
    Simulated(simulated::SimulatedConfig),
    /// No meter: compute-only nodes sign no energy readings.
    None,
}

/// Builds the configured source (connecting where it needs to).
pub async fn open(config: &SourceConfig) -> anyhow::Result<Option<Box<dyn MeterSource>>> {
    Ok(match config {
        SourceConfig::Simulated(c) => Some(Box::new(simulated::Simulated::new(c.clone()))),
        SourceConfig::None => None,
    })
}

/// How long a source may take to answer before the tick is skipped.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
