//! Ingest over real HTTP into PostgreSQL (this machine's server, a fresh schema): the same
//! answers and stored rows as with SQLite, for readings, receipts and challenge answers.

use gridmint_oracle::challenges::wire::answer_json;
use gridmint_oracle::store::Backend;
use gridmint_protocol::crediting::SignedReading;
use solana_keypair::Keypair;

use crate::challenges::{answer, attestation_of, signed};
use crate::common::*;

#[tokio::test]
async fn readings_and_receipts_are_stored_once_in_postgres() {
    let h = Harness::start_on(LIMITS, Backend::Postgres).await;
    assert_eq!(h.ingest.store.backend(), Backend::Postgres);
    let key = &h.node.device;
    let a = signed_reading(key, &h.reading(h.node.node_id, 1, 10));
    let b = signed_reading(key, &h.reading(h.node.node_id, 2, 20));
    let requester = Keypair::new();
    let receipt = signed_receipt(key, &requester, &h.receipt(h.node.node_id, 1, &requester));

    // Given a JSON reading, then a binary batch repeating it, Then `a` is accepted once.
    let r = h.post_json("/v1/readings", reading_json(&a)).await;
    assert_eq!(r.outcomes(), [accepted()]);
    let body = [reading_record(&a), reading_record(&b)].concat();
    let r = h.post("/v1/readings", "application/octet-stream", body).await;
    assert_eq!(r.outcomes(), [duplicate(), accepted()]);
    // A reading of a device key nobody bound is rejected, not stored.
    let stranger = signed_reading(&Keypair::new(), &h.reading(h.node.node_id, 3, 30));
    let r = h.post_json("/v1/readings", reading_json(&stranger)).await;
    assert_eq!(r.outcomes(), [rejected("unknown_device")]);
    let r = h.post_json("/v1/receipts", serde_json::json!([receipt_json(&receipt)])).await;
    assert_eq!(r.outcomes(), [accepted()]);

    // Then the store lists exactly the accepted inputs.
    let mut expected = vec![a, b];
    expected.sort_by_key(SignedReading::identity);
    let mut stored = h.ingest.store.epoch_readings(0).await.expect("list");
    stored.sort_by_key(SignedReading::identity);
    assert_eq!(stored, expected);
    assert_eq!(h.ingest.store.epoch_receipts(0).await.expect("list"), vec![receipt]);
    let counts = h.ingest.store.counts().await.expect("counts");
    assert_eq!((counts.readings, counts.receipts), (2, 1));
}

#[tokio::test]
async fn challenge_answers_and_their_attestations_are_stored_once_in_postgres() {
    let h = Harness::start_on(LIMITS, Backend::Postgres).await;
    let (m, opening) = answer(&h, h.node.node_id, 6);
    let a = signed(&h.node.device, &m, opening);
    // Given an answer, When posted twice, Then it is accepted then a duplicate, both carrying
    // the one attestation stored with it.
    let r = h.post_json("/v1/challenges/answers", answer_json(&a)).await;
    assert_eq!(r.outcomes(), [accepted()]);
    let (first, _) = attestation_of(&r.json["results"][0]);
    let r = h.post_json("/v1/challenges/answers", answer_json(&a)).await;
    assert_eq!(r.outcomes(), [duplicate()]);
    assert_eq!(attestation_of(&r.json["results"][0]).0, first);
    assert_eq!(h.ingest.store.epoch_answers(0).await.expect("answers"), vec![a]);
    assert_eq!(h.ingest.store.epoch_attestations(0).await.expect("attestations"), vec![first]);
}
