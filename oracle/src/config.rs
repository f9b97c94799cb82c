//! Configuration: a TOML file, overridden by `GRIDMINT_ORACLE__SECTION__KEY` environment
//! variables (`__` separates levels, keys lower-cased), durations in human form (`"5s"`);
//! the layering is `gridmint_ops::config`, shared with the agent.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gridmint_ops::config::{duration, string_list};
use serde::Deserialize;

/// Environment prefix; `GRIDMINT_ORACLE__LISTEN=...` sets `listen`.
pub const ENV_PREFIX: &str = "GRIDMINT_ORACLE__";

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to serve on (port 0: any free port; the bound address is logged).
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// sqlx URL, e.g. `sqlite:///var/lib/gridmint/oracle.db?mode=rwc`.
    pub database_url: String,
    /// Deployment id (node-staking config address, base58); default: the SDK's.
    #[serde(default)]
    pub deployment: Option<String>,
    /// Solana JSON-RPC URL for chain reads and votes (bindings too, unless
    /// `bindings.rpc_url` is set). Without it the process only ingests (development).
    #[serde(default)]
    pub rpc_url: Option<String>,
    /// Commitment of chain reads and votes. Snapshots must not see state that can roll back
    /// (§8.4), so `finalized` is the default.
    #[serde(default = "default_chain_commitment")]
    pub commitment: String,
    /// Epoch clock; read from node-staking's config over RPC when absent.
    #[serde(default)]
    pub genesis_time: Option<i64>,
    #[serde(default)]
    pub epoch_seconds: Option<i64>,
    /// How long a graceful shutdown waits for requests in flight.
    #[serde(default = "default_shutdown_grace", deserialize_with = "duration")]
    pub shutdown_grace: Duration,
    #[serde(default)]
    pub ingest: IngestConfig,
    #[serde(default)]
    pub bindings: BindingsConfig,
    #[serde(default)]
    pub oracle: OracleConfig,
    #[serde(default)]
    pub watchtower: WatchtowerConfig,
    #[serde(default)]
    pub archive: ArchiveConfig,
}

/// Closing and voting.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OracleConfig {
    /// Solana CLI JSON keypair to vote with (a member of the rewards oracle set). Without
    /// it the oracle computes, serves and follows the chain but never votes.
    pub keypair: Option<PathBuf>,
    /// Base URLs of the other oracles (`http://host:port`); an environment override takes
    /// a comma-separated list.
    #[serde(deserialize_with = "string_list")]
    pub peers: Vec<String>,
    /// Time between two steps of the epoch loop.
    #[serde(deserialize_with = "duration")]
    pub tick_interval: Duration,
    /// Steps of disagreement with the peers before abstaining from an epoch.
    pub sync_attempts: u32,
    #[serde(deserialize_with = "duration")]
    pub peer_timeout: Duration,
    /// Compute-unit limit of vote and close transactions.
    pub compute_unit_limit: u32,
    /// Priority fee, micro-lamports per compute unit (0: none).
    pub priority_fee_micro_lamports: u64,
    /// Send `close_epoch` for superseded epochs (returns the first voter's rent).
    pub close_epochs: bool,
    /// Run the compute-challenge beacon crank with `keypair` (creates each epoch's beacon
    /// account, ≈ 0.022 SOL of rent, and records its beacons; see `beacon_crank`).
    pub crank_beacons: bool,
}

impl Default for OracleConfig {
    fn default() -> Self {
        Self {
            keypair: None,
            peers: Vec::new(),
            tick_interval: Duration::from_secs(5),
            sync_attempts: 12,
            peer_timeout: Duration::from_secs(10),
            compute_unit_limit: 60_000,
            priority_fee_micro_lamports: 0,
            close_epochs: true,
            crank_beacons: true,
        }
    }
}

fn default_chain_commitment() -> String {
    "finalized".into()
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestConfig {
    pub max_body_bytes: usize,
    pub max_batch_items: usize,
    /// Per device per minute of device time; 0 disables.
    pub readings_per_device_minute: u32,
    pub receipts_per_device_minute: u32,
    /// Threads checking signatures; 0: one per core.
    pub verify_threads: usize,
    /// How far below the process's priority they run (Linux: added to its nice value, at
    /// most 19; 0: the same). The serial group commit then gets a core first whenever it
    /// needs one (`ingest::verify_pool`).
    pub verify_nice: u8,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 4 << 20,
            max_batch_items: 10_000,
            readings_per_device_minute: 60,
            receipts_per_device_minute: 600,
            verify_threads: 0,
            verify_nice: 10,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BindingsConfig {
    /// Solana JSON-RPC URL the bindings are read from.
    pub rpc_url: Option<String>,
    /// Development only: a JSON file of bindings instead of RPC (see `bindings_file`).
    pub file: Option<PathBuf>,
    /// `processed`, `confirmed` or `finalized`.
    pub commitment: String,
    #[serde(deserialize_with = "duration")]
    pub ttl: Duration,
    #[serde(deserialize_with = "duration")]
    pub missing_retry: Duration,
    pub max_missing: usize,
}

impl Default for BindingsConfig {
    fn default() -> Self {
        Self {
            rpc_url: None,
            file: None,
            commitment: "confirmed".into(),
            ttl: Duration::from_secs(300),
            missing_retry: Duration::from_secs(5),
            max_missing: 100_000,
        }
    }
}

/// The watchtower (`crate::watchtower`): reports provable fraud from stored readings.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WatchtowerConfig {
    /// Off by default: reports spend the oracle's SOL (fees, rent of each evidence record).
    pub enabled: bool,
    /// The oracle's Solana CLI keypair file; it signs and pays for the reports.
    pub keypair: Option<PathBuf>,
    /// Token account of the stake mint, owned by the keypair, that receives the bounties
    /// (base58). Default: the keypair's associated token account of the stake mint.
    pub reporter_token_account: Option<String>,
    /// Time between passes.
    #[serde(deserialize_with = "duration")]
    pub interval: Duration,
}

impl Default for WatchtowerConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            keypair: None,
            reporter_token_account: None,
            interval: Duration::from_secs(30),
        }
    }
}

/// Per-epoch archive files of the inputs each manifest commits (`crate::archive`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArchiveConfig {
    /// Write (and serve) the archive of every finalized epoch.
    pub enabled: bool,
    /// Default: `archive/` beside the SQLite file; required with PostgreSQL.
    pub dir: Option<PathBuf>,
    /// Delete archived inputs from the store once their manifest can no longer be disputed
    /// and `retain_epochs` have passed (off by default).
    pub prune: bool,
    /// Epochs after an epoch's end before its inputs may be pruned; default: node-staking's
    /// unbonding period (fraud proofs from the store can slash until then).
    pub retain_epochs: Option<u64>,
    /// Time between passes.
    #[serde(deserialize_with = "duration")]
    pub interval: Duration,
}

impl Default for ArchiveConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            dir: None,
            prune: false,
            retain_epochs: None,
            interval: Duration::from_secs(30),
        }
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

fn default_shutdown_grace() -> Duration {
    Duration::from_secs(30)
}

impl Config {
    /// Reads `path` (if any), applies the overrides among `env`, and checks the result.
    pub fn load(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Self> {
        gridmint_ops::config::load_layered(path, ENV_PREFIX, env)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn file_then_env_overrides_nested_keys() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("oracle.toml");
        std::fs::write(
            &path,
            "database_url = \"sqlite://a.db\"\n[ingest]\nmax_body_bytes = 10\nverify_threads = 3\n\
             [bindings]\nttl = \"1m\"\n",
        )
        .expect("write");
        let c = Config::load(
            Some(&path),
            env(&[
                ("GRIDMINT_ORACLE__INGEST__MAX_BODY_BYTES", "20"),
                ("GRIDMINT_ORACLE__INGEST__VERIFY_NICE", "0"),
                ("GRIDMINT_ORACLE__BINDINGS__MISSING_RETRY", "250ms"),
                ("GRIDMINT_ORACLE__LISTEN", "127.0.0.1:0"),
                ("OTHER__LISTEN", "ignored"),
            ]),
        )
        .expect("load");
        assert_eq!(c.ingest.max_body_bytes, 20);
        assert_eq!((c.ingest.verify_threads, c.ingest.verify_nice), (3, 0));
        assert_eq!(IngestConfig::default().verify_nice, 10);
        assert_eq!(c.bindings.ttl, Duration::from_secs(60));
        assert_eq!(c.bindings.missing_retry, Duration::from_millis(250));
        assert_eq!(c.listen, SocketAddr::from(([127, 0, 0, 1], 0)));
        assert_eq!(c.ingest.max_batch_items, IngestConfig::default().max_batch_items);
        assert_eq!(c.commitment, "finalized");
        assert!(c.oracle.peers.is_empty());
    }

    #[test]
    fn peers_come_from_an_array_or_a_comma_separated_override() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("oracle.toml");
        std::fs::write(
            &path,
            "database_url = \"x\"\n[oracle]\npeers = [\"http://a:1\", \"http://b:2\"]\n",
        )
        .expect("write");
        let c = Config::load(Some(&path), env(&[])).expect("load");
        assert_eq!(c.oracle.peers, ["http://a:1", "http://b:2"]);
        let c = Config::load(
            Some(&path),
            env(&[
                ("GRIDMINT_ORACLE__ORACLE__PEERS", "http://c:3, http://d:4"),
                ("GRIDMINT_ORACLE__ORACLE__TICK_INTERVAL", "250ms"),
            ]),
        )
        .expect("load");
        assert_eq!(c.oracle.peers, ["http://c:3", "http://d:4"]);
        assert_eq!(c.oracle.tick_interval, Duration::from_millis(250));
    }

    #[test]
    fn unknown_keys_and_bad_durations_are_errors() {
        let e = Config::load(
            None,
            env(&[("GRIDMINT_ORACLE__DATABASE_URL", "x"), ("GRIDMINT_ORACLE__NOPE", "1")]),
        );
        assert!(e.expect_err("unknown").to_string().contains("nope"));
        let e = Config::load(
            None,
            env(&[
                ("GRIDMINT_ORACLE__DATABASE_URL", "x"),
                ("GRIDMINT_ORACLE__SHUTDOWN_GRACE", "soon"),
            ]),
        );
        assert!(e.is_err());
        // Checks can only be lowered in priority, never raised.
        let e = Config::load(
            None,
            env(&[
                ("GRIDMINT_ORACLE__DATABASE_URL", "x"),
                ("GRIDMINT_ORACLE__INGEST__VERIFY_NICE", "-5"),
            ]),
        );
        assert!(e.expect_err("negative nice").to_string().contains("verify_nice"));
        assert!(Config::load(None, env(&[])).is_err(), "database_url is required");
    }

    #[test]
    fn watchtower_is_off_by_default_and_configurable() {
        let c = Config::load(None, env(&[("GRIDMINT_ORACLE__DATABASE_URL", "x")])).expect("load");
        assert!(!c.watchtower.enabled);
        assert_eq!((c.watchtower.keypair, c.watchtower.reporter_token_account), (None, None));
        assert_eq!(c.watchtower.interval, Duration::from_secs(30));

        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("oracle.toml");
        std::fs::write(
            &path,
            "database_url = \"x\"\n[watchtower]\nenabled = true\nkeypair = \"/k/oracle.json\"\n\
             reporter_token_account = \"11111111111111111111111111111111\"\ninterval = \"2m\"\n",
        )
        .expect("write");
        let c = Config::load(Some(&path), env(&[("GRIDMINT_ORACLE__WATCHTOWER__INTERVAL", "15s")]))
            .expect("load");
        assert!(c.watchtower.enabled);
        assert_eq!(c.watchtower.keypair, Some(PathBuf::from("/k/oracle.json")));
        assert_eq!(
            c.watchtower.reporter_token_account.as_deref(),
            Some("11111111111111111111111111111111")
        );
        assert_eq!(c.watchtower.interval, Duration::from_secs(15));

        let e = Config::load(
            None,
            env(&[
                ("GRIDMINT_ORACLE__DATABASE_URL", "x"),
                ("GRIDMINT_ORACLE__WATCHTOWER__NOPE", "1"),
            ]),
        );
        assert!(e.expect_err("unknown").to_string().contains("nope"));
        let e = Config::load(
            None,
            env(&[
                ("GRIDMINT_ORACLE__DATABASE_URL", "x"),
                ("GRIDMINT_ORACLE__WATCHTOWER__INTERVAL", "often"),
            ]),
        );
        assert!(e.is_err());
    }
}
