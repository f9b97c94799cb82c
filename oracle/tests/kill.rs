//! The real `gridmint-oracle serve` binary: `kill -9` mid-stream loses nothing it answered
//! `accepted`; SIGTERM shuts down gracefully.
//!
//! Bindings come from a `--bindings-file` written from `DeviceBinding` accounts read out of
//! a real Bank: the JSON-RPC validator may only be built by `tests/rpc`, which cannot name
//! this package's binary (`CARGO_BIN_EXE_*` is per package).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use gridmint_oracle::ingest::bindings_file::FileBinding;
use gridmint_oracle::store::Store;
use gridmint_protocol::crediting::{BindingInput, SignedReading};
use gridmint_protocol::messages::EnergyReading;
use gridmint_sdk::node_staking::NodeKind;
use gridmint_test_support::node_staking::Staking;
use gridmint_test_support::Env;
use solana_keypair::Keypair;
use solana_signer::Signer;

const DEADLINE: Duration = Duration::from_secs(60);
/// Readings accepted before the `kill -9`.
const KILL_AFTER: usize = 40;

/// A spawned oracle, killed on drop whatever happens in the test.
struct Oracle {
    child: Child,
    base: String,
}

impl Oracle {
    fn spawn(config: &std::path::Path, bindings: &std::path::Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gridmint-oracle"))
            .arg("serve")
            .arg("--config")
            .arg(config)
            .arg("--bindings-file")
            .arg(bindings)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn oracle");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        // Keeps draining stderr so the child never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("listening on ").nth(1) {
                    let _ = tx.send(addr.trim().to_string());
                }
            }
        });
        let addr = rx.recv_timeout(DEADLINE).expect("oracle reports its address");
        Self { child, base: format!("http://{addr}") }
    }

    /// The exit status; a child still running at the deadline fails the test (std's
    /// `Child` has no wait with a timeout, so this polls).
    fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            if Instant::now() >= deadline {
                panic!("oracle did not exit within {DEADLINE:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn record(key: &Keypair, m: &EnergyReading) -> SignedReading {
    let message = m.encode();
    let signature = key.sign_message(&message).as_ref().try_into().expect("64 bytes");
    SignedReading { device_key: key.pubkey().to_bytes(), message, signature }
}

fn body(s: &SignedReading) -> Vec<u8> {
    [&s.message[..], &s.device_key, &s.signature].concat()
}

/// Posts one reading; `Some(status)` of its answer, `None` if the request failed.
async fn post(http: &reqwest::Client, base: &str, s: &SignedReading) -> Option<String> {
    let response = http
        .post(format!("{base}/v1/readings"))
        .header("content-type", "application/octet-stream")
        .body(body(s))
        .send()
        .await
        .ok()?;
    let bytes = response.bytes().await.ok()?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    json["results"][0]["status"].as_str().map(str::to_string)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_accepted_reading_and_sigterm_is_graceful() {
    // Given a real node and its binding, read from a Bank.
    let mut env = Env::start().await;
    let staking = Staking::start(&mut env).await;
    let operator = staking.operator(&mut env, 1_000_000).await;
    let node = staking.register(&mut env, &operator, NodeKind::Energy, 10_000).await;
    let b = staking.binding_state(&mut env, &node.device.pubkey()).await;
    let binding = BindingInput {
        device_key: b.device_key.to_bytes(),
        node: b.node.to_bytes(),
        node_id: b.node_id,
        bound_at: b.bound_at,
        unbound_at: b.unbound_at,
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let bindings = dir.path().join("bindings.json");
    std::fs::write(
        &bindings,
        serde_json::to_vec(&[FileBinding::from_input(&binding)]).expect("json"),
    )
    .expect("write");
    let db = dir.path().join("oracle.db");
    let config = dir.path().join("oracle.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndatabase_url = \"{}\"\ndeployment = \"{}\"\n\
             genesis_time = {}\nepoch_seconds = {}\n[ingest]\nreadings_per_device_minute = 0\n",
            Store::sqlite_url(&db),
            staking.config,
            staking.genesis_time,
            staking.epoch_seconds
        ),
    )
    .expect("write config");

    // When readings stream in from four concurrent clients and the oracle is killed -9 after
    // at least 40 were accepted,
    let mut oracle = Oracle::spawn(&config, &bindings);
    let accepted = Arc::new(Mutex::new(Vec::<SignedReading>::new()));
    let enough = Arc::new(tokio::sync::Notify::new());
    let stop = Arc::new(AtomicBool::new(false));
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for lane in 0..4u64 {
        let (accepted, enough, stop, http, base) =
            (accepted.clone(), enough.clone(), stop.clone(), http.clone(), oracle.base.clone());
        let key = node.device.insecure_clone();
        let (deployment, node_id, genesis) =
            (staking.config.to_bytes(), node.node_id, staking.genesis_time);
        let m = move |seq: u64| EnergyReading {
            deployment,
            node_id,
            sequence: seq,
            timestamp: genesis + i64::try_from(seq).expect("small"),
            produced_wh: seq,
            consumed_wh: 0,
        };
        tasks.push(tokio::spawn(async move {
            let mut seq = lane;
            while !stop.load(Ordering::SeqCst) {
                let s = record(&key, &m(seq));
                match post(&http, &base, &s).await.as_deref() {
                    Some("accepted") => {
                        let mut accepted = accepted.lock().expect("lock");
                        accepted.push(s);
                        if accepted.len() >= KILL_AFTER {
                            enough.notify_one();
                        }
                    }
                    Some(other) => panic!("unexpected answer {other}"),
                    None => break, // the server is gone
                }
                seq += 4;
            }
        }));
    }
    tokio::time::timeout(DEADLINE, enough.notified())
        .await
        .expect("the oracle accepted enough readings before the deadline");
    oracle.child.kill().expect("kill -9");
    oracle.wait_exit();
    stop.store(true, Ordering::SeqCst);
    for t in tasks {
        t.await.expect("client task");
    }
    let accepted = accepted.lock().expect("lock").clone();

    // Then after a restart every accepted reading is already stored (answered `duplicate`),
    let mut oracle = Oracle::spawn(&config, &bindings);
    let health = http.get(format!("{}/health", oracle.base)).send().await.expect("health");
    assert_eq!(health.status().as_u16(), 200);
    for s in &accepted {
        assert_eq!(post(&http, &oracle.base, s).await.as_deref(), Some("duplicate"));
    }
    // and SIGTERM stops the oracle cleanly.
    let pid = oracle.child.id().to_string();
    let term = Command::new("kill").args(["-TERM", &pid]).status().expect("kill -TERM");
    assert!(term.success());
    assert!(oracle.wait_exit().success(), "graceful exit");

    // The rows are in the file, readable by a fresh store.
    let store = Store::open(&Store::sqlite_url(&db)).await.expect("reopen");
    let stored = store.epoch_readings(0).await.expect("list");
    for s in &accepted {
        assert!(stored.contains(s), "accepted reading lost");
    }
}
