//! Running one job: the built-in kernel off the async threads, or a configured command with
//! a bounded run time whose output hash is the SHA-256 of its stdout.

use std::process::Stdio;
use std::time::Duration;

use gridmint_sdk::jobs::{job_seed, KernelJob};
use solana_sha256_hasher::Hasher;
use tokio::io::AsyncReadExt;

use super::{CommandJob, JobSpec, JobsConfig};
use crate::unix_now;

/// Most stdout bytes a command's answer carries back (the hash always covers all of it).
pub const MAX_RETURNED_OUTPUT: usize = 1 << 20;

/// A finished job: what its receipt says, and the output to hand back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finished {
    pub work_units: u64,
    pub started_at: i64,
    pub finished_at: i64,
    pub output_hash: [u8; 32],
    /// A command's stdout if at most [`MAX_RETURNED_OUTPUT`] bytes (kernel jobs: none, the
    /// requester recomputes the hash).
    pub output: Option<Vec<u8>>,
}

/// Why a job was not run or did not finish (no receipt is signed).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JobError {
    #[error("kernel job too large: dimensions must each be between 1 and {max} on this node")]
    KernelTooLarge { max: u32 },
    #[error("no command named {0:?} is configured on this node (jobs.commands)")]
    UnknownCommand(String),
    #[error("the command could not start: {0}")]
    Spawn(String),
    #[error("the command ran longer than {0:?} and was killed")]
    Timeout(Duration),
    #[error("the command failed: {0}")]
    Failed(String),
}

/// Runs `spec` for `requester`'s job `job_id` under `config`.
pub async fn run(
    config: &JobsConfig,
    spec: &JobSpec,
    requester: &[u8; 32],
    job_id: u64,
) -> Result<Finished, JobError> {
    match spec {
        JobSpec::Kernel(job) => kernel(config, *job, job_seed(requester, job_id)).await,
        JobSpec::Command(name) => {
            let c =
                config.commands.get(name).ok_or_else(|| JobError::UnknownCommand(name.clone()))?;
            command(c, config.command_timeout, requester, job_id).await
        }
    }
}

async fn kernel(config: &JobsConfig, job: KernelJob, seed: [u8; 32]) -> Result<Finished, JobError> {
    let max = config.max_kernel_dim;
    if [job.m, job.k, job.n].iter().any(|d| *d == 0 || *d > max) {
        return Err(JobError::KernelTooLarge { max });
    }
    let started_at = unix_now();
    let hash = tokio::task::spawn_blocking(move || job.output_hash(&seed))
        .await
        .map_err(|e| JobError::Failed(format!("kernel task: {e}")))?
        .map_err(|_| JobError::KernelTooLarge { max })?;
    Ok(Finished {
        work_units: job.work_units(),
        started_at,
        finished_at: unix_now().max(started_at),
        output_hash: hash,
        output: None,
    })
}

async fn command(
    c: &CommandJob,
    timeout: Duration,
    requester: &[u8; 32],
    job_id: u64,
) -> Result<Finished, JobError> {
    let (program, args) =
        c.command.split_first().ok_or_else(|| JobError::Spawn("empty command".into()))?;
    let started_at = unix_now();
    let mut child = tokio::process::Command::new(program)
        .args(args)
        // The job's identity, for commands that want to derive their work from it.
        .env("GRIDMINT_JOB_ID", job_id.to_string())
        .env("GRIDMINT_REQUESTER", bs58::encode(requester).into_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| JobError::Spawn(format!("{program}: {e}")))?;
    let mut stdout = child.stdout.take().ok_or_else(|| JobError::Spawn("no stdout".into()))?;
    let work = async {
        let mut hasher = Hasher::default();
        let mut kept = Vec::new();
        let mut total = 0usize;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = stdout
                .read(&mut buf)
                .await
                .map_err(|e| JobError::Failed(format!("stdout: {e}")))?;
            let Some(chunk) = buf.get(..n).filter(|c| !c.is_empty()) else { break };
            hasher.hash(chunk);
            total = total.saturating_add(n);
            if total <= MAX_RETURNED_OUTPUT {
                kept.extend_from_slice(chunk);
            }
        }
        let status = child.wait().await.map_err(|e| JobError::Failed(e.to_string()))?;
        if !status.success() {
            return Err(JobError::Failed(format!("{program} exited with {status}")));
        }
        Ok((hasher.result().to_bytes(), (total <= MAX_RETURNED_OUTPUT).then_some(kept)))
    };
    // On timeout the future (and with it the child, kill_on_drop) is dropped.
    let (output_hash, output) =
        tokio::time::timeout(timeout, work).await.map_err(|_| JobError::Timeout(timeout))??;
    Ok(Finished {
        work_units: c.work_units,
        started_at,
        finished_at: unix_now().max(started_at),
        output_hash,
        output,
    })
}
