//! Store tests, each on a real SQLite file in a temp dir and on the machine's PostgreSQL in a
//! fresh schema (`store_tests!`).

use super::epochs::readings_of_epoch_keys_sql;
use super::test_db::{store_tests, Bind, TestDb};
use super::*;
use ed25519_dalek::SigningKey;
use gridmint_protocol::ed25519::signing::{public_key, sign};
use gridmint_protocol::emission::EpochClock;
use gridmint_protocol::messages::{EnergyReading, WorkReceipt};

const CLOCK: EpochClock = EpochClock { genesis_time: 1_000, epoch_seconds: 100 };

pub(super) fn reading(seed: u8, node_id: u64, sequence: u64, timestamp: i64) -> NewReading {
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

pub(super) fn receipt(node_id: u64, job_id: u64, finished_at: i64) -> NewReceipt {
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

store_tests!(
    duplicate_identity_is_idempotent_within_and_across_batches,
    epoch_listing_is_by_epoch_and_sorted_by_identity,
    receipts_are_keyed_by_identity_and_listed_by_finish_epoch,
    u64_columns_round_trip_above_i64_max,
    epoch_queries_read_only_the_epoch_through_an_index,
    reopening_an_existing_database_keeps_rows_and_skips_applied_migrations,
    existing_finds_stored_identities_across_chunks,
    existing_looks_readings_up_through_their_unique_index,
    the_readings_of_epoch_keys_are_the_epochs_and_their_keys_history,
    snapshots_and_vote_intents_keep_the_first_write,
    a_json_snapshot_stored_before_0008_reads_back_after_the_upgrade,
    readings_stored_before_0010_keep_their_arrival_order_and_stay_unique,
    the_ledger_is_replaced_per_epoch_and_a_veto_drops_it_from_the_reopened_epoch,
    manifests_corrections_and_veto_reasons_round_trip,
    close_summaries_are_replaced_per_epoch_and_shared_by_every_opener,
);

async fn duplicate_identity_is_idempotent_within_and_across_batches(db: TestDb) {
    let store = db.open().await;
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

async fn epoch_listing_is_by_epoch_and_sorted_by_identity(db: TestDb) {
    let store = db.open().await;
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
    let mut got = store.epoch_readings(0).await.expect("list");
    got.sort_by_key(SignedReading::identity);
    assert_eq!(got, expected.into_iter().map(|(_, s)| s).collect::<Vec<_>>());
    assert_eq!(store.epoch_readings(1).await.expect("list"), vec![e1.signed]);
    assert!(store.epoch_readings(2).await.expect("list").is_empty());
}

async fn receipts_are_keyed_by_identity_and_listed_by_finish_epoch(db: TestDb) {
    let store = db.open().await;
    let a = receipt(2, 1, 1_150);
    let b = receipt(2, 2, 1_099);
    let out = store.insert_receipts(&[a.clone(), b.clone(), a.clone()], 0).await.expect("insert");
    assert_eq!(out, [Inserted::Accepted, Inserted::Accepted, Inserted::Duplicate]);
    assert_eq!(store.epoch_receipts(1).await.expect("list"), vec![a.signed]);
    assert_eq!(store.epoch_receipts(0).await.expect("list"), vec![b.signed]);
    assert_eq!(store.counts().await.expect("counts"), Counts { readings: 0, receipts: 2 });
}

async fn u64_columns_round_trip_above_i64_max(db: TestDb) {
    let store = db.open().await;
    let r = reading(4, u64::MAX, u64::MAX - 1, 1_000);
    store.insert_readings(std::slice::from_ref(&r), 0).await.expect("insert");
    let row = sqlx::query("SELECT node_id, sequence FROM readings")
        .fetch_one(store.pool())
        .await
        .expect("row");
    assert_eq!(rows::from_db(row.get::<i64, _>(0)), u64::MAX);
    assert_eq!(rows::from_db(row.get::<i64, _>(1)), u64::MAX - 1);
}

async fn epoch_queries_read_only_the_epoch_through_an_index(db: TestDb) {
    let store = db.open().await;
    let history = readings_of_epoch_keys_sql(db.backend).replace("$1", "5").replace("$2", "3");
    // The close's queries (`readings_of_epoch_keys`, `epoch_receipts`), the epoch's readings
    // the archive and pruning list (`epoch_readings`), and the per-node lookup of receipts.
    for (sql, keys, index) in [
        (
            "SELECT device_key, message, signature FROM readings WHERE epoch = 3",
            &[][..],
            "readings_epoch",
        ),
        (
            "SELECT device_key, message, device_signature, requester_signature FROM receipts \
             WHERE epoch = 3 ORDER BY identity",
            &[],
            "receipts_epoch_node",
        ),
        (
            "SELECT identity FROM receipts WHERE epoch = 3 AND node_id = 4",
            &[],
            "receipts_epoch_node",
        ),
        (history.as_str(), &[], "readings_key_sequence_identity"),
    ] {
        db.assert_index_search(&store, sql, keys, index).await;
    }
}

async fn reopening_an_existing_database_keeps_rows_and_skips_applied_migrations(db: TestDb) {
    let a = reading(5, 1, 1, 1_010);
    {
        let store = db.open().await;
        store.insert_readings(std::slice::from_ref(&a), 0).await.expect("insert");
        store.close().await;
    }
    // Given a database migrated by an earlier run, When the oracle starts again, Then the
    // migrations are recognised as applied and the data is intact.
    let store = db.open().await;
    assert_eq!(store.counts().await.expect("counts").readings, 1);
    let applied: i64 = sqlx::query("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(store.pool())
        .await
        .expect("count")
        .get(0);
    assert_eq!(applied, i64::try_from(db.backend.migrator().iter().count()).expect("small"));
    assert_eq!(store.insert_readings(&[a], 1).await.expect("insert"), [Inserted::Duplicate]);
}

async fn existing_finds_stored_identities_across_chunks(db: TestDb) {
    let store = db.open().await;
    let stored: Vec<_> = (0..3).map(|s| reading(6, 1, s, 1_000)).collect();
    store.insert_readings(&stored, 0).await.expect("insert");
    let lookup = |r: &NewReading| (r.identity, r.signed.device_key, r.sequence);
    // More lookups than one chunk, the stored ones at the end; among the others, a stored
    // key and sequence with another identity, and a stored identity under another sequence.
    let mut inputs: Vec<(Hash32, [u8; 32], u64)> = (0..EXISTING_CHUNK as u16 + 10)
        .map(|i| {
            let mut id = [0xee; 32];
            id[..2].copy_from_slice(&i.to_le_bytes());
            (id, [0xdd; 32], u64::from(i))
        })
        .collect();
    let (id, key, sequence) = lookup(&stored[0]);
    inputs.push(([0xcc; 32], key, sequence));
    inputs.push((id, key, sequence + 7));
    inputs.extend(stored.iter().map(lookup));
    let found = store.existing(Table::Readings, &inputs).await.expect("existing");
    assert_eq!(found, stored.iter().map(|r| r.identity).collect());
    assert!(store.existing(Table::Receipts, &inputs).await.expect("existing").is_empty());
    // Receipts by identity alone.
    let r = receipt(4, 1, 1_050);
    store.insert_receipts(std::slice::from_ref(&r), 0).await.expect("receipt");
    let found = store.existing(Table::Receipts, &[(r.identity, [0; 32], 0)]).await.expect("ok");
    assert_eq!(found, HashSet::from([r.identity]));
}

async fn existing_looks_readings_up_through_their_unique_index(db: TestDb) {
    let store = db.open().await;
    // `Store::existing`'s statement for readings, as it runs (one lookup).
    let sql = readings_lookup_sql(db.backend, 1);
    let binds = [Bind::Blob(&[6; 32]), Bind::Int(1), Bind::Blob(&[7; 32])];
    db.assert_index_search_with(&store, &sql, &binds, "readings_key_sequence_identity").await;
}

async fn the_readings_of_epoch_keys_are_the_epochs_and_their_keys_history(db: TestDb) {
    let store = db.open().await;
    // Given key 1 with readings in epochs 0, 1 and 2, key 2 only in epoch 0, and key 3
    // before genesis and in epoch 1 (epoch 1 is [1_100, 1_200))
    let a0 = reading(1, 4, 1, 1_010);
    let a1 = reading(1, 4, 2, 1_120);
    let a2 = reading(1, 4, 3, 1_150);
    let a_at_start = reading(1, 4, 5, 1_100);
    let a_at_end = reading(1, 4, 6, 1_200);
    let a_later = reading(1, 4, 4, 1_210);
    let b0 = reading(2, 5, 1, 1_010);
    let c_early = reading(3, 6, 1, 990);
    let c1 = reading(3, 6, 2, 1_130);
    let all = [
        a0.clone(),
        a1.clone(),
        a2.clone(),
        a_at_start.clone(),
        a_at_end,
        a_later,
        b0,
        c_early.clone(),
        c1.clone(),
    ];
    store.insert_readings(&all, 0).await.expect("insert");
    // When the close of epoch 1 lists its keys and asks for their readings
    let keys = store.epoch_device_keys(1).await.expect("keys");
    let found = store.readings_of_epoch_keys(1, 1_200).await.expect("query");
    // Then the keys are 1 and 3, sorted, once each; and it gets every reading of keys 1 and
    // 3 before the epoch's end (each once; the one at its start included, the one at its
    // end not), none of key 2's and none later, grouped by key in key order
    let mut expected_keys = vec![a1.signed.device_key, c1.signed.device_key];
    expected_keys.sort_unstable();
    assert_eq!(keys, expected_keys);
    let by_key: Vec<[u8; 32]> = found.iter().map(|r| r.device_key).collect();
    assert!(by_key.is_sorted(), "not in key order: {by_key:?}");
    let mut found = found;
    found.sort_by_key(SignedReading::identity);
    let mut expected: Vec<_> =
        [a0, a1, a2, a_at_start, c_early, c1].into_iter().map(|r| r.signed).collect();
    expected.sort_by_key(SignedReading::identity);
    assert_eq!(found, expected);
    assert!(store.readings_of_epoch_keys(7, 9_999).await.expect("query").is_empty());
    assert!(store.epoch_device_keys(7).await.expect("keys").is_empty());
}

/// A connection to `db` migrated up to (not including) migration `version`, as an older
/// oracle left it.
pub(super) async fn migrated_before(db: &TestDb, version: i64) -> sqlx::AnyPool {
    let pool = connect(&db.url, db.backend, 1, &[]).await.expect("connect");
    let all = db.backend.migrator();
    let before = sqlx::migrate::Migrator {
        migrations: all.migrations.iter().filter(|m| m.version < version).cloned().collect(),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    before.run(&pool).await.expect("migrate to the older schema");
    pool
}

async fn a_json_snapshot_stored_before_0008_reads_back_after_the_upgrade(db: TestDb) {
    // Given a database migrated up to 0007 holding a snapshot as JSON text,
    let pool = migrated_before(&db, 8).await;
    let json = r#"{"epoch":3,"stake_decimals":6}"#;
    sqlx::query("INSERT INTO snapshots (epoch, body) VALUES (3, $1)")
        .bind(json)
        .execute(&pool)
        .await
        .expect("insert json");
    pool.close().await;
    // When the oracle opens it (0008 runs), Then the snapshot reads back as the same bytes.
    let store = db.open().await;
    assert_eq!(store.snapshot(3).await.expect("read"), Some(json.as_bytes().to_vec()));
}

async fn readings_stored_before_0010_keep_their_arrival_order_and_stay_unique(db: TestDb) {
    // Given a database migrated up to 0009 holding three readings, inserted out of key order
    // within one second of receive time,
    let pool = migrated_before(&db, 10).await;
    let rows = [reading(3, 1, 1, 1_110), reading(1, 1, 1, 1_120), reading(2, 1, 2, 1_130)];
    for r in &rows {
        sqlx::query(
            "INSERT INTO readings (identity, device_key, node_id, sequence, timestamp, epoch, \
             message, signature, received_at) VALUES ($1, $2, 1, $3, $4, 1, $5, $6, 50)",
        )
        .bind(r.identity.to_vec())
        .bind(r.signed.device_key.to_vec())
        .bind(rows::to_db(r.sequence))
        .bind(r.timestamp)
        .bind(r.signed.message.to_vec())
        .bind(r.signed.signature.to_vec())
        .execute(&pool)
        .await
        .expect("insert before 0010");
    }
    // (the middle one deleted again, so arrival numbers have a gap to keep),
    sqlx::query("DELETE FROM readings WHERE identity = $1")
        .bind(rows[1].identity.to_vec())
        .execute(&pool)
        .await
        .expect("delete");
    let arrival = if db.backend == Backend::Sqlite { "rowid" } else { "arrival" };
    let before: Vec<i64> =
        sqlx::query_scalar(&format!("SELECT {arrival} FROM readings ORDER BY {arrival}"))
            .fetch_all(&pool)
            .await
            .expect("arrivals");
    pool.close().await;
    // When the oracle opens it (0010 rebuilds SQLite's table),
    let store = db.open().await;
    // Then the watchtower still pages them in arrival order with the same arrival numbers,
    // a copy is still a duplicate and a new reading is accepted.
    let paged = store.readings_received_since(0, None, 10).await.expect("page");
    let order: Vec<_> = paged.iter().map(|p| p.signed).collect();
    assert_eq!(order, [rows[0].signed, rows[2].signed]);
    assert_eq!(paged.iter().map(|p| p.arrival).collect::<Vec<_>>(), before);
    let fresh = reading(1, 1, 2, 1_140);
    let answers = store.insert_readings(&[rows[2].clone(), fresh], 60).await.expect("insert");
    assert_eq!(answers, [Inserted::Duplicate, Inserted::Accepted]);
    assert_eq!(store.counts().await.expect("counts").readings, 3);
}

async fn snapshots_and_vote_intents_keep_the_first_write(db: TestDb) {
    let store = db.open().await;
    assert_eq!(store.save_snapshot(3, b"first").await.expect("save"), b"first");
    assert_eq!(store.save_snapshot(3, b"second").await.expect("save"), b"first");
    // Any bytes: the binary form holds zero bytes and invalid UTF-8.
    let binary = [0u8, 0xff, 0xfe, 7];
    assert_eq!(store.save_snapshot(4, &binary).await.expect("save"), binary);
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

async fn the_ledger_is_replaced_per_epoch_and_a_veto_drops_it_from_the_reopened_epoch(db: TestDb) {
    let store = db.open().await;
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

async fn manifests_corrections_and_veto_reasons_round_trip(db: TestDb) {
    let store = db.open().await;
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

#[tokio::test]
async fn sqlite_pragmas_are_wal_and_full_sync() {
    let db = TestDb::new(Backend::Sqlite).await;
    let store = db.open().await;
    let mode: String =
        sqlx::query("PRAGMA journal_mode").fetch_one(store.pool()).await.expect("pragma").get(0);
    assert_eq!(mode, "wal");
    // 2 = FULL.
    let sync: i64 =
        sqlx::query("PRAGMA synchronous").fetch_one(store.pool()).await.expect("pragma").get(0);
    assert_eq!(sync, 2);
}

#[tokio::test]
async fn postgres_sessions_commit_synchronously_whatever_the_server_default() {
    let db = TestDb::new(Backend::Postgres).await;
    // Given connections that start with `synchronous_commit = off` (as a server configured for
    // speed would hand out), When the store opens, Then its sessions commit synchronously.
    let url = format!("{}%20-c%20synchronous_commit%3Doff", db.url);
    let store = Store::open(&url).await.expect("open");
    assert_eq!(store.backend(), Backend::Postgres);
    let setting: String =
        sqlx::query("SHOW synchronous_commit").fetch_one(store.pool()).await.expect("show").get(0);
    assert_eq!(setting, "on");
}

#[tokio::test]
async fn the_url_scheme_picks_the_backend() {
    assert_eq!(Backend::from_url("sqlite://a.db?mode=rwc").expect("sqlite"), Backend::Sqlite);
    assert_eq!(Backend::from_url("sqlite::memory:").expect("sqlite"), Backend::Sqlite);
    assert_eq!(Backend::from_url("postgres://h/db").expect("pg"), Backend::Postgres);
    assert_eq!(Backend::from_url("postgresql://h/db").expect("pg"), Backend::Postgres);
    // Given a scheme without a migration set, When opened, Then nothing is connected to.
    let Err(e) = Store::open("mysql://127.0.0.1/db").await else { panic!("opened mysql") };
    assert!(matches!(&e, StoreError::UnsupportedUrl(s) if s == "mysql"), "{e:?}");
    assert_eq!(
        e.to_string(),
        "unsupported database URL scheme \"mysql\" (use sqlite: or postgres:)"
    );
}

#[tokio::test]
async fn an_unreachable_postgres_fails_the_test_with_the_setup_hint() {
    // A port nobody listens on: bound, then released.
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
    let url = format!("postgres://postgres@{port}/test");
    let Err(message) = super::pg_schema::connect(&url).await else { panic!("connected") };
    assert!(message.starts_with(&format!("PostgreSQL at {url} is unreachable (")), "{message}");
    assert!(message.ends_with("; run scripts/setup to install and start it"), "{message}");
}

async fn close_summaries_are_replaced_per_epoch_and_shared_by_every_opener(db: TestDb) {
    let leader = db.open().await;
    let replica = db.open().await;
    assert_eq!(replica.close_summary(4).await.expect("read"), None);
    // Given the leader published twice for epoch 4 and once for 5, When a replica on the same
    // database reads, Then it sees the newest summary of each epoch.
    leader.save_close_summary(4, "{\"v\":1}").await.expect("save");
    leader.save_close_summary(4, "{\"v\":2}").await.expect("replace");
    leader.save_close_summary(5, "{\"v\":3}").await.expect("save");
    assert_eq!(replica.close_summary(4).await.expect("read").as_deref(), Some("{\"v\":2}"));
    assert_eq!(replica.close_summary(5).await.expect("read").as_deref(), Some("{\"v\":3}"));
}
