//! Per-item answers: accepted, duplicate and every rejection reason.

use gridmint_oracle::ingest::bindings::{CachePolicy, CachedBindings};
use gridmint_oracle::ingest::bindings_chain::ChainBindings;
use gridmint_oracle::metrics::{MeteredChain, Metrics};
use gridmint_protocol::crediting::SignedReading;
use gridmint_protocol::messages::WorkReceipt;
use gridmint_sdk::chain::RpcChain;
use gridmint_sdk::node_staking::NodeKind;
use serde_json::json;
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_keypair::Keypair;
use std::sync::Arc;

use crate::common::*;

#[tokio::test]
async fn json_and_binary_readings_are_accepted_then_duplicate_and_stored() {
    let h = Harness::start(LIMITS).await;
    let key = &h.node.device;
    let a = signed_reading(key, &h.reading(h.node.node_id, 1, 10));
    let b = signed_reading(key, &h.reading(h.node.node_id, 2, 20));

    // Given one JSON object, When posted, Then it is accepted with its identity.
    let r = h.post_json("/v1/readings", reading_json(&a)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.outcomes(), [accepted()]);
    let identity = r.json["results"][0]["identity"].as_str().expect("identity").to_string();
    assert_eq!(identity.len(), 64);

    // Given a binary batch repeating `a`, Then `a` is a duplicate and `b` accepted.
    let body = [reading_record(&a), reading_record(&b)].concat();
    let r = h.post("/v1/readings", "application/octet-stream", body).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.outcomes(), [duplicate(), accepted()]);
    assert_eq!(r.json["results"][0]["identity"].as_str(), Some(identity.as_str()));

    // Both are durably stored, in epoch 0 (listed in no particular order).
    let mut expected = vec![a, b];
    expected.sort_by_key(SignedReading::identity);
    let mut stored = h.ingest.store.epoch_readings(0).await.expect("list");
    stored.sort_by_key(SignedReading::identity);
    assert_eq!(stored, expected);
}

#[tokio::test]
async fn every_reading_rejection_has_its_reason_and_retryability() {
    let h = Harness::start(LIMITS).await;
    let key = &h.node.device;
    let good = signed_reading(key, &h.reading(h.node.node_id, 1, 10));

    let mut forged = signed_reading(key, &h.reading(h.node.node_id, 2, 10));
    forged.signature[0] ^= 1;
    let mut other_deployment = h.reading(h.node.node_id, 3, 10);
    other_deployment.deployment = [9; 32];
    let other_deployment = signed_reading(key, &other_deployment);
    let stranger = Keypair::new();
    let unknown = signed_reading(&stranger, &h.reading(h.node.node_id, 1, 10));
    // The node's key signing for another node id.
    let mismatch = signed_reading(key, &h.reading(h.other.node_id, 4, 10));
    let mut bad_tag = good;
    bad_tag.message[0] = b'X';
    let bad_tag = SignedReading { signature: sign(key, &bad_tag.message), ..bad_tag };

    let mut batch = vec![
        reading_json(&good),
        reading_json(&forged),
        reading_json(&other_deployment),
        reading_json(&unknown),
        reading_json(&mismatch),
        reading_json(&bad_tag),
    ];
    // Well-formed items with unusable values: a short message and bad base58.
    let mut short = reading_json(&good);
    short["message"] = json!("AAAA");
    let mut not_b58 = reading_json(&good);
    not_b58["signature"] = json!("0OIl");
    batch.push(short);
    batch.push(not_b58);

    let r = h.post_json("/v1/readings", json!(batch)).await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(
        r.outcomes(),
        [
            accepted(),
            rejected("bad_signature"),
            rejected("wrong_deployment"),
            rejected("unknown_device"),
            rejected("binding_node_mismatch"),
            rejected("malformed"),
            rejected("malformed"),
            rejected("malformed"),
        ]
    );
    let results = r.json["results"].as_array().expect("results");
    let retryable: Vec<bool> =
        results[1..].iter().map(|a| a["retryable"].as_bool().expect("bool")).collect();
    assert_eq!(retryable, [false, false, true, false, false, false, false]);
    // §9.9 codes where they exist.
    let codes: Vec<u64> = results[1..5].iter().map(|a| a["code"].as_u64().expect("code")).collect();
    assert_eq!(codes, [2, 4, 5, 6]);
    assert_eq!(h.ingest.store.counts().await.expect("counts").readings, 1);
}

#[tokio::test]
async fn unknown_device_is_accepted_once_its_binding_appears() {
    let mut h = Harness::start(LIMITS).await;
    // Given a node registered after the device's first attempt (RPC lagging behind).
    let staking_next = h.staking.config_state(&mut h.env).await.next_node_id;
    let device = Keypair::new();
    let reading = signed_reading(&device, &h.reading(staking_next, 1, 10));
    let r = h.post_json("/v1/readings", reading_json(&reading)).await;
    assert_eq!(r.outcomes(), [rejected("unknown_device")]);
    assert_eq!(r.json["results"][0]["retryable"], json!(true));

    let (node_id, ix) = h
        .staking
        .register_ix(
            &mut h.env,
            &h.operator,
            &device,
            gridmint_test_support::node_staking::register_args(NodeKind::Energy, 10_000),
        )
        .await;
    assert_eq!(node_id, staking_next);
    h.env.send(&[ix], &[&h.operator.keypair, &device]).await.expect("register");

    // When the device retries, Then the binding is looked up again and the reading accepted.
    let r = h.post_json("/v1/readings", reading_json(&reading)).await;
    assert_eq!(r.outcomes(), [accepted()]);
}

#[tokio::test]
async fn receipts_need_both_signatures() {
    let h = Harness::start(LIMITS).await;
    let device = &h.node.device;
    let requester = Keypair::new();
    let good = signed_receipt(device, &requester, &h.receipt(h.node.node_id, 1, &requester));
    let mut bad_device =
        signed_receipt(device, &requester, &h.receipt(h.node.node_id, 2, &requester));
    bad_device.device_signature[5] ^= 1;
    let mut bad_requester =
        signed_receipt(device, &requester, &h.receipt(h.node.node_id, 3, &requester));
    bad_requester.requester_signature[5] ^= 1;
    let mut wrong_len = receipt_json(&good);
    wrong_len["device_key"] = json!(bs58::encode([1u8; 31]).into_string());

    let r = h
        .post_json(
            "/v1/receipts",
            json!([
                receipt_json(&good),
                receipt_json(&bad_device),
                receipt_json(&bad_requester),
                wrong_len,
                receipt_json(&good),
            ]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(
        r.outcomes(),
        [
            accepted(),
            rejected("bad_signature"),
            rejected("bad_requester_signature"),
            rejected("malformed"),
            duplicate(),
        ]
    );
    // The binary form of the same receipt is the same input.
    let r = h.post("/v1/receipts", "application/octet-stream", receipt_record(&good)).await;
    assert_eq!(r.outcomes(), [duplicate()]);
    let finished = WorkReceipt::decode(&good.message).expect("decodes").finished_at;
    assert!(finished < h.staking.genesis_time + h.staking.epoch_seconds);
    assert_eq!(h.ingest.store.epoch_receipts(0).await.expect("list"), vec![good]);
}

#[tokio::test]
async fn binding_source_down_is_a_retryable_unavailable() {
    let h = Harness::start(LIMITS).await;
    // A real RpcClient pointed at a port nothing listens on (bound, then closed).
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
    let commitment = solana_commitment_config::CommitmentConfig::confirmed();
    let client = RpcClient::new_with_commitment(format!("http://{port}"), commitment);
    // Metered as `serve` meters it: the failure is counted as an RPC error.
    let metrics = Arc::new(Metrics::new());
    let chain = Arc::new(RpcChain::new(Arc::new(client), commitment));
    let rpc = ChainBindings::new(Arc::new(MeteredChain::new(chain, Arc::clone(&metrics))));
    let policy = CachePolicy {
        ttl: std::time::Duration::from_secs(1),
        missing_retry: std::time::Duration::ZERO,
        max_missing: 10,
    };
    let ingest = Arc::new(gridmint_oracle::ingest::Ingest {
        settings: h.ingest.settings,
        store: Arc::clone(&h.ingest.store),
        bindings: CachedBindings::new(Arc::new(rpc), policy),
        reading_limit: gridmint_oracle::ingest::rate_limit::RateLimiter::new(0),
        receipt_limit: gridmint_oracle::ingest::rate_limit::RateLimiter::new(0),
        verify: gridmint_oracle::ingest::verify_pool::VerifyPool::start(1, 0).expect("verify"),
        metrics: Arc::clone(&metrics),
        attester: None,
    });
    let base = serve(gridmint_oracle::ingest::http::router(ingest)).await;
    let reading = signed_reading(&h.node.device, &h.reading(h.node.node_id, 1, 10));
    let response = h
        .http
        .post(format!("{base}/v1/readings"))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&reading_json(&reading)).expect("json"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 200);
    let json: serde_json::Value =
        serde_json::from_slice(&response.bytes().await.expect("body")).expect("json");
    assert_eq!(
        json["results"][0],
        json!({"status": "rejected", "reason": "unavailable", "retryable": true})
    );
    let text = metrics.encode();
    for line in [
        r#"gridmint_rpc_errors_total{method="read_accounts",kind="transport"} 1"#,
        r#"gridmint_ingest_rejects_total{kind="reading",reason="unavailable"} 1"#,
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing from\n{text}");
    }
}
