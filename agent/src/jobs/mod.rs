//! Jobs for requesters and their work receipts (PROTOCOL.md §6.3, §9.5).
//!
//! A requester asks for a job over the agent's HTTP listener ([`http`]): the built-in kernel
//! (`gridmint_sdk::jobs`, reproducible by the requester) or a command the operator named in
//! the config (`[jobs.commands.<name>]`; a request can only pick a name, never a command
//! line). The agent runs it, signs the receipt with the device key, keeps it in the journal
//! (one receipt per requester and job id, ever) and answers it; the requester checks it,
//! co-signs it and hands it back, and the agent delivers it to every oracle ([`deliver`]).

pub mod deliver;
pub mod http;
pub mod run;

use std::collections::BTreeMap;
use std::time::Duration;

use gridmint_ops::config::{duration, string_list};
use gridmint_sdk::jobs::{KernelJob, MAX_KERNEL_DIM};
use serde::{Deserialize, Serialize};

/// `[jobs]` in the agent config.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Serve `POST /v1/jobs` and `POST /v1/receipts` on `listen` (compute and hybrid nodes).
    pub enabled: bool,
    /// Requester keys (base58) allowed to submit jobs; empty: any key. Only requesters
    /// registered on chain make receipts count either way.
    #[serde(deserialize_with = "string_list")]
    pub requesters: Vec<String>,
    /// Largest `m`, `k` or `n` of a kernel job this node accepts.
    pub max_kernel_dim: u32,
    /// A command running longer is killed and the job fails (no receipt).
    #[serde(deserialize_with = "duration")]
    pub command_timeout: Duration,
    /// Co-signed receipts per delivery request.
    pub batch: usize,
    /// The commands a requester may name.
    pub commands: BTreeMap<String, CommandJob>,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            requesters: Vec::new(),
            max_kernel_dim: 2_048,
            command_timeout: Duration::from_secs(600),
            batch: 64,
            commands: BTreeMap::new(),
        }
    }
}

/// `[jobs.commands.<name>]`: a program and its arguments, run without a shell, and the
/// work units a run is worth (what the operator vouches one run of it costs).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandJob {
    pub command: Vec<String>,
    pub work_units: u64,
}

impl JobsConfig {
    pub fn check(&self) -> anyhow::Result<()> {
        if self.max_kernel_dim == 0 || self.max_kernel_dim > MAX_KERNEL_DIM {
            anyhow::bail!("jobs.max_kernel_dim must be between 1 and {MAX_KERNEL_DIM}");
        }
        if self.command_timeout.is_zero() || self.batch == 0 {
            anyhow::bail!("jobs.command_timeout and jobs.batch must be positive");
        }
        for (name, c) in &self.commands {
            if c.command.first().is_none_or(|p| p.is_empty()) {
                anyhow::bail!(
                    "jobs.commands.{name}.command is empty: give the program and its \
                     arguments, e.g. command = [\"/usr/local/bin/job\", \"--fast\"]"
                );
            }
        }
        for r in &self.requesters {
            if bs58::decode(r).into_vec().ok().filter(|b| b.len() == 32).is_none() {
                anyhow::bail!("jobs.requesters: {r:?} is not a base58 public key");
            }
        }
        Ok(())
    }

    /// Whether `requester` may submit jobs.
    pub fn allows(&self, requester: &str) -> bool {
        self.requesters.is_empty() || self.requesters.iter().any(|r| r == requester)
    }
}

/// What a requester asks for: `{"kernel": {"m", "k", "n"}}` or `{"command": "<name>"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum JobSpec {
    Kernel(KernelJob),
    Command(String),
}

/// `POST /v1/jobs` body.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobRequest {
    /// The requester's public key, base58 (it co-signs the receipt).
    pub requester: String,
    /// Unique per requester (§6.3).
    pub job_id: u64,
    pub job: JobSpec,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(f: impl FnOnce(&mut JobsConfig)) -> String {
        let mut c = JobsConfig::default();
        f(&mut c);
        c.check().map_or_else(|e| e.to_string(), |()| "ok".into())
    }

    #[test]
    fn config_errors_say_what_to_fix() {
        assert_eq!(with(|_| {}), "ok");
        assert_eq!(
            with(|c| c.max_kernel_dim = 4_097),
            "jobs.max_kernel_dim must be between 1 and 4096"
        );
        assert_eq!(with(|c| c.batch = 0), "jobs.command_timeout and jobs.batch must be positive");
        let empty = CommandJob { command: vec![], work_units: 1 };
        assert_eq!(
            with(|c| {
                c.commands.insert("x".into(), empty);
            }),
            "jobs.commands.x.command is empty: give the program and its arguments, e.g. \
             command = [\"/usr/local/bin/job\", \"--fast\"]"
        );
        assert_eq!(
            with(|c| c.requesters = vec!["not-a-key".into()]),
            "jobs.requesters: \"not-a-key\" is not a base58 public key"
        );
    }

    #[test]
    fn an_allowlist_admits_only_its_requesters() {
        let key = bs58::encode([7u8; 32]).into_string();
        assert!(JobsConfig::default().allows(&key));
        let c = JobsConfig { requesters: vec![key.clone()], ..JobsConfig::default() };
        assert!(c.allows(&key));
        assert!(!c.allows(&bs58::encode([8u8; 32]).into_string()));
    }

    #[test]
    fn requests_name_a_kernel_or_a_command_never_a_command_line() {
        let k: JobSpec = serde_json::from_str(r#"{"kernel": {"m": 2, "k": 3, "n": 4}}"#).unwrap();
        assert_eq!(k, JobSpec::Kernel(KernelJob { m: 2, k: 3, n: 4 }));
        let c: JobSpec = serde_json::from_str(r#"{"command": "render"}"#).unwrap();
        assert_eq!(c, JobSpec::Command("render".into()));
        let argv = serde_json::from_str::<JobSpec>(r#"{"command": ["/bin/sh", "-c", "x"]}"#);
        assert!(argv.is_err());
    }
}
