//! `GET /metrics` over real HTTP: exact counts after good and bad posts, every family present
//! from the start of a real `serve`, and store and peer failures counted.

use std::sync::Arc;
use std::time::Duration;

use gridmint_oracle::config::Config;
use gridmint_oracle::ingest::bindings_file::FileBinding;
use gridmint_oracle::metrics::Metrics;
use gridmint_oracle::store::Store;
use gridmint_oracle::sync::Peers;
use gridmint_protocol::crediting::BindingInput;
use gridmint_protocol::messages::EnergyReading;
use serde_json::json;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::common::*;

/// Every family `serve` exports, with its OpenMetrics type (the vote key's balance only with
/// a keypair, once read: see `tests/epoch/operations.rs`).
const FAMILIES: [(&str, &str); 16] = [
    ("gridmint_ingest_items", "counter"),
    ("gridmint_ingest_rejects", "counter"),
    ("gridmint_ingest_request_duration_seconds", "histogram"),
    ("gridmint_epoch_close_duration_seconds", "histogram"),
    ("gridmint_vote_latency_seconds", "histogram"),
    ("gridmint_votes", "counter"),
    ("gridmint_rpc_errors", "counter"),
    ("gridmint_epochs_behind", "gauge"),
    ("gridmint_determinism_alarms", "counter"),
    ("gridmint_peers_diverging", "gauge"),
    ("gridmint_peer_fetch_errors", "counter"),
    ("gridmint_store_errors", "counter"),
    ("gridmint_epoch_seconds", "gauge"),
    ("gridmint_unbonding_seconds", "gauge"),
    ("gridmint_oracle_leader", "gauge"),
    ("gridmint_challenge_attestations", "counter"),
];

/// The `/metrics` text at `base`, after checking its content type.
async fn scrape(http: &reqwest::Client, base: &str) -> String {
    let response = http.get(format!("{base}/metrics")).send().await.expect("scrape");
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers()["content-type"].to_str().expect("ascii").to_string();
    assert_eq!(content_type, gridmint_oracle::metrics::CONTENT_TYPE);
    String::from_utf8(response.bytes().await.expect("body").to_vec()).expect("utf-8")
}

fn assert_lines(text: &str, lines: &[&str]) {
    for line in lines {
        assert!(text.lines().any(|l| l == *line), "`{line}` missing from\n{text}");
    }
}

#[tokio::test]
async fn ingest_answers_and_requests_are_counted_exactly() {
    let h = Harness::start(LIMITS).await;
    let key = &h.node.device;
    let good: Vec<_> =
        (1..=3).map(|s| signed_reading(key, &h.reading(h.node.node_id, s, s as i64))).collect();
    let mut bad_signature = signed_reading(key, &h.reading(h.node.node_id, 9, 9));
    bad_signature.signature[0] ^= 1;
    let mut elsewhere = h.reading(h.node.node_id, 10, 10);
    elsewhere.deployment = [7; 32];
    let stranger = Keypair::new();

    // Given three good readings, one resent, and three bad ones,
    let body: Vec<_> = good.iter().map(reading_json).collect();
    assert_eq!(h.post_json("/v1/readings", json!(body)).await.status, 200);
    let bad = [
        reading_json(&good[0]),
        reading_json(&bad_signature),
        reading_json(&signed_reading(key, &elsewhere)),
        reading_json(&signed_reading(&stranger, &h.reading(h.node.node_id, 11, 11))),
    ];
    assert_eq!(h.post_json("/v1/readings", json!(bad)).await.status, 200);
    // and two bodies refused whole,
    assert_eq!(h.post("/v1/readings", "application/json", b"{".to_vec()).await.status, 400);
    assert_eq!(h.post("/v1/readings", "text/plain", b"hi".to_vec()).await.status, 415);

    // When scraped, Then each answer and request is counted under its labels.
    let text = scrape(&h.http, &h.base).await;
    assert_lines(
        &text,
        &[
            r#"gridmint_ingest_items_total{kind="reading",outcome="accepted"} 3"#,
            r#"gridmint_ingest_items_total{kind="reading",outcome="duplicate"} 1"#,
            r#"gridmint_ingest_items_total{kind="reading",outcome="rejected"} 3"#,
            r#"gridmint_ingest_items_total{kind="receipt",outcome="accepted"} 0"#,
            r#"gridmint_ingest_rejects_total{kind="reading",reason="bad_signature"} 1"#,
            r#"gridmint_ingest_rejects_total{kind="reading",reason="wrong_deployment"} 1"#,
            r#"gridmint_ingest_rejects_total{kind="reading",reason="unknown_device"} 1"#,
            r#"gridmint_ingest_rejects_total{kind="reading",reason="malformed"} 0"#,
            r#"gridmint_ingest_request_duration_seconds_count{kind="reading",status="200"} 2"#,
            r#"gridmint_ingest_request_duration_seconds_count{kind="reading",status="400"} 1"#,
            r#"gridmint_ingest_request_duration_seconds_count{kind="reading",status="415"} 1"#,
        ],
    );
}

#[tokio::test]
async fn store_failures_are_503_and_counted() {
    let h = Harness::start(LIMITS).await;
    let reading = signed_reading(&h.node.device, &h.reading(h.node.node_id, 1, 1));
    // Given a store that is closed under the running server,
    h.ingest.store.close().await;
    // When a reading is posted and health is asked, Then both are 503 and counted.
    let r = h.post_json("/v1/readings", reading_json(&reading)).await;
    assert_eq!((r.status, r.retry_after.as_deref()), (503, Some("1")));
    assert_eq!(r.json, json!({"error": "store unavailable; retry"}));
    let health = h.http.get(format!("{}/health", h.base)).send().await.expect("health");
    assert_eq!(health.status().as_u16(), 503);
    let text = scrape(&h.http, &h.base).await;
    assert_lines(
        &text,
        &[
            r#"gridmint_store_errors_total{component="ingest"} 1"#,
            r#"gridmint_store_errors_total{component="health"} 1"#,
            r#"gridmint_ingest_request_duration_seconds_count{kind="reading",status="503"} 1"#,
        ],
    );
}

#[tokio::test]
async fn an_unreachable_peer_is_a_counted_fetch_error() {
    let h = Harness::start(LIMITS).await;
    // A port nothing listens on (bound, then closed).
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
    let metrics = Arc::new(Metrics::new());
    let peers =
        Peers::new(vec![format!("http://{port}")], Duration::from_secs(5), Arc::clone(&metrics));
    let pulled = peers.pull_inputs(&h.ingest, 0).await;
    assert_eq!((pulled.accepted, pulled.peers_failed), (0, 1));
    assert!(peers.manifest(0, &[1; 32]).await.is_none());
    let text = metrics.encode();
    assert_lines(
        &text,
        &[
            r#"gridmint_peer_fetch_errors_total{fetch="readings"} 1"#,
            r#"gridmint_peer_fetch_errors_total{fetch="manifest"} 1"#,
            r#"gridmint_peer_fetch_errors_total{fetch="close"} 0"#,
        ],
    );
}

#[tokio::test]
async fn serve_exports_every_family_from_the_start_and_serves_its_document() {
    // Given a real `serve` in ingest-only mode: a bindings file, no RPC.
    let device = Keypair::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let binding = BindingInput {
        device_key: device.pubkey().to_bytes(),
        node: [5; 32],
        node_id: 7,
        bound_at: 0,
        unbound_at: None,
    };
    let bindings = dir.path().join("bindings.json");
    let file = serde_json::to_vec(&[FileBinding::from_input(&binding)]).expect("json");
    std::fs::write(&bindings, file).expect("write bindings");
    let deployment = Keypair::new().pubkey();
    let path = dir.path().join("oracle.toml");
    let toml = format!(
        "database_url = \"{}\"\ndeployment = \"{deployment}\"\ngenesis_time = 1000\n\
         epoch_seconds = 600\n[bindings]\nfile = \"{}\"\n",
        Store::sqlite_url(&dir.path().join("oracle.db")),
        bindings.display()
    );
    std::fs::write(&path, toml).expect("write config");
    let config = Config::load(Some(&path), std::iter::empty()).expect("config");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gridmint_oracle::serve::run_on(listener, config, async move {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();

    // When scraped before any traffic (the listener is bound: the request waits for the
    // server), Then every family is there, known series at zero.
    let text = scrape(&http, &base).await;
    for (name, kind) in FAMILIES {
        let header = format!("# TYPE {name} {kind}");
        assert!(text.lines().any(|l| l == header), "`{header}` missing from\n{text}");
    }
    assert!(!text.contains("gridmint_vote_key_balance"), "no keypair, no balance:\n{text}");
    assert_lines(
        &text,
        &[
            r#"gridmint_ingest_items_total{kind="reading",outcome="accepted"} 0"#,
            r#"gridmint_votes_total{outcome="sent"} 0"#,
            r#"gridmint_rpc_errors_total{method="read_accounts",kind="transport"} 0"#,
            "gridmint_epoch_seconds 600",
        ],
    );

    // And a reading posted to it is counted by the same metrics it serves.
    let message = EnergyReading {
        deployment: deployment.to_bytes(),
        node_id: 7,
        sequence: 1,
        timestamp: 1_001,
        produced_wh: 1,
        consumed_wh: 0,
    }
    .encode();
    let reading = gridmint_protocol::crediting::SignedReading {
        device_key: device.pubkey().to_bytes(),
        message,
        signature: sign(&device, &message),
    };
    let response = http
        .post(format!("{base}/v1/readings"))
        .header("content-type", "application/octet-stream")
        .body(reading_record(&reading))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 200);
    let text = scrape(&http, &base).await;
    assert_lines(&text, &[r#"gridmint_ingest_items_total{kind="reading",outcome="accepted"} 1"#]);

    // The OpenAPI document served is the committed one.
    let served = http.get(format!("{base}/openapi.json")).send().await.expect("openapi");
    assert_eq!(served.headers()["content-type"], "application/json");
    let served: serde_json::Value =
        serde_json::from_slice(&served.bytes().await.expect("body")).expect("json");
    let committed = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json"));
    let committed: serde_json::Value =
        serde_json::from_slice(&committed.expect("read")).expect("json");
    assert_eq!(served, committed);

    stop.send(()).expect("stop");
    tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .expect("stopped within the deadline")
        .expect("task")
        .expect("serve");
}
