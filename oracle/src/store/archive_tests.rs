//! The archive's store queries on both backends (`store_tests!`).

use super::test_db::{store_tests, Bind, TestDb};
use super::tests::{reading, receipt};
use super::*;

store_tests!(
    pruning_deletes_exactly_the_listed_rows_of_the_epoch_and_is_recorded_once,
    pruning_finds_readings_through_their_unique_index,
    the_first_ledger_epoch_is_where_archiving_starts,
);

async fn pruning_deletes_exactly_the_listed_rows_of_the_epoch_and_is_recorded_once(db: TestDb) {
    let store = db.open().await;
    // Given epoch 0 ([1000, 1100)) with three readings and a receipt, and one reading of epoch 1,
    let e0: Vec<_> = (1..=3).map(|s| reading(3, 1, s, 1_000 + s as i64)).collect();
    let e1 = reading(3, 1, 9, 1_150);
    let rows: Vec<_> = e0.iter().cloned().chain([e1.clone()]).collect();
    store.insert_readings(&rows, 0).await.expect("insert");
    store.insert_receipts(&[receipt(1, 1, 1_050)], 0).await.expect("insert");
    let record = PrunedEpoch {
        epoch: 0,
        manifest_hash: [4; 32],
        readings_deleted: 0,
        readings_kept: 1,
        receipts_deleted: 0,
        pruned_at: 77,
    };
    // When epoch 0 is pruned of two readings, its receipt, and (wrongly) epoch 1's reading,
    let key = |r: &NewReading| (r.identity, r.signed.device_key, r.sequence);
    let deletable = [key(&e0[0]), key(&e0[1]), key(&e1)];
    let receipts = [receipt(1, 1, 1_050).identity];
    let done = store.prune_inputs(&record, &deletable, &receipts).await.expect("prune");
    // Then only epoch 0's listed rows went, with the counts recorded.
    assert_eq!((done.readings_deleted, done.receipts_deleted), (2, 1));
    assert_eq!(store.epoch_readings(0).await.expect("list"), vec![e0[2].signed]);
    assert_eq!(store.epoch_readings(1).await.expect("list"), vec![e1.signed]);
    assert_eq!(store.counts().await.expect("counts"), Counts { readings: 2, receipts: 0 });
    assert_eq!(store.pruned(0).await.expect("read"), Some(done.clone()));
    assert_eq!(store.pruned(1).await.expect("read"), None);
    // When a second replica prunes the same rows, Then the first record stays.
    let again = PrunedEpoch { pruned_at: 99, ..record };
    let kept = store.prune_inputs(&again, &deletable, &receipts).await.expect("prune");
    assert_eq!(kept, done);
    assert_eq!(store.counts().await.expect("counts"), Counts { readings: 2, receipts: 0 });
}

async fn the_first_ledger_epoch_is_where_archiving_starts(db: TestDb) {
    let store = db.open().await;
    assert_eq!(store.first_ledger_epoch().await.expect("read"), None);
    for epoch in [5, 3, 8] {
        let row = LedgerRow {
            epoch,
            manifest_hash: [1; 32],
            root: [2; 32],
            cumulative_total: 0,
            leaves: vec![],
        };
        store.save_ledger(&row).await.expect("save");
    }
    assert_eq!(store.first_ledger_epoch().await.expect("read"), Some(3));
}

async fn pruning_finds_readings_through_their_unique_index(db: TestDb) {
    let store = db.open().await;
    // The delete of `Store::prune_inputs`, as it runs (one reading of epoch 3): a search per
    // reading, not a scan of the epoch per chunk.
    let sql = delete_readings_sql(db.backend, 1, 3);
    let binds = [Bind::Blob(&[6; 32]), Bind::Int(1), Bind::Blob(&[7; 32])];
    db.assert_index_search_with(&store, &sql, &binds, "readings_key_sequence_identity").await;
}
