//! Challenge evidence in the store, on SQLite and PostgreSQL (`store_tests!`).

use ed25519_dalek::SigningKey;
use gridmint_protocol::challenge::answer::{ChallengeAnswer, SignedAnswer};
use gridmint_protocol::challenge::attestation::{Attestation, SignedAttestation, NO_ANSWER};
use gridmint_protocol::ed25519::signing::{public_key, sign};

use super::test_db::{store_tests, TestDb};
use super::*;

pub(super) fn answer(device: u8, epoch: u64, challenge: u8, root: u8) -> NewAnswer {
    let key = SigningKey::from_bytes(&[device; 32]);
    let message = ChallengeAnswer {
        deployment: [7; 32],
        node_id: u64::from(device),
        epoch,
        beacon_index: 0,
        challenge_id: [challenge; 32],
        rows: 8,
        cols: 32,
        product_root: [root; 32],
        opening_hash: [0; 32],
    }
    .encode();
    let signed = SignedAnswer {
        device_key: public_key(&key),
        message,
        signature: sign(&key, &message),
        opening: vec![root; 96],
    };
    NewAnswer::new(signed).expect("decodes")
}

pub(super) fn attestation(
    oracle: u8,
    epoch: u64,
    challenge: u8,
    answer_id: [u8; 32],
    at: i64,
) -> NewAttestation {
    let key = SigningKey::from_bytes(&[oracle; 32]);
    let message = Attestation {
        deployment: [7; 32],
        epoch,
        challenge_id: [challenge; 32],
        answer_id,
        received_at: at,
    }
    .encode();
    let signed = SignedAttestation {
        oracle_key: public_key(&key),
        message,
        signature: sign(&key, &message),
    };
    NewAttestation::new(signed).expect("decodes")
}

store_tests!(
    an_answer_and_its_attestation_commit_together_and_a_resend_gets_the_first_attestation,
    answers_and_attestations_are_listed_per_epoch_sorted_by_identity,
    presence_queries_find_answers_and_attestations_per_challenge,
    pages_after_an_identity_cover_the_epoch_once_in_order,
    challenge_queries_read_through_the_epoch_indexes,
);

async fn an_answer_and_its_attestation_commit_together_and_a_resend_gets_the_first_attestation(
    db: TestDb,
) {
    let store = db.open().await;
    let a = answer(1, 3, 9, 1);
    let first = attestation(50, 3, 9, a.identity, 100);
    // Given a new answer with this oracle's attestation, When received, Then both are stored.
    let item = Received { answer: a.clone(), attestation: Some(first) };
    let out = store.receive_answers(std::slice::from_ref(&item), 100).await.expect("receive");
    assert_eq!(out, [(Inserted::Accepted, Some((first.signed, Inserted::Accepted)))]);
    // When the same answer arrives again later with a fresh attestation, Then the answer is a
    // duplicate and the attestation returned is the first one (nothing new is stored).
    let later = attestation(50, 3, 9, a.identity, 200);
    let item = Received { answer: a.clone(), attestation: Some(later) };
    let out = store.receive_answers(&[item], 200).await.expect("receive");
    assert_eq!(out, [(Inserted::Duplicate, Some((first.signed, Inserted::Duplicate)))]);
    assert_eq!(store.epoch_attestations(3).await.expect("list"), vec![first.signed]);
    assert_eq!(store.epoch_answers(3).await.expect("list"), vec![a.signed.clone()]);
    // A watch-only receipt stores the answer only; another oracle's presence attestation of
    // the same challenge does not stand for this oracle's receipt attestation.
    let b = answer(2, 3, 9, 2);
    let presence = attestation(50, 3, 9, NO_ANSWER, 300);
    store.insert_attestations(&[presence]).await.expect("presence");
    let item =
        Received { answer: b.clone(), attestation: Some(attestation(50, 3, 9, b.identity, 301)) };
    let out = store.receive_answers(std::slice::from_ref(&item), 301).await.expect("receive");
    assert_eq!(out[0].1, item.attestation.map(|a| (a.signed, Inserted::Accepted)));
    let out = store
        .receive_answers(&[Received { answer: b, attestation: None }], 302)
        .await
        .expect("receive");
    assert_eq!(out, [(Inserted::Duplicate, None)]);
    assert_eq!(store.epoch_attestations(3).await.expect("list").len(), 3);
}

async fn answers_and_attestations_are_listed_per_epoch_sorted_by_identity(db: TestDb) {
    let store = db.open().await;
    let answers: Vec<NewAnswer> = (1..5).map(|d| answer(d, 4, d, d)).collect();
    let other_epoch = answer(9, 5, 9, 9);
    let mut items: Vec<Received> =
        answers.iter().map(|a| Received { answer: a.clone(), attestation: None }).collect();
    items.push(Received { answer: other_epoch.clone(), attestation: None });
    // A batch repeating an answer: the repeat is a duplicate.
    items.push(items[0].clone());
    let out = store.receive_answers(&items, 1).await.expect("receive");
    let kinds: Vec<Inserted> = out.iter().map(|(i, _)| *i).collect();
    assert_eq!(kinds[..5], [Inserted::Accepted; 5]);
    assert_eq!(kinds[5], Inserted::Duplicate);

    let mut expected: Vec<_> = answers.iter().map(|a| (a.identity, a.signed.clone())).collect();
    expected.sort();
    let got = store.epoch_answers(4).await.expect("list");
    assert_eq!(got, expected.into_iter().map(|(_, s)| s).collect::<Vec<_>>());
    assert_eq!(store.epoch_answers(5).await.expect("list"), vec![other_epoch.signed]);
    assert!(store.epoch_answers(6).await.expect("list").is_empty());

    let atts: Vec<NewAttestation> = (1..4).map(|o| attestation(o, 4, 1, [o; 32], 10)).collect();
    let mut batch = atts.clone();
    batch.push(atts[1]);
    let out = store.insert_attestations(&batch).await.expect("insert");
    assert_eq!(
        out,
        [Inserted::Accepted, Inserted::Accepted, Inserted::Accepted, Inserted::Duplicate]
    );
    let mut expected: Vec<_> = atts.iter().map(|a| (a.identity, a.signed)).collect();
    expected.sort();
    let got = store.epoch_attestations(4).await.expect("list");
    assert_eq!(got, expected.into_iter().map(|(_, s)| s).collect::<Vec<_>>());
    assert!(store.epoch_attestations(5).await.expect("list").is_empty());
}

async fn presence_queries_find_answers_and_attestations_per_challenge(db: TestDb) {
    let store = db.open().await;
    let a = answer(1, 2, 7, 1);
    store.receive_answers(&[Received { answer: a, attestation: None }], 1).await.expect("receive");
    assert!(store.holds_answer(2, &[7; 32]).await.expect("query"));
    assert!(!store.holds_answer(2, &[8; 32]).await.expect("query"));
    assert!(!store.holds_answer(3, &[7; 32]).await.expect("query"));
    let p = attestation(5, 2, 8, NO_ANSWER, 40);
    store.insert_attestations(&[p]).await.expect("insert");
    assert!(store.has_attested(2, &[8; 32], &p.signed.oracle_key).await.expect("query"));
    assert!(!store.has_attested(2, &[7; 32], &p.signed.oracle_key).await.expect("query"));
    assert!(!store.has_attested(2, &[8; 32], &[1; 32]).await.expect("query"));
}

async fn challenge_queries_read_through_the_epoch_indexes(db: TestDb) {
    let store = db.open().await;
    let key: &[u8] = &[1; 32];
    for (sql, keys, index) in [
        (
            "SELECT device_key, message, signature, opening FROM challenge_answers \
             WHERE epoch = 3 ORDER BY identity",
            &[][..],
            "challenge_answers_epoch",
        ),
        (
            "SELECT identity FROM challenge_answers WHERE epoch = 3 AND challenge_id = $1",
            &[key],
            "challenge_answers_epoch",
        ),
        (
            "SELECT oracle_key, message, signature FROM challenge_attestations \
             WHERE epoch = 3 ORDER BY identity",
            &[],
            "challenge_attestations_epoch",
        ),
        (
            "SELECT identity FROM challenge_attestations WHERE epoch = 3 AND challenge_id = $1",
            &[key],
            "challenge_attestations_epoch",
        ),
    ] {
        db.assert_index_search(&store, sql, keys, index).await;
    }
}

async fn pages_after_an_identity_cover_the_epoch_once_in_order(db: TestDb) {
    let store = db.open().await;
    let items: Vec<Received> =
        (1..8).map(|d| Received { answer: answer(d, 4, d, d), attestation: None }).collect();
    store.receive_answers(&items, 1).await.expect("receive");
    store
        .receive_answers(&[Received { answer: answer(9, 5, 9, 9), attestation: None }], 1)
        .await
        .expect("other epoch");
    let atts: Vec<NewAttestation> = (1..6).map(|o| attestation(o, 4, 1, [o; 32], 10)).collect();
    store.insert_attestations(&atts).await.expect("insert");
    // Given pages of 3, When read after the last identity of each page, Then the pages are
    // the epoch's list, in order, once.
    let mut answers = Vec::new();
    let mut after = None;
    loop {
        let page = store.epoch_answers_after(4, after.as_ref(), 3).await.expect("page");
        let Some(last) = page.last() else { break };
        after = Some(last.identity());
        assert!(page.len() <= 3);
        answers.extend(page);
    }
    assert_eq!(answers, store.epoch_answers(4).await.expect("all"));
    let mut attestations = Vec::new();
    let mut after = None;
    loop {
        let page = store.epoch_attestations_after(4, after.as_ref(), 2).await.expect("page");
        let Some(last) = page.last() else { break };
        after = Some(last.identity());
        attestations.extend(page);
    }
    assert_eq!(attestations, store.epoch_attestations(4).await.expect("all"));
    assert_eq!(attestations.len(), 5);
}
