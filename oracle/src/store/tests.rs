//! Store tests against a real SQLite file in a temp dir.

use super::*;
use ed25519_dalek::SigningKey;
use gridmint_protocol::ed25519::signing::{public_key, sign};
use gridmint_protocol::emission::EpochClock;
use gridmint_protocol::messages::{EnergyReading, WorkReceipt};

const CLOCK: EpochClock = EpochClock { genesis_time: 1_000, epoch_seconds: 100 };

fn reading(seed: u8, node_id: u64, sequence: u64, timestamp: i64) -> NewReading {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let message = EnergyReading {
        deployment: [7; 32],
        node_id,
        sequence,
        timestamp,
        produced_wh: sequence,
        consumed_wh: 0,
    }
    .encode();
    let signed =
        SignedReading { device_key: public_key(&key), message, signature: sign(&key, &message) };
    NewReading::new(signed, &CLOCK).expect("decodes")
}

fn receipt(node_id: u64, job_id: u64, finished_at: i64) -> NewReceipt {
    let device = SigningKey::from_bytes(&[1; 32]);
    let requester = SigningKey::from_bytes(&[2; 32]);
    let message = WorkReceipt {
        deployment: [7; 32],
        node_id,
        job_id,
        requester: public_key(&requester),
        work_units: 5,
        started_at: finished_at - 10,
        finished_at,
        output_hash: [9; 32],
    }
    .encode();
    let signed = SignedReceipt {
        device_key: public_key(&device),
        message,
        device_signature: sign(&device, &message),
        requester_signature: sign(&requester, &message),
    };
    NewReceipt::new(signed, &CLOCK).expect("decodes")
}

async fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(&Store::sqlite_url(&dir.path().join("oracle.db"))).await.expect("open")
}

#[tokio::test]
async fn duplicate_identity_is_idempotent_within_and_across_batches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    let a = reading(1, 4, 1, 1_050);
    let b = reading(1, 4, 2, 1_060);
    // Given a batch that repeats `a`, When inserted, Then the repeat is a duplicate.
    let out = store.insert_readings(&[a.clone(), b.clone(), a.clone()], 0).await.expect("insert");
    assert_eq!(out, [Inserted::Accepted, Inserted::Accepted, Inserted::Duplicate]);
    // When the same inputs arrive again, Then nothing changes.
    let out = store.insert_readings(&[b, a], 5).await.expect("insert");
    assert_eq!(out, [Inserted::Duplicate, Inserted::Duplicate]);
    assert_eq!(store.counts().await.expect("counts"), Counts { readings: 2, receipts: 0 });
}

#[tokio::test]
async fn epoch_listing_is_by_epoch_and_sorted_by_identity() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    // Epoch 0 is [1000, 1100), epoch 1 is [1100, 1200); 999 is before genesis.
    let e0: Vec<_> = (0..5).map(|s| reading(3, 1, s, 1_000 + 20 * s as i64)).collect();
    let e1 = reading(3, 1, 9, 1_100);
    let early = reading(3, 1, 10, 999);
    assert_eq!(early.epoch, None);
    let mut all = e0.clone();
    all.push(e1.clone());
    all.push(early);
    store.insert_readings(&all, 0).await.expect("insert");

    let mut expected: Vec<_> = e0.iter().map(|r| (r.identity, r.signed)).collect();
    expected.sort();
    let got = store.epoch_readings(0).await.expect("list");
    assert_eq!(got, expected.into_iter().map(|(_, s)| s).collect::<Vec<_>>());
    assert_eq!(store.epoch_readings(1).await.expect("list"), vec![e1.signed]);
    assert!(store.epoch_readings(2).await.expect("list").is_empty());
}

#[tokio::test]
async fn receipts_are_keyed_by_identity_and_listed_by_finish_epoch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    let a = receipt(2, 1, 1_150);
    let b = receipt(2, 2, 1_099);
    let out = store.insert_receipts(&[a.clone(), b.clone(), a.clone()], 0).await.expect("insert");
    assert_eq!(out, [Inserted::Accepted, Inserted::Accepted, Inserted::Duplicate]);
    assert_eq!(store.epoch_receipts(1).await.expect("list"), vec![a.signed]);
    assert_eq!(store.epoch_receipts(0).await.expect("list"), vec![b.signed]);
    assert_eq!(store.counts().await.expect("counts"), Counts { readings: 0, receipts: 2 });
}

#[tokio::test]
async fn u64_columns_round_trip_above_i64_max() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    let r = reading(4, u64::MAX, u64::MAX - 1, 1_000);
    store.insert_readings(std::slice::from_ref(&r), 0).await.expect("insert");
    let row = sqlx::query("SELECT node_id, sequence FROM readings")
        .fetch_one(store.pool())
        .await
        .expect("row");
    assert_eq!(rows::from_db(row.get::<i64, _>(0)), u64::MAX);
    assert_eq!(rows::from_db(row.get::<i64, _>(1)), u64::MAX - 1);
}

#[tokio::test]
async fn epoch_node_queries_use_the_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    for (table, index) in [("readings", "readings_epoch_node"), ("receipts", "receipts_epoch_node")]
    {
        let plan = sqlx::query(&format!(
            "EXPLAIN QUERY PLAN SELECT identity FROM {table} WHERE epoch = 3 AND node_id = 4"
        ))
        .fetch_all(store.pool())
        .await
        .expect("plan");
        let text: Vec<String> = plan.iter().map(|r| r.get::<String, _>("detail")).collect();
        assert!(text.iter().any(|d| d.contains(index)), "{table}: {text:?}");
    }
}

#[tokio::test]
async fn pragmas_are_wal_and_full_sync() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    let mode: String =
        sqlx::query("PRAGMA journal_mode").fetch_one(store.pool()).await.expect("pragma").get(0);
    assert_eq!(mode, "wal");
    // 2 = FULL.
    let sync: i64 =
        sqlx::query("PRAGMA synchronous").fetch_one(store.pool()).await.expect("pragma").get(0);
    assert_eq!(sync, 2);
}

#[tokio::test]
async fn reopening_an_existing_database_keeps_rows_and_skips_applied_migrations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = reading(5, 1, 1, 1_010);
    {
        let store = open(&dir).await;
        store.insert_readings(std::slice::from_ref(&a), 0).await.expect("insert");
        store.close().await;
    }
    // Given a database migrated by an earlier run, When the oracle starts again, Then the
    // migrations are recognised as applied and the data is intact.
    let store = open(&dir).await;
    assert_eq!(store.counts().await.expect("counts").readings, 1);
    let applied: i64 = sqlx::query("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(store.pool())
        .await
        .expect("count")
        .get(0);
    assert_eq!(applied, i64::try_from(SQLITE_MIGRATOR.iter().count()).expect("small"));
    assert_eq!(store.insert_readings(&[a], 1).await.expect("insert"), [Inserted::Duplicate]);
}

#[tokio::test]
async fn existing_finds_stored_identities_across_chunks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    let stored: Vec<_> = (0..3).map(|s| reading(6, 1, s, 1_000)).collect();
    store.insert_readings(&stored, 0).await.expect("insert");
    // More ids than one IN chunk, the stored ones at the end.
    let mut ids: Vec<Hash32> = (0..EXISTING_CHUNK as u16 + 10)
        .map(|i| {
            let mut id = [0xee; 32];
            id[..2].copy_from_slice(&i.to_le_bytes());
            id
        })
        .collect();
    ids.extend(stored.iter().map(|r| r.identity));
    let found = store.existing(Table::Readings, &ids).await.expect("existing");
    assert_eq!(found, stored.iter().map(|r| r.identity).collect());
    assert!(store.existing(Table::Receipts, &ids).await.expect("existing").is_empty());
}

#[tokio::test]
async fn device_readings_before_selects_by_key_and_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    let early = reading(1, 4, 1, 1_010);
    let late = reading(1, 4, 2, 1_200);
    let other = reading(2, 5, 1, 1_010);
    store.insert_readings(&[early.clone(), late, other], 0).await.expect("insert");
    let key = early.signed.device_key;
    let found = store.device_readings_before(&[key], 1_100).await.expect("query");
    assert_eq!(found, vec![early.signed]);
    assert!(store.device_readings_before(&[], 9_999).await.expect("query").is_empty());
}

#[tokio::test]
async fn snapshots_and_vote_intents_keep_the_first_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    assert_eq!(store.save_snapshot(3, "first").await.expect("save"), "first");
    assert_eq!(store.save_snapshot(3, "second").await.expect("save"), "first");
    let intent = VoteRow {
        epoch: 3,
        round: 1,
        set_version: 2,
        vote_hash: [1; 32],
        report: vec![1, 2],
        status: VoteStatus::Intent,
        signature: None,
    };
    assert_eq!(store.save_vote_intent(&intent).await.expect("save"), intent);
    let other = VoteRow { vote_hash: [2; 32], ..intent.clone() };
    assert_eq!(store.save_vote_intent(&other).await.expect("save"), intent, "first intent wins");
    store.confirm_vote(3, 1, 2, Some("sig".into())).await.expect("confirm");
    let stored = store.vote(3, 1, 2).await.expect("read").expect("row");
    assert_eq!((stored.status, stored.signature.as_deref()), (VoteStatus::Confirmed, Some("sig")));
    assert_eq!(store.last_vote().await.expect("read"), Some(stored));
}

#[tokio::test]
async fn the_ledger_is_replaced_per_epoch_and_a_veto_drops_it_from_the_reopened_epoch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    let row = |epoch: u64, total: u64| LedgerRow {
        epoch,
        manifest_hash: [epoch as u8; 32],
        root: [9; 32],
        cumulative_total: total,
        leaves: vec![([1; 32], total)],
    };
    for e in 0..3 {
        store.save_ledger(&row(e, 10 * e)).await.expect("save");
    }
    store.save_ledger(&row(2, 25)).await.expect("replace");
    assert_eq!(store.ledger_at(2).await.expect("read"), Some(row(2, 25)));
    assert_eq!(store.ledger_before(Some(2)).await.expect("read"), Some(row(1, 10)));
    assert_eq!(store.drop_ledger_from(1).await.expect("drop"), 2);
    assert_eq!(store.ledger_before(None).await.expect("read"), Some(row(0, 0)));
    assert_eq!(store.ledger_at(1).await.expect("read"), None);
}

#[tokio::test]
async fn manifests_corrections_and_veto_reasons_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir).await;
    store.save_manifest(4, &[1; 32], b"borsh").await.expect("save");
    store.save_manifest(4, &[1; 32], b"other").await.expect("no-op");
    assert_eq!(store.manifest(4, &[1; 32]).await.expect("read").as_deref(), Some(&b"borsh"[..]));
    assert_eq!(store.manifest(4, &[2; 32]).await.expect("read"), None);
    store.save_correction(&[3; 32], b"doc").await.expect("save");
    assert_eq!(store.correction(&[3; 32]).await.expect("read").as_deref(), Some(&b"doc"[..]));
    store.save_veto_reason(4, 2, &[0; 32]).await.expect("save");
    store.save_veto_reason(4, 1, &[5; 32]).await.expect("save");
    assert_eq!(store.veto_reasons(4).await.expect("read"), vec![[5; 32], [0; 32]]);
}
