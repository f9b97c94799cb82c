//! `epoch_keys` on both backends (`store_tests!`): listed by every commit, backfilled by
//! migration 0011, kept by pruning, read through its primary key.

use super::epochs::{readings_of_epoch_keys_sql, EPOCH_DEVICE_KEYS_SQL};
use super::test_db::{store_tests, TestDb};
use super::tests::{migrated_before, reading};
use super::*;

store_tests!(
    each_commit_lists_its_readings_epoch_keys_once,
    migration_0011_lists_the_keys_of_stored_readings,
    pruning_leaves_an_epochs_keys_listed,
    a_commit_redone_with_returning_lists_its_keys,
    an_epochs_keys_come_from_the_primary_key,
    a_failed_commit_stores_lists_and_remembers_nothing,
);

/// The distinct device keys of `rows`, sorted (as a close lists them).
fn keys_of(rows: &[&NewReading]) -> Vec<[u8; 32]> {
    let mut keys: Vec<[u8; 32]> = rows.iter().map(|r| r.signed.device_key).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

async fn each_commit_lists_its_readings_epoch_keys_once(db: TestDb) {
    // (The test clock: genesis 1,000, epochs of 100 s.)
    let store = db.open().await;
    // Given readings of keys 1 and 2 in epoch 0, of key 1 in epoch 1, and one before genesis
    let (a0, a0b, b0) = (reading(1, 4, 1, 1_010), reading(1, 4, 2, 1_020), reading(2, 5, 1, 1_030));
    let (a1, early) = (reading(1, 4, 3, 1_110), reading(3, 6, 1, 900));
    // When they arrive in two commits, the second repeating a pair of the first,
    store.insert_readings(&[a0.clone(), b0.clone(), early], 0).await.expect("insert");
    assert_eq!(store.known_epoch_keys.remembered(), 2);
    store.insert_readings(&[a0b, a1.clone()], 0).await.expect("insert");
    // Then each epoch lists its keys, sorted, once each; a reading before genesis lists none
    assert_eq!(store.epoch_device_keys(0).await.expect("keys"), keys_of(&[&a0, &b0]));
    assert_eq!(store.epoch_device_keys(1).await.expect("keys"), keys_of(&[&a1]));
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM epoch_keys")
        .fetch_one(store.pool())
        .await
        .expect("count");
    assert_eq!(rows, 3);
    // And the process remembers the three pairs it committed (a later reading of them
    // skips the table)
    assert_eq!(store.known_epoch_keys.remembered(), 3);
}

async fn migration_0011_lists_the_keys_of_stored_readings(db: TestDb) {
    // Given a database migrated up to 0010 holding readings of two keys in epoch 0 (one key
    // twice), one in epoch 1 and one before genesis (no epoch),
    let pool = migrated_before(&db, 11).await;
    let rows = [
        reading(1, 4, 1, 1_010),
        reading(1, 4, 2, 1_020),
        reading(2, 5, 1, 1_030),
        reading(2, 5, 2, 1_130),
        reading(3, 6, 1, 900),
    ];
    for r in &rows {
        sqlx::query(
            "INSERT INTO readings (identity, device_key, node_id, sequence, timestamp, epoch, \
             message, signature, received_at) VALUES ($1, $2, 1, $3, $4, $5, $6, $7, 50)",
        )
        .bind(r.identity.to_vec())
        .bind(r.signed.device_key.to_vec())
        .bind(rows::to_db(r.sequence))
        .bind(r.timestamp)
        .bind(r.epoch.map(rows::to_db))
        .bind(r.signed.message.to_vec())
        .bind(r.signed.signature.to_vec())
        .execute(&pool)
        .await
        .expect("insert before 0011");
    }
    pool.close().await;
    // When the oracle opens it (0011 runs), Then each epoch lists the keys of its readings
    let store = db.open().await;
    assert_eq!(store.epoch_device_keys(0).await.expect("keys"), keys_of(&[&rows[0], &rows[2]]));
    assert_eq!(store.epoch_device_keys(1).await.expect("keys"), keys_of(&[&rows[3]]));
    // And the close reads epoch 0's keys with their history as before
    let found = store.readings_of_epoch_keys(0, 1_100).await.expect("readings");
    assert_eq!(found.len(), 3);
}

async fn pruning_leaves_an_epochs_keys_listed(db: TestDb) {
    let store = db.open().await;
    // Given epoch 0 with key 1's two readings and key 2's one
    let (a, a_last, b) =
        (reading(1, 4, 1, 1_010), reading(1, 4, 2, 1_020), reading(2, 5, 1, 1_030));
    store.insert_readings(&[a.clone(), a_last, b.clone()], 0).await.expect("insert");
    let before = store.epoch_device_keys(0).await.expect("keys");
    // When epoch 0 is pruned of key 1's first reading (retention keeps each key's last)
    let record = PrunedEpoch {
        epoch: 0,
        manifest_hash: [4; 32],
        readings_deleted: 0,
        readings_kept: 2,
        receipts_deleted: 0,
        pruned_at: 77,
    };
    store.prune_inputs(&record, &[(a.identity, a.signed.device_key, 1)], &[]).await.expect("prune");
    // Then both keys are still listed
    assert_eq!(store.epoch_device_keys(0).await.expect("keys"), before);
    assert_eq!(before, keys_of(&[&a, &b]));
}

async fn a_commit_redone_with_returning_lists_its_keys(db: TestDb) {
    let store = db.open().await;
    let stored = reading(1, 4, 1, 1_010);
    store.insert_readings(std::slice::from_ref(&stored), 0).await.expect("insert");
    // Given a batch of a new key in epoch 1 beside a resent reading (the commit is redone)
    let new = reading(2, 5, 1, 1_110);
    let answers = store.insert_readings(&[stored, new.clone()], 0).await.expect("insert");
    assert_eq!(answers, [Inserted::Duplicate, Inserted::Accepted]);
    assert_eq!(store.commits_redone(), 1);
    // Then the new key is listed in its epoch and remembered
    assert_eq!(store.epoch_device_keys(1).await.expect("keys"), keys_of(&[&new]));
    assert_eq!(store.known_epoch_keys.remembered(), 2);
}

/// The key list of a close, alone and inside the statement that streams its readings.
async fn an_epochs_keys_come_from_the_primary_key(db: TestDb) {
    let store = db.open().await;
    let history = readings_of_epoch_keys_sql(db.backend).replace("$1", "5").replace("$2", "3");
    for sql in [EPOCH_DEVICE_KEYS_SQL.replace("$1", "3"), history] {
        match db.backend {
            // A table without rowid is its primary key.
            Backend::Sqlite => {
                let plan = db.plan(&store, &sql, &[]).await;
                assert!(plan.contains("SEARCH epoch_keys USING PRIMARY KEY (epoch=?)"), "{plan}");
            }
            Backend::Postgres => db.assert_index_search(&store, &sql, &[], "epoch_keys_pkey").await,
        }
    }
}

async fn a_failed_commit_stores_lists_and_remembers_nothing(db: TestDb) {
    let store = db.open().await;
    // Given a database that refuses to list epoch keys (the last write of a commit)
    let refuse: &[&str] = match db.backend {
        Backend::Sqlite => &["CREATE TRIGGER refuse BEFORE INSERT ON epoch_keys \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"],
        Backend::Postgres => &[
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION \
             'refused by the test'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse BEFORE INSERT ON epoch_keys FOR EACH ROW EXECUTE FUNCTION \
             refuse()",
        ],
    };
    for sql in refuse {
        sqlx::query(sql).execute(store.pool()).await.expect("install the trigger");
    }
    // When a batch is inserted, Then the commit fails with the database's reason
    let row = reading(1, 4, 1, 1_010);
    let err = store.insert_readings(std::slice::from_ref(&row), 0).await.expect_err("refused");
    assert!(
        matches!(&err, StoreError::Task(m) if m.starts_with("commit failed: ") && m.contains("refused by the test")),
        "{err}"
    );
    // And nothing of it is stored, listed or remembered
    assert_eq!(store.counts().await.expect("counts"), Counts { readings: 0, receipts: 0 });
    assert!(store.epoch_device_keys(0).await.expect("keys").is_empty());
    assert_eq!(store.known_epoch_keys.remembered(), 0);
    // And once the database accepts again, the same batch is accepted and listed
    let drop = match db.backend {
        Backend::Sqlite => "DROP TRIGGER refuse",
        Backend::Postgres => "DROP TRIGGER refuse ON epoch_keys",
    };
    sqlx::query(drop).execute(store.pool()).await.expect("drop the trigger");
    let answers = store.insert_readings(std::slice::from_ref(&row), 0).await.expect("insert");
    assert_eq!(answers, [Inserted::Accepted]);
    assert_eq!(store.epoch_device_keys(0).await.expect("keys"), keys_of(&[&row]));
}
