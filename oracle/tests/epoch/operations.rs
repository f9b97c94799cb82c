//! Operations: every route answers as `openapi.json` says (status, content type, body against
//! its schema), and a finalized epoch shows in the voting oracle's metrics.

use std::collections::BTreeSet;

use gridmint_oracle::challenges::wire::{answer_json, parse_answer_records, ATTESTATION_RECORD};
use gridmint_oracle::epoch::hex;
use gridmint_oracle::ingest::wire;
use gridmint_oracle::routes::{self, Method};
use gridmint_oracle::sync::solana_sha256;
use gridmint_protocol::challenge::answer::{opening_hash, ChallengeAnswer, SignedAnswer};
use gridmint_test_support::node_staking::UNBONDING_SECONDS;
use serde_json::{json, Value};
use solana_signer::Signer;

use crate::harness::Net;
use crate::quorum::finalize_empty_epoch_0;
use crate::schema;

/// The template of `routes::all()` that `path` (no query) instantiates for `method`.
fn template(method: Method, path: &str) -> &'static str {
    let segments: Vec<&str> = path.split('/').collect();
    let matches = |t: &str| {
        let parts: Vec<&str> = t.split('/').collect();
        parts.len() == segments.len()
            && parts.iter().zip(&segments).all(|(p, s)| p == s || p.starts_with('{'))
    };
    routes::all()
        .into_iter()
        .find(|(m, t)| *m == method && matches(t))
        .unwrap_or_else(|| panic!("no route for {method:?} {path}"))
        .1
}

struct Contract {
    doc: Value,
    http: reqwest::Client,
    base: String,
    covered: BTreeSet<(Method, &'static str)>,
}

impl Contract {
    /// Sends the request, checks the answer against the document; `(status, body)`.
    async fn call(
        &mut self,
        method: Method,
        path_and_query: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> (u16, Vec<u8>) {
        let url = format!("{}{path_and_query}", self.base);
        let mut request = match method {
            Method::Get => self.http.get(url),
            Method::Post => self.http.post(url),
            Method::Put => self.http.put(url),
        };
        if let Some((content_type, bytes)) = body {
            request = request.header("content-type", content_type).body(bytes);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let content_type =
            response.headers().get("content-type").map(|v| v.to_str().expect("ascii").to_string());
        let bytes = response.bytes().await.expect("body").to_vec();

        let path = path_and_query.split('?').next().expect("path");
        let route = template(method, path);
        self.covered.insert((method, route));
        let what = format!("{method:?} {path_and_query} → {status}");
        let operation = &self.doc["paths"][route][method.openapi_key()];
        let documented = operation["responses"]
            .get(status.to_string())
            .unwrap_or_else(|| panic!("{what}: status not documented"));
        let documented = schema::deref(&self.doc, documented);
        let content_type = content_type.unwrap_or_else(|| panic!("{what}: no content type"));
        let media = documented["content"]
            .get(&content_type)
            .unwrap_or_else(|| panic!("{what}: content type {content_type} not documented"));
        if content_type == "application/json" {
            let value: Value = serde_json::from_slice(&bytes).expect("JSON body");
            let errors = schema::errors(&self.doc, &media["schema"], &value, "$");
            assert!(errors.is_empty(), "{what}: {errors:#?}\n{value}");
        }
        (status, bytes)
    }
}

#[tokio::test]
async fn every_route_answers_as_the_document_says() {
    let mut net = Net::start().await;
    finalize_empty_epoch_0(&mut net).await;
    let doc: Value = serde_json::from_str(routes::OPENAPI_JSON).expect("document parses");
    let mut c = Contract {
        doc,
        http: net.http.clone(),
        base: net.oracles[0].base.clone(),
        covered: BTreeSet::new(),
    };
    let (get, post, put) = (Method::Get, Method::Post, Method::Put);
    let json_body = |v: Value| Some(("application/json", serde_json::to_vec(&v).expect("json")));

    assert_eq!(c.call(get, "/health", None).await.0, 200);
    assert_eq!(c.call(get, "/metrics", None).await.0, 200);
    assert_eq!(c.call(get, "/openapi.json", None).await.0, 200);
    assert_eq!(c.call(get, "/v1/status", None).await.0, 200);

    // Ingest: per-item answers, and bodies refused whole.
    let good = net.reading(1, 100, 1_000);
    let mut forged = net.reading(2, 200, 2_000);
    forged.signature[0] ^= 1;
    let items = json!([wire::reading_json(&good), wire::reading_json(&forged)]);
    assert_eq!(c.call(post, "/v1/readings", json_body(items)).await.0, 200);
    let broken = Some(("application/json", b"{".to_vec()));
    assert_eq!(c.call(post, "/v1/readings", broken).await.0, 400);
    let text = Some(("text/plain", b"hi".to_vec()));
    assert_eq!(c.call(post, "/v1/readings", text).await.0, 415);
    let short = Some(("application/octet-stream", vec![0; wire::READING_RECORD]));
    assert_eq!(c.call(post, "/v1/receipts", short).await.0, 400);
    let device = net.node.device.pubkey();
    let last = format!("/v1/devices/{device}/last-reading");
    assert_eq!(c.call(get, &last, None).await.0, 200);
    assert_eq!(c.call(get, "/v1/devices/nobody/last-reading", None).await.0, 400);
    let unknown = solana_keypair::Keypair::new().pubkey();
    assert_eq!(c.call(get, &format!("/v1/devices/{unknown}/last-reading"), None).await.0, 404);

    // A challenge answer (attested) and a malformed one, and the per-epoch sync lists.
    let opening = vec![7u8; 64];
    let message = ChallengeAnswer {
        deployment: net.staking.config.to_bytes(),
        node_id: net.node.node_id,
        epoch: 0,
        beacon_index: 0,
        challenge_id: [3; 32],
        rows: 8,
        cols: 32,
        product_root: [4; 32],
        opening_hash: opening_hash(&opening),
    }
    .encode();
    let signature = net.node.device.sign_message(&message).as_ref().try_into().expect("64");
    let answer = SignedAnswer { device_key: device.to_bytes(), message, signature, opening };
    let malformed = json!({"device_key": device.to_string(), "message": "AAAA",
        "signature": "1", "opening": ""});
    let items = json!([answer_json(&answer), malformed]);
    let (status, body) = c.call(post, "/v1/challenges/answers", json_body(items)).await;
    let reply: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(status, 200);
    assert!(reply["results"][0]["attestation"].is_object(), "{reply}");
    assert_eq!(reply["results"][1]["reason"], "malformed");
    let (status, records) = c.call(get, "/v1/epochs/0/challenges/answers", None).await;
    assert_eq!(parse_answer_records(&records, 1).expect("records"), vec![Ok(answer)]);
    assert_eq!(status, 200);
    let (status, records) = c.call(get, "/v1/epochs/0/challenges/attestations", None).await;
    assert_eq!((status, records.len()), (200, ATTESTATION_RECORD));

    // The read API over epoch 0 (finalized, empty) and its errors.
    let (status, records) = c.call(get, "/v1/epochs/0/readings", None).await;
    assert_eq!((status, records.len()), (200, wire::READING_RECORD));
    let (status, body) = c.call(get, "/v1/epochs/zero/readings", None).await;
    let error: Value = serde_json::from_slice(&body).expect("json");
    let parse = "Invalid URL: Cannot parse `zero` to a `u64`";
    assert_eq!((status, error), (400, json!({ "error": parse })));
    assert_eq!(c.call(get, "/v1/epochs/0/receipts", None).await.0, 200);
    assert_eq!(c.call(get, "/v1/epochs/0/inputs", None).await.0, 200);
    assert_eq!(c.call(get, "/v1/epochs/0/close", None).await.0, 200);
    assert_eq!(c.call(get, "/v1/epochs/9/close", None).await.0, 404);
    assert_eq!(c.call(get, "/v1/epochs/0/manifest", None).await.0, 200);
    assert_eq!(c.call(get, "/v1/epochs/0/manifest?format=borsh", None).await.0, 200);
    assert_eq!(c.call(get, "/v1/epochs/0/manifest?hash=zz", None).await.0, 400);
    assert_eq!(c.call(get, "/v1/epochs/0/manifest?format=xml", None).await.0, 400);
    assert_eq!(c.call(get, "/v1/epochs/9/manifest", None).await.0, 404);
    assert_eq!(c.call(get, "/v1/epochs/0/ledger", None).await.0, 200);
    assert_eq!(c.call(get, "/v1/epochs/9/ledger", None).await.0, 404);
    net.oracles[0].archiver.pass().await.expect("archive pass");
    assert_eq!(c.call(get, "/v1/epochs/0/archive", None).await.0, 200);
    assert_eq!(c.call(get, "/v1/epochs/9/archive", None).await.0, 404);
    let node = net.node.address.to_string();
    let explain = format!("/v1/epochs/0/nodes/{node}/explain");
    assert_eq!(c.call(get, &explain, None).await.0, 200);
    assert_eq!(c.call(get, "/v1/epochs/0/nodes/nobody/explain", None).await.0, 400);
    let stranger = solana_keypair::Keypair::new().pubkey();
    assert_eq!(c.call(get, &format!("/v1/claims/{stranger}"), None).await.0, 404);
    assert_eq!(c.call(get, "/v1/claims/nobody", None).await.0, 400);

    // Corrections: stored by hash, served back, refused when the hash or size is wrong.
    let document = b"not a correction document".to_vec();
    let path = format!("/v1/corrections/{}", hex(&solana_sha256(&document)));
    let bytes = |b: Vec<u8>| Some(("application/octet-stream", b));
    assert_eq!(c.call(put, &path, bytes(document.clone())).await.0, 201);
    assert_eq!(c.call(get, &path, None).await, (200, document));
    assert_eq!(c.call(put, &path, bytes(b"other bytes".to_vec())).await.0, 400);
    let huge = bytes(vec![0; gridmint_oracle::api::MAX_CORRECTION_BYTES + 1]);
    let (status, body) = c.call(put, &path, huge).await;
    let error: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!((status, error), (413, json!({"error": "correction document too large"})));
    let unknown = format!("/v1/corrections/{}", hex(&[0; 32]));
    assert_eq!(c.call(get, &unknown, None).await.0, 404);

    // Every route was called.
    let all: BTreeSet<_> = routes::all().into_iter().collect();
    let missed: Vec<_> = all.difference(&c.covered).collect();
    assert!(missed.is_empty(), "routes this test never called: {missed:?}");
}

#[tokio::test]
async fn a_finalized_epoch_shows_in_the_voting_oracles_metrics() {
    // Given epoch 0 finalized with oracle 1's vote (oracle 1 then recorded it),
    let mut net = Net::start().await;
    finalize_empty_epoch_0(&mut net).await;
    let key = net.rewards.oracles[1].pubkey();
    let lamports = net.env.lamports(&key).await;
    // When oracle 1 is scraped, Then the vote, its latency, the close, the caught-up ledger,
    // the key's balance and the unbonding period are there.
    let text = net.metrics(1).await;
    let expected = [
        r#"gridmint_votes_total{outcome="sent"} 1"#.to_string(),
        r#"gridmint_votes_total{outcome="error"} 0"#.to_string(),
        "gridmint_vote_latency_seconds_count 1".to_string(),
        "gridmint_epoch_close_duration_seconds_count 1".to_string(),
        "gridmint_epochs_behind 0".to_string(),
        format!(r#"gridmint_vote_key_balance_lamports{{key="{key}"}} {lamports}"#),
        format!("gridmint_unbonding_seconds {UNBONDING_SECONDS}"),
        "gridmint_determinism_alarms_total 0".to_string(),
        "gridmint_peers_diverging 0".to_string(),
        // One process per SQLite store: it always leads.
        "gridmint_oracle_leader 1".to_string(),
    ];
    for line in &expected {
        assert!(text.lines().any(|l| l == line), "`{line}` missing from\n{text}");
    }
    // With a keypair every family is exported (tests/ingest/metrics.rs lists them).
    let families = text.lines().filter(|l| l.starts_with("# TYPE gridmint_")).count();
    assert_eq!(families, 17, "{text}");
}
