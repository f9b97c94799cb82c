//! Store-and-forward against real oracles: outages, several oracles, compaction, permanent
//! rejections, rate limits, and a fresh journal continuing after the oracles' last reading.

mod common;
// Compute nodes: challenge answers and job receipts (kept in this binary: one link less).
#[path = "compute/challenges.rs"]
mod challenges;
#[path = "compute/jobs.rs"]
mod jobs;

use std::path::Path;
use std::sync::Arc;

use common::*;
use gridmint_agent::config::Config;
use gridmint_agent::deliver::{Delivery, Step};
use gridmint_agent::metrics::Metrics;
use tokio::sync::oneshot;

/// The agent library's `run`, in this runtime, until the returned sender fires.
fn run_agent(config: &Path) -> (oneshot::Sender<()>, tokio::task::JoinHandle<anyhow::Result<()>>) {
    let config = Config::load(Some(config), Vec::<(String, String)>::new()).expect("config");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(gridmint_agent::run::run(config, async move {
        let _ = stopped.await;
    }));
    (stop, task)
}

async fn stop_agent(agent: (oneshot::Sender<()>, tokio::task::JoinHandle<anyhow::Result<()>>)) {
    let _ = agent.0.send(());
    agent.1.await.expect("agent task").expect("agent stopped cleanly");
}

/// The journal's committed signer state, read beside the running agent.
async fn journal_state(dir: &Path) -> Option<gridmint_agent::journal::SignerState> {
    let config = Config::load(Some(&dir.join("agent.toml")), Vec::<(String, String)>::new())
        .expect("config");
    let (journal, _) = gridmint_agent::run::open_journal(&config).await.expect("journal");
    let state = journal.signer_state().await.expect("state");
    journal.close().await;
    state
}

/// The journal's last signed sequence (0: none).
async fn journal_last(dir: &Path) -> u64 {
    journal_state(dir).await.map_or(0, |s| s.last_sequence)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readings_signed_during_an_outage_arrive_in_order_without_gaps_or_doubles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let device = Device::new(dir.path(), "device");
    let oracle = Oracle::start(dir.path(), &[device.binding(NODE_ID)], 0).await;
    let port = oracle.port();
    let config = agent_config(dir.path(), &device, std::slice::from_ref(&oracle.url), "");
    let key = device.key();
    let agent = run_agent(&config);
    wait_for("3 readings", || async { (oracle.readings(&key).await.len() >= 3).then_some(()) })
        .await;
    oracle.stop().await;
    // Nobody listens: readings queue in the journal.
    let down_at = journal_last(dir.path()).await;
    wait_for("20 queued readings", || async {
        (journal_last(dir.path()).await >= down_at + 20).then_some(())
    })
    .await;
    let oracle = Oracle::start_on(dir.path(), port, &[device.binding(NODE_ID)], 0).await;
    let queued = journal_last(dir.path()).await;
    wait_for("the backlog delivered", || async {
        oracle.readings(&key).await.last().filter(|(_, r)| r.sequence >= queued).map(|_| ())
    })
    .await;
    stop_agent(agent).await;
    let sequences = assert_no_fraud(&oracle.readings(&key).await, CAPACITY_WP);
    assert_contiguous(&sequences);
    assert_eq!(sequences[0], 1);
    oracle.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_journal_signs_nothing_until_an_oracle_says_where_its_key_stands() {
    let dir = tempfile::tempdir().expect("tempdir");
    let device = Device::new(dir.path(), "device");
    let reserved = ReservedPort::new();
    let url = format!("http://127.0.0.1:{}", reserved.port());
    let config = agent_config(dir.path(), &device, &[url], "");
    let log = dir.path().join("agent.log");
    let agent = AgentProcess::spawn(&config, None, &log);
    wait_for("the agent to say it waits for an oracle", || async {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        text.contains("fresh journal: no oracle answered where this key's sequence stands")
            .then_some(())
    })
    .await;
    assert_eq!(journal_last(dir.path()).await, 0, "nothing signed");
    let oracle = Oracle::start_at(dir.path(), reserved, &[device.binding(NODE_ID)], 0).await;
    let key = device.key();
    wait_for("readings once the oracle answers", || async {
        (oracle.readings(&key).await.len() >= 3).then_some(())
    })
    .await;
    agent.kill();
    assert_contiguous(&assert_no_fraud(&oracle.readings(&key).await, CAPACITY_WP));
    oracle.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_oracle_has_its_own_queue_and_a_late_one_catches_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let device = Device::new(dir.path(), "device");
    let up = Oracle::start(dir.path(), &[device.binding(NODE_ID)], 0).await;
    let late_port = ReservedPort::new();
    let late_url = format!("http://127.0.0.1:{}", late_port.port());
    let config = agent_config(dir.path(), &device, &[up.url.clone(), late_url], "");
    let agent = run_agent(&config);
    let key = device.key();
    wait_for("readings at the live oracle", || async {
        (up.readings(&key).await.len() >= 10).then_some(())
    })
    .await;
    let late = Oracle::start_at(dir.path(), late_port, &[device.binding(NODE_ID)], 0).await;
    wait_for("the late oracle to catch up", || async {
        let have = late.readings(&key).await.len();
        (have >= 15).then_some(())
    })
    .await;
    stop_agent(agent).await;
    let a = assert_no_fraud(&up.readings(&key).await, CAPACITY_WP);
    let b = assert_no_fraud(&late.readings(&key).await, CAPACITY_WP);
    assert_contiguous(&a);
    assert_contiguous(&b);
    // Both hold the same readings, byte for byte, up to the shorter one.
    let shorter = a.len().min(b.len());
    let ids_a: Vec<_> = up.readings(&key).await.into_iter().take(shorter).map(|r| r.0).collect();
    let ids_b: Vec<_> = late.readings(&key).await.into_iter().take(shorter).map(|r| r.0).collect();
    assert_eq!(ids_a, ids_b);
    up.stop().await;
    late.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_is_compacted_to_its_edges_and_the_rest_still_arrives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let device = Device::new(dir.path(), "device");
    let oracle = Oracle::start(dir.path(), &[device.binding(NODE_ID)], 0).await;
    let port = oracle.port();
    let metrics_port = free_port();
    let extra = format!("listen = \"127.0.0.1:{metrics_port}\"");
    let config = agent_config(dir.path(), &device, std::slice::from_ref(&oracle.url), &extra);
    let text = std::fs::read_to_string(&config).expect("read");
    std::fs::write(&config, text.replace("[delivery]\n", "[delivery]\nmax_queue = 6\n"))
        .expect("write");
    let key = device.key();
    let agent = run_agent(&config);
    wait_for("2 readings", || async { (oracle.readings(&key).await.len() >= 2).then_some(()) })
        .await;
    oracle.stop().await;
    let http = reqwest::Client::new();
    let metrics_url = format!("http://127.0.0.1:{metrics_port}/metrics");
    wait_for("compaction", || {
        let (http, url) = (http.clone(), metrics_url.clone());
        async move {
            let text = http.get(&url).send().await.ok()?.text().await.ok()?;
            let line = text.lines().find(|l| l.starts_with("gridmint_agent_compacted_total "))?;
            let n: u64 = line.trim_start_matches("gridmint_agent_compacted_total ").parse().ok()?;
            (n >= 10).then_some(())
        }
    })
    .await;
    let oracle = Oracle::start_on(dir.path(), port, &[device.binding(NODE_ID)], 0).await;
    let last = journal_last(dir.path()).await;
    wait_for("delivery after compaction", || async {
        oracle.readings(&key).await.last().filter(|(_, r)| r.sequence >= last).map(|_| ())
    })
    .await;
    stop_agent(agent).await;
    let stored = oracle.readings(&key).await;
    let sequences = assert_no_fraud(&stored, CAPACITY_WP);
    assert_eq!(sequences[0], 1);
    assert!((sequences.len() as u64) < last, "intermediate readings were compacted away");
    oracle.stop().await;
}

/// A journal for `config` holding readings signed from `samples` (`(produced Wh, agent
/// time)`), and a delivery of it to `oracle`, outside a running agent.
async fn signed_journal(
    config: &Path,
    device: &Device,
    samples: &[(u64, i64)],
) -> Arc<gridmint_agent::journal::Journal> {
    let parsed = Config::load(Some(config), Vec::<(String, String)>::new()).expect("config");
    let (journal, key) = gridmint_agent::run::open_journal(&parsed).await.expect("journal");
    let journal = Arc::new(journal);
    let owner = gridmint_agent::journal::Owner {
        device_key: device.key(),
        deployment: parsed.deployment().expect("deployment"),
        node_id: NODE_ID,
    };
    let signer = gridmint_agent::signer::Signer::new(key, owner, parsed.kind, parsed.capacity_wp);
    let mut state = gridmint_agent::journal::SignerState::default();
    for &(produced_wh, at) in samples {
        let sample = gridmint_meters::MeterSample { produced_wh, consumed_wh: None };
        state = signer.sign(&journal, &state, sample, at).await.expect("sign").state;
    }
    journal
}

fn delivery(
    journal: &Arc<gridmint_agent::journal::Journal>,
    device: &Device,
    oracle: &str,
) -> Delivery {
    Delivery {
        oracle: oracle.to_string(),
        journal: journal.clone(),
        device_key: device.key(),
        http: reqwest::Client::new(),
        batch: 64,
        retry_min: std::time::Duration::from_millis(10),
        retry_max: std::time::Duration::from_millis(10),
        metrics: Arc::new(Metrics::new()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permanent_rejections_are_recorded_and_skipped_and_retryable_ones_wait() {
    let dir = tempfile::tempdir().expect("tempdir");
    let device = Device::new(dir.path(), "device");
    // The oracle binds this key to node 2, the agent signs for node 1: binding_node_mismatch.
    let wrong = Oracle::start(dir.path(), &[device.binding(2)], 0).await;
    // This one does not know the key at all: unknown_device, retryable.
    let unknown = Oracle::start(dir.path(), &[], 0).await;
    let config = agent_config(dir.path(), &device, &[wrong.url.clone(), unknown.url.clone()], "");
    let journal = signed_journal(&config, &device, &[(0, 1_000), (10, 1_001), (20, 1_002)]).await;
    let delivery = |oracle: &str| delivery(&journal, &device, oracle);
    assert_eq!(delivery(&wrong.url).attempt(64).await.expect("attempt"), Step::Sent);
    let rejections = journal.rejections(&wrong.url).await.expect("rejections");
    assert_eq!(
        rejections,
        (1..=3).map(|s| (s, "binding_node_mismatch".to_string())).collect::<Vec<_>>()
    );
    assert_eq!(journal.cursor(&wrong.url).await.expect("cursor"), 4);
    assert_eq!(delivery(&wrong.url).attempt(64).await.expect("attempt"), Step::Idle);

    let step = delivery(&unknown.url).attempt(64).await.expect("attempt");
    assert_eq!(
        step,
        Step::Retry { after: None, error: "reading 1 refused for now: unknown_device".into() }
    );
    assert_eq!(journal.cursor(&unknown.url).await.expect("cursor"), 1, "nothing skipped");
    assert!(journal.rejections(&unknown.url).await.expect("rejections").is_empty());
    journal.close().await;
    wrong.stop().await;
    unknown.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_batch_waits_for_retry_after() {
    let dir = tempfile::tempdir().expect("tempdir");
    let device = Device::new(dir.path(), "device");
    let oracle = Oracle::start(dir.path(), &[device.binding(NODE_ID)], 2).await;
    let config = agent_config(dir.path(), &device, std::slice::from_ref(&oracle.url), "");
    let samples: Vec<(u64, i64)> = (0..4).map(|i| (i, 6_000)).collect();
    let journal = signed_journal(&config, &device, &samples).await;
    let delivery = delivery(&journal, &device, &oracle.url);
    // Two per device-minute: readings 1–2 go in, 3 is refused until the oracle's Retry-After.
    let step = delivery.attempt(64).await.expect("attempt");
    assert_eq!(
        step,
        Step::Retry {
            after: Some(std::time::Duration::from_secs(60)),
            error: "reading 3 refused for now: rate_limited".into()
        }
    );
    assert_eq!(journal.cursor(&oracle.url).await.expect("cursor"), 3);
    assert_eq!(oracle.readings(&device.key()).await.len(), 2);
    journal.close().await;
    oracle.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wiped_journal_continues_after_the_oracles_last_reading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let device = Device::new(dir.path(), "device");
    let oracle = Oracle::start(dir.path(), &[device.binding(NODE_ID)], 0).await;
    let config = agent_config(dir.path(), &device, std::slice::from_ref(&oracle.url), "");
    let key = device.key();
    let agent = run_agent(&config);
    wait_for("5 readings", || async { (oracle.readings(&key).await.len() >= 5).then_some(()) })
        .await;
    stop_agent(agent).await;
    let before = oracle.readings(&key).await;
    let last = before.last().expect("some").1;
    std::fs::remove_dir_all(dir.path().join("data")).expect("wipe the journal");

    let agent = run_agent(&config);
    wait_for("readings after the wipe", || async {
        (oracle.readings(&key).await.len() >= before.len() + 5).then_some(())
    })
    .await;
    stop_agent(agent).await;
    let after = oracle.readings(&key).await;
    let sequences = assert_no_fraud(&after, CAPACITY_WP);
    assert_contiguous(&sequences);
    let first_new = after[before.len()].1;
    assert_eq!(first_new.sequence, last.sequence + 1);
    assert!(first_new.produced_wh >= last.produced_wh && first_new.timestamp >= last.timestamp);
    oracle.stop().await;
}
