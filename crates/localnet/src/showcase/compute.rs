//! The compute side of the showcase: the Compute and Hybrid nodes' `gridmint-agent`s
//! (answering compute challenges, serving jobs; the Hybrid one also signs its roof's and its
//! hardware's meter) and a requester that keeps both busy with kernel jobs, each receipt
//! checked and co-signed through the CLI's own `gridmint requester run-job` path.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use gridmint_cli::requester::{ExpectArgs, RequesterCommand};
use gridmint_sdk::node_staking::NodeKind;
use solana_commitment_config::CommitmentConfig;
use solana_signer::Signer;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::{stopped, Task};
use crate::demo::compute::{
    ComputeSide, DemoNode, HYBRID_CAPACITY_WP, HYBRID_LOAD_W, HYBRID_PEAK_W,
};
use crate::demo::{keypair_json, morning_offset, Demo};

/// Side of the kernel jobs the requester sends: ⌊256³ / 10⁶⌋ = 16 work units each.
pub const JOB_SIZE: u32 = 256;
/// Time between two rounds of jobs.
const JOB_EVERY: Duration = Duration::from_secs(3);

/// `agent-<kind>.toml` for `node`: challenges polled every half second, jobs from the demo
/// requester only, and for the Hybrid node a sped-up roof with a constant load.
fn agent_toml(
    d: &Demo,
    side: &ComputeSide,
    node: &DemoNode,
    dir: &Path,
    rpc_url: &str,
    oracles: &[String],
) -> Result<PathBuf> {
    let name = format!("{:?}", node.kind).to_lowercase();
    let key = dir.join(format!("device-{name}.json"));
    std::fs::write(&key, keypair_json(&node.device))?;
    let oracles: Vec<String> = oracles.iter().map(|a| format!("http://{a}")).collect();
    let (kind, source) = match node.kind {
        NodeKind::Hybrid => (
            format!("kind = \"hybrid\"\ncapacity_wp = {HYBRID_CAPACITY_WP}\n"),
            format!(
                "[source]\nkind = \"simulated\"\nseed = 11\ncapacity_w = {HYBRID_PEAK_W}\n\
                 load_w = {HYBRID_LOAD_W}\nspeedup = 48\noffset_seconds = {}\n",
                morning_offset()
            ),
        ),
        _ => ("kind = \"compute\"\n".to_string(), "[source]\nkind = \"none\"\n".to_string()),
    };
    let toml = format!(
        "device_keypair = \"{key}\"\ndata_dir = \"{data}\"\nnode_id = {id}\n{kind}\
         oracles = {oracles:?}\ninterval = \"3s\"\nrpc_url = \"{rpc_url}\"\n\
         genesis_time = {genesis}\nepoch_seconds = {epoch}\nmax_clock_skew = \"1h\"\n\n\
         [delivery]\nretry_max = \"5s\"\n\n[challenges]\npoll_interval = \"500ms\"\n\n\
         [jobs]\nenabled = true\nrequesters = [\"{requester}\"]\n\n{source}",
        key = key.display(),
        data = dir.join(format!("agent-{name}")).display(),
        id = node.node_id,
        genesis = d.genesis_time,
        epoch = d.epoch_seconds,
        requester = side.requester.pubkey(),
    );
    let path = dir.join(format!("agent-{name}.toml"));
    std::fs::write(&path, toml)?;
    Ok(path)
}

/// Starts both agents; their HTTP base URLs (jobs are sent there).
pub async fn start_agents(
    d: &Demo,
    side: &ComputeSide,
    dir: &Path,
    rpc_url: &str,
    oracles: &[String],
    stop: &watch::Receiver<bool>,
    tasks: &mut Vec<Task>,
) -> Result<Vec<String>> {
    let mut urls = Vec::new();
    for node in [&side.compute, &side.hybrid] {
        let path = agent_toml(d, side, node, dir, rpc_url, oracles)?;
        let config = gridmint_agent::config::Config::load(Some(&path), std::iter::empty())
            .with_context(|| format!("load {}", path.display()))?;
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.context("bind an agent port")?;
        urls.push(format!("http://{}", listener.local_addr()?));
        let run = gridmint_agent::run::run_on(Some(listener), config, stopped(stop.clone()));
        tasks.push(tokio::spawn(run));
    }
    Ok(urls)
}

/// Sends a kernel job to every agent every few seconds until `stop`, through the CLI's
/// `requester run-job` (the receipt checked, co-signed and handed back for delivery).
pub async fn requester_loop(
    side_nodes: Vec<(String, u64)>,
    requester_key: PathBuf,
    rpc_url: String,
    mut stop: watch::Receiver<bool>,
) {
    let ctx = gridmint_cli::context::Context {
        rpc_url,
        keypair_path: requester_key,
        commitment: CommitmentConfig::confirmed(),
    };
    let mut job_id = 0u64;
    loop {
        for (agent, node_id) in &side_nodes {
            job_id = job_id.saturating_add(1);
            let command = RequesterCommand::RunJob {
                agent: agent.clone(),
                kernel_size: Some(JOB_SIZE),
                command: None,
                job_id: Some(job_id),
                expect: ExpectArgs { deployment: None, node_id: Some(*node_id) },
                verify_up_to: JOB_SIZE,
            };
            let done = gridmint_cli::requester::run(&ctx, command).await;
            // Once stopping, agents refuse jobs: not worth a line.
            if let (Err(e), false) = (done, *stop.borrow()) {
                eprintln!("requester: job {job_id} on node {node_id}: {e:#}");
            }
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            () = tokio::time::sleep(JOB_EVERY) => {}
        }
    }
}

/// Writes the requester's keypair file (the CLI context reads it).
pub fn write_requester_key(side: &ComputeSide, dir: &Path) -> Result<PathBuf> {
    let path = dir.join("requester.json");
    std::fs::write(&path, keypair_json(&side.requester))?;
    Ok(path)
}
