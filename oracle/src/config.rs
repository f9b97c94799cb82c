//! Configuration: a TOML file, overridden by `GRIDMINT_ORACLE__SECTION__KEY` environment
//! variables (`__` separates levels, keys lower-cased), durations in human form (`"5s"`).
//!
//! Why env overrides: containers and tests set a value without writing a file. No field is
//! a secret today; if one is added it must never be logged (the config is not logged whole).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};

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
    pub watchtower: WatchtowerConfig,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestConfig {
    pub max_body_bytes: usize,
    pub max_batch_items: usize,
    /// Per device per minute of device time; 0 disables.
    pub readings_per_device_minute: u32,
    pub receipts_per_device_minute: u32,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 4 << 20,
            max_batch_items: 10_000,
            readings_per_device_minute: 60,
            receipts_per_device_minute: 600,
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

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

fn default_shutdown_grace() -> Duration {
    Duration::from_secs(30)
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    humantime::parse_duration(&text).map_err(serde::de::Error::custom)
}

impl Config {
    /// Reads `path` (if any), applies the overrides among `env`, and checks the result.
    pub fn load(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Self> {
        let mut table = match path {
            Some(p) => std::fs::read_to_string(p)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", p.display()))?
                .parse::<toml::Table>()?,
            None => toml::Table::new(),
        };
        for (name, raw) in env {
            let Some(rest) = name.strip_prefix(ENV_PREFIX) else { continue };
            let keys: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
            set(&mut table, &keys, env_value(&raw))?;
        }
        Ok(toml::Value::Table(table).try_into()?)
    }
}

/// An environment value as TOML: integers and booleans typed, everything else a string.
fn env_value(raw: &str) -> toml::Value {
    if let Ok(i) = raw.parse::<i64>() {
        toml::Value::Integer(i)
    } else if let Ok(b) = raw.parse::<bool>() {
        toml::Value::Boolean(b)
    } else {
        toml::Value::String(raw.to_string())
    }
}

fn set(table: &mut toml::Table, keys: &[String], value: toml::Value) -> anyhow::Result<()> {
    match keys {
        [] => anyhow::bail!("empty environment key"),
        [last] => {
            table.insert(last.clone(), value);
            Ok(())
        }
        [first, rest @ ..] => {
            let entry = table
                .entry(first.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            match entry {
                toml::Value::Table(t) => set(t, rest, value),
                _ => anyhow::bail!("{first} is not a section"),
            }
        }
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
            "database_url = \"sqlite://a.db\"\n[ingest]\nmax_body_bytes = 10\n\
             [bindings]\nttl = \"1m\"\n",
        )
        .expect("write");
        let c = Config::load(
            Some(&path),
            env(&[
                ("GRIDMINT_ORACLE__INGEST__MAX_BODY_BYTES", "20"),
                ("GRIDMINT_ORACLE__BINDINGS__MISSING_RETRY", "250ms"),
                ("GRIDMINT_ORACLE__LISTEN", "127.0.0.1:0"),
                ("OTHER__LISTEN", "ignored"),
            ]),
        )
        .expect("load");
        assert_eq!(c.ingest.max_body_bytes, 20);
        assert_eq!(c.bindings.ttl, Duration::from_secs(60));
        assert_eq!(c.bindings.missing_retry, Duration::from_millis(250));
        assert_eq!(c.listen, SocketAddr::from(([127, 0, 0, 1], 0)));
        assert_eq!(c.ingest.max_batch_items, IngestConfig::default().max_batch_items);
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
