//! The job API of a running compute agent, and co-signed receipts reaching a real oracle.

use std::path::Path;

use gridmint_protocol::crediting::signatures::verify_receipt;
use gridmint_protocol::messages::WorkReceipt;
use gridmint_sdk::jobs::{command_output_hash, job_seed, KernelJob};
use gridmint_sdk::requester::{cosign_receipt, Expected, ReceiptJson};
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;
use sqlx::Row;

use crate::common::*;
use crate::run_agent;

/// A compute node's config: the job API on `port`, two commands, receipts to `oracles`.
fn compute_config(
    dir: &Path,
    device: &Device,
    oracles: &[String],
    port: u16,
) -> std::path::PathBuf {
    let oracles: Vec<String> = oracles.iter().map(|o| format!("\"{o}\"")).collect();
    let text = format!(
        "device_keypair = \"{key}\"\ndata_dir = \"{data}\"\nnode_id = {NODE_ID}\n\
         kind = \"compute\"\noracles = [{oracles}]\nlisten = \"127.0.0.1:{port}\"\n\
         [delivery]\nretry_min = \"20ms\"\nretry_max = \"200ms\"\ntimeout = \"2s\"\n\
         [jobs]\ncommand_timeout = \"1s\"\nmax_kernel_dim = 256\n\
         [jobs.commands.hello]\ncommand = [\"/bin/sh\", \"-c\", \"printf hello\"]\nwork_units = 3\n\
         [jobs.commands.slow]\ncommand = [\"/bin/sleep\", \"30\"]\nwork_units = 1\n\
         [source]\nkind = \"none\"\n",
        key = device.path.display(),
        data = dir.join("data").display(),
        oracles = oracles.join(", "),
    );
    let path = dir.join("agent.toml");
    std::fs::write(&path, text).expect("write agent config");
    path
}

async fn post(url: &str, body: &Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("POST");
    let status = response.status().as_u16();
    (status, serde_json::from_slice(&response.bytes().await.expect("body")).expect("json"))
}

async fn wait_http(url: &str) {
    let http = reqwest::Client::new();
    wait_for("the agent's listener", || {
        let (http, url) = (http.clone(), format!("{url}/health"));
        async move { http.get(&url).send().await.ok() }
    })
    .await;
}

fn receipt_in(answer: &Value) -> gridmint_protocol::crediting::SignedReceipt {
    let json: ReceiptJson = serde_json::from_value(answer["receipt"].clone()).expect("receipt");
    json.to_receipt().expect("decodes")
}

/// Co-signed receipts the oracle at `db` stored for `device_key`: `(job_id, requester_signature)`.
async fn oracle_receipts(db: &Path, device_key: &[u8; 32]) -> Vec<(i64, Vec<u8>)> {
    let store = gridmint_oracle::store::Store::open(&gridmint_oracle::store::Store::sqlite_url(db))
        .await
        .expect("open store");
    let rows = sqlx::query(
        "SELECT job_id, requester_signature FROM receipts WHERE device_key = $1 ORDER BY job_id",
    )
    .bind(device_key.to_vec())
    .fetch_all(store.pool())
    .await
    .expect("query");
    let out = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    store.close().await;
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kernel_job_receipt_cosigned_by_the_requester_reaches_the_oracle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let device = Device::new(dir.path(), "device");
    let oracle = Oracle::start(dir.path(), &[device.binding(NODE_ID)], 0).await;
    let port = free_port();
    let config = compute_config(dir.path(), &device, std::slice::from_ref(&oracle.url), port);
    let agent = run_agent(&config);
    let url = format!("http://127.0.0.1:{port}");
    wait_http(&url).await;
    let requester = Keypair::new();
    let job = KernelJob::square(128);
    let request = json!({"requester": requester.pubkey().to_string(), "job_id": 7,
                         "job": {"kernel": job}});

    // The device signs a receipt whose output hash is the one the requester recomputes.
    let (status, answer) = post(&format!("{url}/v1/jobs"), &request).await;
    assert_eq!(status, 200, "{answer}");
    let signed = receipt_in(&answer);
    assert_eq!(answer["receipt"]["requester_signature"], "");
    let output = job.output_hash(&job_seed(&requester.pubkey().to_bytes(), 7)).expect("hash");
    let fields = WorkReceipt::decode(&signed.message).expect("decodes");
    assert_eq!((fields.work_units, fields.job_id, fields.output_hash), (2, 7, output));
    // Asked again for the same job: the same receipt, never a second one.
    let (status, again) = post(&format!("{url}/v1/jobs"), &request).await;
    assert_eq!((status, &again["repeated"]), (200, &json!(true)));
    assert_eq!(receipt_in(&again), signed);

    // Handing back a receipt that is not co-signed, or badly co-signed, is refused.
    let receipts = format!("{url}/v1/receipts");
    let (status, e) = post(&receipts, &answer["receipt"]).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (422, Some("the receipt is not co-signed: sign it with the requester key first"))
    );
    let expected = Expected {
        deployment: gridmint_sdk::node_staking::config_address(),
        node_id: Some(NODE_ID),
        job_id: Some(7),
        output_hash: Some(output),
    };
    let cosigned = cosign_receipt(&requester, &signed, &expected).expect("co-sign");
    let mut forged = cosigned;
    forged.requester_signature[3] ^= 1;
    let (status, e) = post(&receipts, &json!(ReceiptJson::from_receipt(&forged))).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (422, Some("signature check failed: BadRequesterSignature"))
    );

    // Receipts this node did not sign for this job are refused, each with its reason.
    let sign = |key: &Keypair, r: &WorkReceipt| {
        let message = r.encode();
        let mut out = [0u8; 64];
        out.copy_from_slice(key.sign_message(&message).as_ref());
        out
    };
    let refused = |r: WorkReceipt, device: &Keypair| {
        json!(ReceiptJson::from_receipt(&gridmint_protocol::crediting::SignedReceipt {
            device_key: device.pubkey().to_bytes(),
            message: r.encode(),
            device_signature: sign(device, &r),
            requester_signature: sign(&requester, &r),
        }))
    };
    let stranger = Keypair::new();
    for (receipt, key, status, reason) in [
        (fields, &stranger, 422, "the receipt was not signed by this node's device key"),
        (
            WorkReceipt { job_id: 99, ..fields },
            &device.keypair,
            404,
            "this node ran no such job for this requester",
        ),
        (
            WorkReceipt { work_units: 500, ..fields },
            &device.keypair,
            409,
            "the receipt differs from the one this node signed for the job",
        ),
    ] {
        let (got, e) = post(&receipts, &refused(receipt, key)).await;
        assert_eq!((got, e["error"].as_str()), (status, Some(reason)));
    }

    // The co-signed receipt is journaled and delivered to the oracle.
    let (status, ok) = post(&receipts, &json!(ReceiptJson::from_receipt(&cosigned))).await;
    assert_eq!((status, &ok["status"]), (200, &json!("journaled")));
    assert_eq!(verify_receipt(&cosigned), Ok(()));
    let key = device.key();
    let stored = wait_for("the receipt at the oracle", || async {
        let r = oracle_receipts(&oracle.db, &key).await;
        (!r.is_empty()).then_some(r)
    })
    .await;
    assert_eq!(stored, vec![(7, cosigned.requester_signature.to_vec())]);
    // `status` counts it as delivered once the oracle's answer is recorded.
    let status = wait_for("the delivery recorded", || async {
        let config =
            gridmint_agent::config::Config::load(Some(&config), Vec::<(String, String)>::new())
                .expect("config");
        let s = gridmint_agent::status::status(&config).await.expect("status");
        (s["receipts"]["undelivered"] == 0).then_some(s)
    })
    .await;
    assert_eq!(status["receipts"], json!({"signed": 1, "cosigned": 1, "undelivered": 0}));
    crate::stop_agent(agent).await;
    oracle.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_commands_run_bounded_and_nothing_else_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let device = Device::new(dir.path(), "device");
    let port = free_port();
    let config = compute_config(dir.path(), &device, &[], port);
    let agent = run_agent(&config);
    let url = format!("http://127.0.0.1:{port}");
    wait_http(&url).await;
    let requester = Keypair::new().pubkey().to_string();
    let job = |id: u64, job: Value| json!({"requester": requester, "job_id": id, "job": job});
    let jobs = format!("{url}/v1/jobs");

    let (status, answer) = post(&jobs, &job(1, json!({"command": "hello"}))).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["output"], "aGVsbG8="); // base64("hello")
    let fields = WorkReceipt::decode(&receipt_in(&answer).message).expect("decodes");
    assert_eq!((fields.work_units, fields.output_hash), (3, command_output_hash(b"hello")));

    let (status, e) = post(&jobs, &json!({"requester": "nope", "job_id": 1, "job": {}})).await;
    assert_eq!((status, e["error"].as_str()), (400, Some("body: Failed to parse the request body as JSON: job: expected value at line 1 column 9")));
    let bad_key = json!({"requester": "nope", "job_id": 1, "job": {"command": "hello"}});
    let (status, e) = post(&jobs, &bad_key).await;
    assert_eq!((status, e["error"].as_str()), (400, Some("requester is not a base58 public key")));
    let (status, e) = post(&jobs, &job(2, json!({"command": "/bin/rm"}))).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (422, Some("no command named \"/bin/rm\" is configured on this node (jobs.commands)"))
    );
    let (status, e) = post(&jobs, &job(3, json!({"command": "slow"}))).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (500, Some("the command ran longer than 1s and was killed"))
    );
    let (status, e) = post(&jobs, &job(4, json!({"kernel": {"m": 257, "k": 1, "n": 1}}))).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (422, Some("kernel job too large: dimensions must each be between 1 and 256 on this node"))
    );
    // Failed jobs sign nothing: the same ids are still free.
    let (status, answer) = post(&jobs, &job(3, json!({"command": "hello"}))).await;
    assert_eq!((status, &answer["repeated"]), (200, &Value::Null));
    crate::stop_agent(agent).await;
}
