//! `POST /v1/challenges/answers` over real HTTP with bindings from a real Bank: every reject
//! reason, duplicates, the attestation (verifiable, the first one for a resend), a watch-only
//! oracle, the answers stored and served for sync.

use std::sync::Arc;

use base64::Engine;
use gridmint_oracle::challenges::wire::{
    answer_json, parse_answer_records, parse_attestation_records,
};
use gridmint_oracle::ingest::Ingest;
use gridmint_protocol::challenge::answer::{opening_hash, ChallengeAnswer, SignedAnswer};
use gridmint_protocol::challenge::attestation::{Attestation, SignedAttestation};
use gridmint_protocol::challenge::signatures::verify_attestation;
use serde_json::json;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::common::*;

/// An answer of `node_id` to a made-up challenge of epoch 0 with a 96-byte opening.
pub fn answer(h: &Harness, node_id: u64, challenge: u8) -> (ChallengeAnswer, Vec<u8>) {
    let opening = vec![challenge; 96];
    let m = ChallengeAnswer {
        deployment: h.staking.config.to_bytes(),
        node_id,
        epoch: 0,
        beacon_index: 1,
        challenge_id: [challenge; 32],
        rows: 8,
        cols: 32,
        product_root: [5; 32],
        opening_hash: opening_hash(&opening),
    };
    (m, opening)
}

pub fn signed(key: &Keypair, m: &ChallengeAnswer, opening: Vec<u8>) -> SignedAnswer {
    let message = m.encode();
    SignedAnswer {
        device_key: key.pubkey().to_bytes(),
        message,
        signature: sign(key, &message),
        opening,
    }
}

/// The attestation of a reply item, decoded and checked with `verify_attestation`.
pub fn attestation_of(item: &serde_json::Value) -> (SignedAttestation, Attestation) {
    let a = &item["attestation"];
    let b64 = base64::engine::general_purpose::STANDARD;
    let signed = SignedAttestation {
        oracle_key: bs58::decode(a["oracle_key"].as_str().expect("key"))
            .into_vec()
            .expect("b58")
            .try_into()
            .expect("32"),
        message: b64
            .decode(a["message"].as_str().expect("message"))
            .expect("b64")
            .try_into()
            .expect("121"),
        signature: bs58::decode(a["signature"].as_str().expect("sig"))
            .into_vec()
            .expect("b58")
            .try_into()
            .expect("64"),
    };
    verify_attestation(&signed).expect("the attestation verifies");
    (signed, Attestation::decode(&signed.message).expect("decodes"))
}

fn attester_key(ingest: &Ingest) -> [u8; 32] {
    ingest.attester.as_ref().expect("voting").key.pubkey().to_bytes()
}

#[tokio::test]
async fn an_accepted_answer_is_attested_stored_and_a_resend_is_a_duplicate_with_the_same_attestation(
) {
    let h = Harness::start(LIMITS).await;
    let (m, opening) = answer(&h, h.node.node_id, 1);
    let a = signed(&h.node.device, &m, opening);

    // Given a valid answer, When posted, Then it is accepted and attested by this oracle's key
    // with the identity of the answer and the clock at receipt.
    let before =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs()
            as i64;
    let r = h.post_json("/v1/challenges/answers", answer_json(&a)).await;
    let after =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs()
            as i64;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.outcomes(), [accepted()]);
    let item = &r.json["results"][0];
    assert_eq!(item["identity"].as_str(), Some(wire_hex(&a.identity()).as_str()));
    let (first, att) = attestation_of(item);
    assert_eq!(first.oracle_key, attester_key(&h.ingest));
    assert_eq!(
        (att.deployment, att.epoch, att.challenge_id, att.answer_id),
        (h.staking.config.to_bytes(), 0, [1; 32], a.identity())
    );
    assert!(
        (before..=after).contains(&att.received_at),
        "{} not in {before}..={after}",
        att.received_at
    );

    // When the same answer is sent again (as binary), Then it is a duplicate carrying the
    // attestation signed the first time.
    let mut body = Vec::new();
    gridmint_oracle::challenges::wire::answer_record(&a, &mut body);
    let r = h.post("/v1/challenges/answers", "application/octet-stream", body).await;
    assert_eq!(r.outcomes(), [duplicate()]);
    assert_eq!(attestation_of(&r.json["results"][0]).0, first);

    // The answer and one attestation survive in the store, and are served for sync.
    let store = &h.ingest.store;
    assert_eq!(store.epoch_answers(0).await.expect("answers"), vec![a.clone()]);
    assert_eq!(store.epoch_attestations(0).await.expect("attestations"), vec![first]);
    let got =
        h.http.get(format!("{}/v1/epochs/0/challenges/answers", h.base)).send().await.expect("get");
    let body = got.bytes().await.expect("body");
    assert_eq!(parse_answer_records(&body, 10).expect("records"), vec![Ok(a.clone())]);
    let got = h
        .http
        .get(format!("{}/v1/epochs/0/challenges/attestations", h.base))
        .send()
        .await
        .expect("get");
    let body = got.bytes().await.expect("body");
    assert_eq!(parse_attestation_records(&body).expect("records"), vec![first]);
    let got =
        h.http.get(format!("{}/v1/epochs/1/challenges/answers", h.base)).send().await.expect("get");
    assert_eq!(got.status().as_u16(), 200);
    assert!(got.bytes().await.expect("body").is_empty());

    // Pages: after the last identity the page is empty; a bad cursor is a 400.
    let next =
        format!("{}/v1/epochs/0/challenges/answers?after={}", h.base, wire_hex(&a.identity()));
    let got = h.http.get(next).send().await.expect("get");
    assert_eq!(got.status().as_u16(), 200);
    assert!(got.bytes().await.expect("body").is_empty());
    let bad = format!("{}/v1/epochs/0/challenges/attestations?after=zz", h.base);
    let got = h.http.get(bad).send().await.expect("get");
    assert_eq!(got.status().as_u16(), 400);
    let error: serde_json::Value =
        serde_json::from_slice(&got.bytes().await.expect("body")).expect("json");
    assert_eq!(error, json!({"error": "after must be 64 hex digits"}));

    // Counted: one accepted and one duplicate answer, one receipt attestation signed.
    let text = h.ingest.metrics.encode();
    for line in [
        r#"gridmint_ingest_items_total{kind="answer",outcome="accepted"} 1"#,
        r#"gridmint_ingest_items_total{kind="answer",outcome="duplicate"} 1"#,
        r#"gridmint_challenge_attestations_total{kind="receipt"} 1"#,
        r#"gridmint_challenge_attestations_total{kind="presence"} 0"#,
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing from\n{text}");
    }
}

#[tokio::test]
async fn every_answer_rejection_has_its_exact_reason_and_nothing_rejected_is_stored() {
    let h = Harness::start(LIMITS).await;
    let key = &h.node.device;
    let (m, opening) = answer(&h, h.node.node_id, 2);
    let good = signed(key, &m, opening.clone());

    let mut forged = good.clone();
    forged.signature[0] ^= 1;
    let mut other_opening = good.clone();
    other_opening.opening[0] ^= 1;
    let wrong_deployment =
        signed(key, &ChallengeAnswer { deployment: [9; 32], ..m }, opening.clone());
    let stranger = signed(&Keypair::new(), &m, opening.clone());
    // The node's key answering for another node id.
    let mismatch = signed(key, &ChallengeAnswer { node_id: h.other.node_id, ..m }, opening.clone());
    let mut bad_tag = m.encode();
    bad_tag[0] = b'X';
    let bad_tag = SignedAnswer {
        device_key: good.device_key,
        message: bad_tag,
        signature: sign(key, &bad_tag),
        opening: opening.clone(),
    };
    let mut huge = answer_json(&good);
    huge["opening"] = json!(base64::engine::general_purpose::STANDARD.encode(vec![0u8; 40_961]));
    let mut short = answer_json(&good);
    short["message"] = json!("AAAA");

    let batch = json!([
        answer_json(&forged),
        answer_json(&other_opening),
        answer_json(&wrong_deployment),
        answer_json(&stranger),
        answer_json(&mismatch),
        answer_json(&bad_tag),
        huge,
        short,
    ]);
    let r = h.post_json("/v1/challenges/answers", batch).await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(
        r.outcomes(),
        [
            rejected("bad_signature"),
            rejected("opening_mismatch"),
            rejected("wrong_deployment"),
            rejected("unknown_device"),
            rejected("binding_node_mismatch"),
            rejected("malformed"),
            rejected("malformed"),
            rejected("malformed"),
        ]
    );
    // Exact answers: retryability, the §9.9 code where there is one, and no attestation.
    let results = r.json["results"].as_array().expect("results");
    assert_eq!(
        results[1],
        json!({"status": "rejected", "reason": "opening_mismatch", "retryable": false})
    );
    assert_eq!(
        results[0],
        json!({"status": "rejected", "reason": "bad_signature", "retryable": false, "code": 2})
    );
    assert_eq!(
        results[3],
        json!({"status": "rejected", "reason": "unknown_device", "retryable": true, "code": 5})
    );
    assert!(h.ingest.store.epoch_answers(0).await.expect("answers").is_empty());
    assert!(h.ingest.store.epoch_attestations(0).await.expect("attestations").is_empty());

    // Whole-body errors as for readings.
    let r = h.post("/v1/challenges/answers", "text/plain", b"x".to_vec()).await;
    assert_eq!(r.status, 415);
    let r = h.post_json("/v1/challenges/answers", json!([])).await;
    assert_eq!((r.status, r.json["error"].as_str()), (400, Some("empty batch")));
    let too_many: Vec<_> = (0..=LIMITS.max_batch_items).map(|_| answer_json(&good)).collect();
    let r = h.post_json("/v1/challenges/answers", json!(too_many)).await;
    assert_eq!(r.status, 413);
}

#[tokio::test]
async fn a_watch_only_oracle_stores_answers_without_attesting() {
    let h = Harness::start(LIMITS).await;
    let watch = Arc::new(Ingest {
        settings: h.ingest.settings,
        store: Arc::clone(&h.ingest.store),
        bindings: gridmint_oracle::ingest::bindings::CachedBindings::new(
            Arc::new(gridmint_oracle::ingest::bindings_chain::ChainBindings::new(Arc::new(
                gridmint_sdk::chain::BanksChain::new(h.env.ctx.banks_client.clone()),
            ))),
            gridmint_oracle::ingest::bindings::CachePolicy {
                ttl: std::time::Duration::from_secs(60),
                missing_retry: std::time::Duration::ZERO,
                max_missing: 10,
            },
        ),
        reading_limit: gridmint_oracle::ingest::rate_limit::RateLimiter::new(0),
        receipt_limit: gridmint_oracle::ingest::rate_limit::RateLimiter::new(0),
        verify: gridmint_oracle::ingest::verify_pool::VerifyPool::start(1, 0).expect("verify"),
        metrics: Arc::clone(&h.ingest.metrics),
        attester: None,
    });
    let base = serve(gridmint_oracle::ingest::http::router(watch)).await;
    let (m, opening) = answer(&h, h.node.node_id, 3);
    let a = signed(&h.node.device, &m, opening);
    let response = h
        .http
        .post(format!("{base}/v1/challenges/answers"))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&answer_json(&a)).expect("json"))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 200);
    let json: serde_json::Value =
        serde_json::from_slice(&response.bytes().await.expect("body")).expect("json");
    assert_eq!(
        json["results"][0],
        json!({"status": "accepted", "identity": wire_hex(&a.identity())})
    );
    assert_eq!(h.ingest.store.epoch_answers(0).await.expect("answers"), vec![a]);
    assert!(h.ingest.store.epoch_attestations(0).await.expect("attestations").is_empty());
}

fn wire_hex(bytes: &[u8]) -> String {
    gridmint_oracle::ingest::wire::hex(bytes)
}

#[tokio::test]
async fn peers_attestations_are_stored_only_when_validly_signed_for_this_deployment() {
    let h = Harness::start(LIMITS).await;
    let oracle = Keypair::new();
    let attestation = |deployment: [u8; 32], answer_id: u8| Attestation {
        deployment,
        epoch: 0,
        challenge_id: [1; 32],
        answer_id: [answer_id; 32],
        received_at: 100,
    };
    let sign_with = |key: &Keypair, a: &Attestation| {
        let message = a.encode();
        SignedAttestation {
            oracle_key: key.pubkey().to_bytes(),
            message,
            signature: sign(key, &message),
        }
    };
    let deployment = h.staking.config.to_bytes();
    let good = sign_with(&oracle, &attestation(deployment, 1));
    let mut forged = sign_with(&oracle, &attestation(deployment, 2));
    forged.signature[0] ^= 1;
    let elsewhere = sign_with(&oracle, &attestation([9; 32], 3));
    let mut malformed = sign_with(&oracle, &attestation(deployment, 4));
    malformed.message[0] = b'X';
    let malformed = SignedAttestation { signature: sign(&oracle, &malformed.message), ..malformed };
    // Given a peer serving one valid attestation among a forged, a foreign and a malformed one,
    // When pulled (twice), Then only the valid one is stored, once.
    let batch = vec![forged, good, elsewhere, malformed];
    assert_eq!(h.ingest.peer_attestations(batch.clone()).await.expect("store"), 1);
    assert_eq!(h.ingest.peer_attestations(batch).await.expect("store"), 0);
    assert_eq!(h.ingest.store.epoch_attestations(0).await.expect("list"), vec![good]);
}
