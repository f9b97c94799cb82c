//! `gridmint requester` against a real agent (the `gridmint-agent` library's `run`, serving
//! its job API on a free port), and `cosign` of a saved receipt.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use gridmint_protocol::crediting::signatures::verify_receipt;
use gridmint_protocol::crediting::SignedReceipt;
use gridmint_protocol::messages::WorkReceipt;
use gridmint_sdk::requester::ReceiptJson;
use serde_json::Value;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// A compute node's agent with the job API on a free port, until the sender fires.
struct Agent {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

fn keyfile(dir: &Path, name: &str) -> (PathBuf, Keypair) {
    let path = dir.join(format!("{name}.json"));
    gridmint_ops::keygen(&path, false).expect("keygen");
    let key = gridmint_ops::read_keypair_file(&path).expect("read key");
    (path, key)
}

async fn start_agent(dir: &Path, device: &Path) -> Agent {
    let port = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let text = format!(
        "device_keypair = \"{}\"\ndata_dir = \"{}\"\nnode_id = 3\nkind = \"compute\"\n\
         oracles = []\nlisten = \"127.0.0.1:{port}\"\n\
         [jobs.commands.hello]\ncommand = [\"/bin/sh\", \"-c\", \"printf hello\"]\nwork_units = 3\n\
         [source]\nkind = \"none\"\n",
        device.display(),
        dir.join("data").display()
    );
    let path = dir.join("agent.toml");
    std::fs::write(&path, text).expect("write config");
    let config = gridmint_agent::config::Config::load(Some(&path), Vec::<(String, String)>::new())
        .expect("agent config");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(gridmint_agent::run::run(config, async move {
        let _ = stopped.await;
    }));
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let up = async {
        while http.get(format!("{url}/health")).send().await.is_err() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), up)
        .await
        .expect("the agent never answered /health");
    Agent { url, stop: Some(stop), task }
}

impl Agent {
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.expect("agent task").expect("agent stopped cleanly");
    }
}

async fn gridmint(dir: &Path, requester: &Path, args: &[&str]) -> anyhow::Result<Value> {
    let solana = dir.join("solana.yml");
    std::fs::write(&solana, "json_rpc_url: http://127.0.0.1:9\n").expect("write");
    let mut argv = vec!["gridmint", "-C", solana.to_str().expect("utf8")];
    argv.extend(["-k", requester.to_str().expect("utf8")]);
    argv.extend(args);
    crate::run(crate::Cli::try_parse_from(argv)?).await
}

fn cosigned(out: &Value) -> SignedReceipt {
    let json: ReceiptJson = serde_json::from_value(out["receipt"].clone()).expect("receipt");
    json.to_receipt().expect("decodes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_job_on_a_real_agent_checks_cosigns_and_hands_the_receipt_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (device_path, device) = keyfile(dir.path(), "device");
    let (requester_path, requester) = keyfile(dir.path(), "requester");
    let agent = start_agent(dir.path(), &device_path).await;

    // The kernel: 128³ multiply-adds are 2 work units; the output is recomputed here.
    let out = gridmint(
        dir.path(),
        &requester_path,
        &["requester", "run-job", "--agent", &agent.url, "--kernel-size", "128", "--job-id", "5"],
    )
    .await
    .expect("run-job");
    assert_eq!(out["output_verified"], true);
    assert_eq!(out["agent"]["status"], "journaled");
    assert_eq!(out["fields"]["work_units"], 2);
    assert_eq!(out["fields"]["job_id"], 5);
    assert_eq!(out["fields"]["node_id"], 3);
    assert_eq!(out["fields"]["requester"], requester.pubkey().to_string());
    let receipt = cosigned(&out);
    assert_eq!(receipt.device_key, device.pubkey().to_bytes());
    assert_eq!(verify_receipt(&receipt), Ok(()), "both signatures verify as the oracle checks");

    // A configured command: its stdout comes back and its SHA-256 is the output hash.
    let out = gridmint(
        dir.path(),
        &requester_path,
        &["requester", "run-job", "--agent", &agent.url, "--command", "hello", "--job-id", "6"],
    )
    .await
    .expect("run-job --command");
    assert_eq!(out["output"], "hello");
    let fields = WorkReceipt::decode(&cosigned(&out).message).expect("receipt");
    assert_eq!(fields.output_hash, gridmint_sdk::jobs::command_output_hash(b"hello"));
    assert_eq!(fields.work_units, 3);

    // A command the operator did not configure is refused by the agent, with the reason.
    let err = gridmint(
        dir.path(),
        &requester_path,
        &["requester", "run-job", "--agent", &agent.url, "--command", "rm", "--job-id", "7"],
    )
    .await
    .expect_err("unknown command");
    assert_eq!(
        err.to_string(),
        format!(
            "POST {}/v1/jobs: the agent answered 422 Unprocessable Entity: no command named \
             \"rm\" is configured on this node (jobs.commands)",
            agent.url
        )
    );
    // Expecting another node: nothing is co-signed.
    let err = gridmint(
        dir.path(),
        &requester_path,
        &[
            "requester",
            "run-job",
            "--agent",
            &agent.url,
            "--kernel-size",
            "32",
            "--job-id",
            "8",
            "--node-id",
            "4",
        ],
    )
    .await
    .expect_err("wrong node");
    assert_eq!(err.to_string(), "the receipt is for node 3, not node 4");
    agent.stop().await;
}

#[tokio::test]
async fn cosign_checks_a_saved_receipt_and_names_the_right_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (requester_path, requester) = keyfile(dir.path(), "requester");
    let (other_path, other) = keyfile(dir.path(), "other");
    let device = Keypair::new();
    let r = WorkReceipt {
        deployment: gridmint_sdk::node_staking::config_address().to_bytes(),
        node_id: 2,
        job_id: 11,
        requester: requester.pubkey().to_bytes(),
        work_units: 1,
        started_at: 10,
        finished_at: 12,
        output_hash: [7; 32],
    };
    let message = r.encode();
    let mut device_signature = [0u8; 64];
    device_signature.copy_from_slice(device.sign_message(&message).as_ref());
    let signed = SignedReceipt {
        device_key: device.pubkey().to_bytes(),
        message,
        device_signature,
        requester_signature: [0; 64],
    };
    let file = dir.path().join("receipt.json");
    let json = serde_json::to_string(&ReceiptJson::from_receipt(&signed)).expect("json");
    std::fs::write(&file, json).expect("write");
    let path = file.to_str().expect("utf8");
    let hash = "07".repeat(32);

    let out = gridmint(
        dir.path(),
        &requester_path,
        &["requester", "cosign", "--receipt", path, "--output-hash", &hash, "--job-id", "11"],
    )
    .await
    .expect("cosign");
    assert_eq!(verify_receipt(&cosigned(&out)), Ok(()));

    let err = gridmint(dir.path(), &other_path, &["requester", "cosign", "--receipt", path])
        .await
        .expect_err("other key");
    assert_eq!(
        err.to_string(),
        format!(
            "the receipt names requester {}, not this key {}: sign with -k {}",
            requester.pubkey(),
            other.pubkey(),
            requester.pubkey()
        )
    );
    let err = gridmint(
        dir.path(),
        &requester_path,
        &["requester", "cosign", "--receipt", path, "--output-hash", &"08".repeat(32)],
    )
    .await
    .expect_err("other output");
    assert_eq!(
        err.to_string(),
        format!("the receipt's output hash {} is not the expected {}", hash, "08".repeat(32))
    );
}
