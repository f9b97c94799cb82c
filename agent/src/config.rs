//! Configuration: a TOML file overridden by `GRIDMINT_AGENT__SECTION__KEY` environment
//! variables (the layering of `gridmint_ops::config`, shared with the oracle).
//!
//! ```toml
//! device_keypair = "/etc/gridmint/device.json"   # Solana CLI keypair of the device key
//! data_dir = "/var/lib/gridmint-agent"            # the journal (SQLite) lives here
//! node_id = 7
//! kind = "hybrid"                                 # energy | hybrid | compute
//! oracles = ["http://oracle-a:8080", "http://oracle-b:8080"]
//! interval = "5m"
//! [challenges]                                  # compute and hybrid nodes, with rpc_url
//! threads = 4                                   # default: the machine's parallelism
//! [jobs.commands.render]                          # a job a requester may ask for by name
//! command = ["/usr/local/bin/render", "--scene", "a"]
//! work_units = 120
//! [source]
//! kind = "mqtt"
//! format = "opendtu"
//! topic = "solar/116180000000/0/yieldtotal"
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gridmint_ops::config::{duration, string_list};
use serde::Deserialize;

use gridmint_meters::SourceConfig;

/// Environment prefix; `GRIDMINT_AGENT__NODE_ID=7` sets `node_id`.
pub const ENV_PREFIX: &str = "GRIDMINT_AGENT__";

/// The node's kind, as registered on chain. Only hybrid nodes report consumption.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Energy,
    Compute,
    Hybrid,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The device key (Solana CLI JSON keypair), bound to the node on chain.
    pub device_keypair: PathBuf,
    /// Directory of the journal (`agent.db`): signed readings, delivery cursors.
    pub data_dir: PathBuf,
    /// The node's id (`Node::node_id`).
    pub node_id: u64,
    pub kind: Kind,
    /// The node's registered energy capacity, Wp (as on chain; the lower one while a change
    /// is pending). Signed counters are kept inside the fraud rules' allowance for it (see
    /// `allowance`), and meter jumps beyond it are not counted. Required for energy and
    /// hybrid nodes.
    #[serde(default)]
    pub capacity_wp: Option<u64>,
    /// Deployment id (node-staking config address, base58); default: the SDK's.
    #[serde(default)]
    pub deployment: Option<String>,
    /// Base URLs of the oracles; every reading goes to each of them.
    #[serde(deserialize_with = "string_list")]
    pub oracles: Vec<String>,
    /// Time between two readings.
    #[serde(default = "default_interval", deserialize_with = "duration")]
    pub interval: Duration,
    /// Solana JSON-RPC URL, for the chain clock (skew warning) and `sign-registration`.
    #[serde(default)]
    pub rpc_url: Option<String>,
    /// `/health` and `/metrics`; absent: not served.
    #[serde(default)]
    pub listen: Option<SocketAddr>,
    /// Epoch clock, so compaction keeps the readings at epoch edges (hour edges are kept
    /// either way). Read from the chain when absent and `rpc_url` is set.
    #[serde(default)]
    pub genesis_time: Option<i64>,
    #[serde(default)]
    pub epoch_seconds: Option<i64>,
    #[serde(default)]
    pub delivery: DeliveryConfig,
    #[serde(default)]
    pub challenges: ChallengesConfig,
    #[serde(default)]
    pub jobs: crate::jobs::JobsConfig,
    /// Warn when the system clock is further than this from the chain clock.
    #[serde(default = "default_max_clock_skew", deserialize_with = "duration")]
    pub max_clock_skew: Duration,
    pub source: SourceConfig,
}

/// Store-and-forward.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// Readings per request.
    pub batch: usize,
    /// Readings an oracle may fall behind before the queue is compacted.
    pub max_queue: u64,
    /// First wait after a failed delivery; doubles up to `retry_max`.
    #[serde(deserialize_with = "duration")]
    pub retry_min: Duration,
    #[serde(deserialize_with = "duration")]
    pub retry_max: Duration,
    #[serde(deserialize_with = "duration")]
    pub timeout: Duration,
    /// Readings every oracle acknowledged that stay in the journal (for `status` and for an
    /// oracle that lost its database); older ones are pruned.
    pub retain_acknowledged: u64,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            batch: 64,
            max_queue: 100_000,
            retry_min: Duration::from_secs(1),
            retry_max: Duration::from_secs(300),
            timeout: Duration::from_secs(10),
            retain_acknowledged: 10_000,
        }
    }
}

/// Compute challenges (PROTOCOL.md §10), answered by compute and hybrid nodes when
/// `rpc_url` is set (the beacons are read from the chain).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChallengesConfig {
    pub enabled: bool,
    /// Prover threads; 0: the machine's parallelism.
    pub threads: usize,
    /// Time between two reads of the beacon account.
    #[serde(deserialize_with = "duration")]
    pub poll_interval: Duration,
}

impl Default for ChallengesConfig {
    fn default() -> Self {
        Self { enabled: true, threads: 0, poll_interval: Duration::from_secs(2) }
    }
}

impl ChallengesConfig {
    /// Threads the prover uses.
    pub fn prover_threads(&self) -> usize {
        match self.threads {
            0 => crate::challenges::prover::default_threads(),
            n => n,
        }
    }
}

fn default_interval() -> Duration {
    Duration::from_secs(300)
}

fn default_max_clock_skew() -> Duration {
    Duration::from_secs(60)
}

impl Config {
    /// Reads `path` (if any), applies the overrides among `env`, and checks the result.
    pub fn load(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Self> {
        let config: Self = gridmint_ops::config::load_layered(path, ENV_PREFIX, env)?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> anyhow::Result<()> {
        if self.oracles.is_empty() && self.kind != Kind::Compute {
            anyhow::bail!("no oracles configured: set `oracles` (or GRIDMINT_AGENT__ORACLES)");
        }
        if self.kind != Kind::Compute && !matches!(self.capacity_wp, Some(w) if w > 0) {
            anyhow::bail!(
                "capacity_wp is required for energy and hybrid nodes: set it to the node's \
                 registered energy capacity (Wp), so no reading can exceed the fraud allowance"
            );
        }
        if self.interval.is_zero() {
            anyhow::bail!("interval must be positive");
        }
        if self.delivery.batch == 0 || self.delivery.max_queue == 0 {
            anyhow::bail!("delivery.batch and delivery.max_queue must be positive");
        }
        if self.delivery.retry_min > self.delivery.retry_max {
            anyhow::bail!("delivery.retry_min must not exceed delivery.retry_max");
        }
        if matches!(self.epoch_seconds, Some(s) if s <= 0) {
            anyhow::bail!("epoch_seconds must be positive");
        }
        if self.challenges.poll_interval.is_zero() {
            anyhow::bail!("challenges.poll_interval must be positive");
        }
        self.jobs.check()?;
        Ok(())
    }

    /// The journal database file.
    pub fn journal_path(&self) -> PathBuf {
        self.data_dir.join("agent.db")
    }

    /// The deployment id bytes.
    pub fn deployment(&self) -> anyhow::Result<[u8; 32]> {
        match &self.deployment {
            None => Ok(gridmint_sdk::node_staking::config_address().to_bytes()),
            Some(text) => {
                let bytes = bs58::decode(text).into_vec().ok().filter(|b| b.len() == 32);
                let bytes = bytes.ok_or_else(|| {
                    anyhow::anyhow!("deployment {text:?} is not a base58 address of 32 bytes")
                })?;
                let mut out = [0u8; 32];
                out.copy_from_slice(&bytes);
                Ok(out)
            }
        }
    }
}
