//! The `gridmint-agent` binary as operators use it: keygen, status, config errors,
//! sign-registration, and `/health` + `/metrics` of a running agent.

mod common;

use std::process::Command;

use common::*;
use serde_json::Value;
use solana_signer::Signer;

fn agent(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gridmint-agent"))
        .args(args)
        .env_remove(gridmint_agent::failpoint::ENV)
        .output()
        .expect("run gridmint-agent");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn keygen_then_status_of_a_fresh_journal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("device.json");
    let (ok, out, err) = agent(&["keygen", "-o", key.to_str().expect("utf8"), "--output", "json"]);
    assert!(ok, "{err}");
    let answer: Value = serde_json::from_str(&out).expect("json");
    let keypair = gridmint_ops::read_keypair_file(&key).expect("readable");
    assert_eq!(answer["pubkey"], keypair.pubkey().to_string());
    let (ok, _, err) = agent(&["keygen", "-o", key.to_str().expect("utf8")]);
    assert!(!ok);
    assert!(err.contains("exists; pass --force to overwrite it"), "{err}");

    let device = Device { keypair, path: key };
    let config = agent_config(dir.path(), &device, &["http://127.0.0.1:9".into()], "");
    let (ok, out, err) =
        agent(&["status", "--config", config.to_str().expect("utf8"), "--output", "json"]);
    assert!(ok, "{err}");
    let status: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(status["device_key"], device.keypair.pubkey().to_string());
    assert_eq!(status["last_sequence"], Value::Null);
    assert_eq!(status["oracles"][0]["oracle"], "http://127.0.0.1:9");
    assert_eq!(status["oracles"][0]["backlog"], 0);
}

#[test]
fn config_errors_say_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let device = Device::new(dir.path(), "device");
    let config = agent_config(dir.path(), &device, &["http://127.0.0.1:9".into()], "");
    let text = std::fs::read_to_string(&config).expect("read");
    std::fs::write(&config, text.replace("capacity_wp = 5000\n", "")).expect("write");
    let (ok, _, err) = agent(&["status", "--config", config.to_str().expect("utf8")]);
    assert!(!ok);
    assert!(
        err.contains(
            "capacity_wp is required for energy and hybrid nodes: set it to the node's \
             registered energy capacity (Wp), so no reading can exceed the fraud allowance"
        ),
        "{err}"
    );
    std::fs::write(&config, text.replace("oracles = [\"http://127.0.0.1:9\"]", "oracles = []"))
        .expect("write");
    let (ok, _, err) = agent(&["status", "--config", config.to_str().expect("utf8")]);
    assert!(!ok);
    assert!(
        err.contains("no oracles configured: set `oracles` (or GRIDMINT_AGENT__ORACLES)"),
        "{err}"
    );
}

#[test]
fn a_journal_of_another_device_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let device = Device::new(dir.path(), "device");
    let config = agent_config(dir.path(), &device, &["http://127.0.0.1:9".into()], "");
    let (ok, _, err) = agent(&["status", "--config", config.to_str().expect("utf8")]);
    assert!(ok, "{err}");
    let other = Device::new(dir.path(), "other");
    let config = agent_config(dir.path(), &other, &["http://127.0.0.1:9".into()], "");
    let (ok, _, err) = agent(&["status", "--config", config.to_str().expect("utf8")]);
    assert!(!ok);
    let expected = format!(
        "the journal in {} belongs to another device key; point data_dir at this device's own \
         journal (never share or copy a journal between devices)",
        dir.path().join("data").display()
    );
    assert!(err.contains(&expected), "{err}");
}

#[test]
fn sign_registration_works_offline_when_everything_is_given() {
    let dir = tempfile::tempdir().expect("tempdir");
    let device = Device::new(dir.path(), "device");
    let config = agent_config(dir.path(), &device, &["http://127.0.0.1:9".into()], "");
    let operator = solana_keypair::Keypair::new().pubkey().to_string();
    let nonce_account = solana_keypair::Keypair::new().pubkey().to_string();
    let mint = solana_keypair::Keypair::new().pubkey().to_string();
    let token_program = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
    let nonce = solana_hash::Hash::new_from_array([7; 32]).to_string();
    let out_file = dir.path().join("signed.json");
    let (ok, out, err) = agent(&[
        "sign-registration",
        "--config",
        config.to_str().expect("utf8"),
        "--output",
        "json",
        "--operator",
        &operator,
        "--nonce-account",
        &nonce_account,
        "--nonce",
        &nonce,
        "--node-id",
        "4",
        "--kind",
        "energy",
        "--energy-wp",
        "5000",
        "--stake",
        "10000",
        "--stake-mint",
        &mint,
        "--token-program",
        token_program,
        "--out",
        out_file.to_str().expect("utf8"),
    ]);
    assert!(ok, "{err}");
    let answer: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(answer["node_id"], 4);
    assert_eq!(answer["missing"], serde_json::json!([operator]));
    assert_eq!(answer["nonce"], nonce);
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&out_file).expect("out")).expect("json");
    assert_eq!(saved, answer);
    let tx =
        gridmint_sdk::offline::decode(answer["transaction"].as_str().expect("b64")).expect("tx");
    assert_eq!(tx.message.recent_blockhash.to_string(), nonce);
    let results = tx.verify_with_results();
    let device_index =
        tx.message.account_keys.iter().position(|k| *k == device.keypair.pubkey()).expect("device");
    assert!(results[device_index], "the device signature verifies");

    let (ok, _, err) = agent(&[
        "sign-registration",
        "--config",
        config.to_str().expect("utf8"),
        "--operator",
        &operator,
        "--nonce-account",
        "not-a-key",
    ]);
    assert!(!ok);
    assert!(err.contains("--nonce-account: \"not-a-key\" is not a base58 address"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_agent_serves_health_and_every_metric() {
    let dir = tempfile::tempdir().expect("tempdir");
    let device = Device::new(dir.path(), "device");
    let oracle = Oracle::start(dir.path(), &[device.binding(NODE_ID)], 0).await;
    let port = free_port();
    let extra = format!("listen = \"127.0.0.1:{port}\"");
    let config = agent_config(dir.path(), &device, std::slice::from_ref(&oracle.url), &extra);
    let _agent = AgentProcess::spawn(&config, None, &dir.path().join("agent.log"));
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let health: Value = wait_for("/health with an acknowledged reading", || {
        let (http, url) = (http.clone(), format!("{base}/health"));
        async move {
            let body = http.get(&url).send().await.ok()?.bytes().await.ok()?;
            let v: Value = serde_json::from_slice(&body).ok()?;
            v["oracles"][0]["last_ack_at"].is_i64().then_some(v)
        }
    })
    .await;
    assert_eq!(health["status"], "ok");
    assert!(health["last_sequence"].as_u64().expect("sequence") >= 1);
    let metrics = http.get(format!("{base}/metrics")).send().await.expect("metrics");
    let text = metrics.text().await.expect("text");
    for family in [
        "gridmint_agent_readings_signed_total",
        "gridmint_agent_last_sequence",
        "gridmint_agent_source_errors_total",
        "gridmint_agent_counter_resets_total",
        "gridmint_agent_counter_jumps_total",
        "gridmint_agent_compacted_total",
        "gridmint_agent_clock_skew_seconds",
    ] {
        assert!(text.lines().any(|l| l.starts_with(family)), "{family} missing:\n{text}");
    }
    let oracle_label = format!("oracle=\"{}\"", oracle.url);
    assert!(
        text.lines()
            .any(|l| l.starts_with("gridmint_agent_delivered_total{") && l.contains(&oracle_label)),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("gridmint_agent_queue_depth{") && l.contains(&oracle_label)),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with("gridmint_agent_last_ack_timestamp_seconds{")),
        "{text}"
    );
    // A second agent on the same data directory is refused while the first runs.
    let (ok, _, err) = agent(&["run", "--config", config.to_str().expect("utf8")]);
    assert!(!ok);
    let expected = format!(
        "another gridmint-agent is running on {} ({} is locked); stop it first",
        dir.path().join("data").display(),
        dir.path().join("data/agent.lock").display()
    );
    assert!(err.contains(&expected), "{err}");
    drop(_agent);
    oracle.stop().await;
}
