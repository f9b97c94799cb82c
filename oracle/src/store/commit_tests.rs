//! Group commit on both backends (`store_tests!`): answers per row, counted or returned.

use std::sync::Arc;

use super::super::test_db::{store_tests, TestDb};
use super::super::tests::{reading, receipt};
use super::super::Counts;
use super::*;

store_tests!(concurrent_batches_are_each_answered_and_every_identity_accepted_once);

async fn concurrent_batches_are_each_answered_and_every_identity_accepted_once(db: TestDb) {
    // Given eight clients whose batches overlap their neighbours' (and one batch longer
    // than a statement's rows), and a receipt batch among them
    let store = Arc::new(db.open().await);
    let batch = |k: u64| -> Vec<NewReading> {
        let len = if k == 0 { ROWS_PER_STATEMENT as u64 + 40 } else { 30 };
        (k * 20..k * 20 + len).map(|s| reading(1, 4, s + 1, 1_050)).collect()
    };
    // When they all insert at once
    let mut tasks = Vec::new();
    for k in 0..8 {
        let (store, rows) = (Arc::clone(&store), batch(k));
        tasks.push(tokio::spawn(async move { store.insert_readings(&rows, 0).await }));
    }
    let receipts = vec![receipt(4, 1, 1_050), receipt(4, 2, 1_050), receipt(4, 1, 1_050)];
    let r = store.insert_receipts(&receipts, 0).await.expect("receipts");
    assert_eq!(r, [Inserted::Accepted, Inserted::Accepted, Inserted::Duplicate]);
    let mut accepted = HashSet::new();
    for (k, task) in tasks.into_iter().enumerate() {
        let answers = task.await.expect("task").expect("insert");
        let rows = batch(k as u64);
        // Then every row is answered, in order, and an identity is accepted exactly once
        assert_eq!(answers.len(), rows.len());
        for (row, answer) in rows.iter().zip(answers) {
            if answer == Inserted::Accepted {
                assert!(accepted.insert(row.identity), "accepted twice");
            }
        }
    }
    let distinct: HashSet<Hash32> = (0..8).flat_map(batch).map(|r| r.identity).collect();
    assert_eq!(accepted, distinct);
    let stored = store.counts().await.expect("counts");
    assert_eq!(stored, Counts { readings: distinct.len() as u64, receipts: 2 });
}

store_tests!(new_rows_are_answered_from_the_counts_alone);

async fn new_rows_are_answered_from_the_counts_alone(db: TestDb) {
    let store = db.open().await;
    // Given a batch of new rows, two copies of one identity among them
    let rows = [reading(1, 4, 1, 1_050), reading(1, 4, 2, 1_050), reading(1, 4, 1, 1_050)];
    // When it is inserted, Then the first copy is accepted, the second is a duplicate
    let answers = store.insert_readings(&rows, 0).await.expect("insert");
    use Inserted::{Accepted as A, Duplicate as D};
    assert_eq!(answers, [A, A, D]);
    // And the counts told that without a second run with RETURNING
    assert_eq!(store.commits_redone(), 0);
    assert_eq!(store.counts().await.expect("counts").readings, 2);
}

store_tests!(a_row_stored_before_redoes_the_commit_with_returning);

async fn a_row_stored_before_redoes_the_commit_with_returning(db: TestDb) {
    let store = db.open().await;
    store.insert_readings(&[reading(1, 4, 2, 1_050)], 0).await.expect("first");
    store.insert_receipts(&[receipt(4, 1, 1_050)], 0).await.expect("first receipt");
    // Given a batch that resends a stored row between new ones (and a receipt resent)
    let rows = [reading(1, 4, 1, 1_050), reading(1, 4, 2, 1_050), reading(1, 4, 3, 1_050)];
    // When it is inserted, Then the resent row is the only duplicate
    let answers = store.insert_readings(&rows, 0).await.expect("insert");
    use Inserted::{Accepted as A, Duplicate as D};
    assert_eq!(answers, [A, D, A]);
    let receipts = [receipt(4, 2, 1_050), receipt(4, 1, 1_050)];
    assert_eq!(store.insert_receipts(&receipts, 0).await.expect("receipts"), [A, D]);
    // And each of those commits ran twice, the second time naming the new rows, and
    // nothing of the first run stayed
    assert_eq!(store.commits_redone(), 2);
    assert_eq!(store.counts().await.expect("counts"), Counts { readings: 3, receipts: 2 });
}

/// Two batches queued in this order while writes are held, so that one commit takes both.
async fn grouped(
    store: &Arc<Store>,
    first: Vec<NewReading>,
    second: Vec<NewReading>,
) -> (Vec<Inserted>, Vec<Inserted>) {
    let hold = store.hold_writes().await;
    let a = spawn_insert(store, first);
    queued(store, 1).await;
    let b = spawn_insert(store, second);
    queued(store, 2).await;
    drop(hold);
    (a.await.expect("task").expect("first"), b.await.expect("task").expect("second"))
}

type InsertTask = tokio::task::JoinHandle<Result<Vec<Inserted>, StoreError>>;

fn spawn_insert(store: &Arc<Store>, rows: Vec<NewReading>) -> InsertTask {
    let store = Arc::clone(store);
    tokio::spawn(async move { store.insert_readings(&rows, 0).await })
}

/// Waits (at most 30 s) until `batches` wait for a commit.
async fn queued(store: &Store, batches: usize) {
    let wait = async {
        while store.queued_batches() < batches {
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), wait).await.expect("queued");
}

store_tests!(
    a_stored_row_in_a_later_batch_redoes_the_whole_commit,
    one_new_identity_in_two_grouped_batches_is_accepted_once
);

async fn a_stored_row_in_a_later_batch_redoes_the_whole_commit(db: TestDb) {
    let store = Arc::new(db.open().await);
    let stored = reading(1, 4, 9, 1_050);
    store.insert_readings(std::slice::from_ref(&stored), 0).await.expect("insert");
    // Given one commit of a batch of new rows and a batch resending a stored row
    let first = vec![reading(1, 4, 1, 1_050), reading(1, 4, 2, 1_050)];
    let (a, b) = grouped(&store, first, vec![stored, reading(1, 4, 3, 1_050)]).await;
    // Then the first batch's rows are accepted (its insert was rolled back with the rest
    // and redone), and only the resent row is a duplicate
    use Inserted::{Accepted as A, Duplicate as D};
    assert_eq!((a, b), (vec![A, A], vec![D, A]));
    assert_eq!(store.commits_redone(), 1);
    assert_eq!(store.counts().await.expect("counts").readings, 4);
}

async fn one_new_identity_in_two_grouped_batches_is_accepted_once(db: TestDb) {
    let store = Arc::new(db.open().await);
    // Given one commit of two batches holding the same new reading
    let row = reading(1, 4, 1, 1_050);
    let (a, b) = grouped(&store, vec![row.clone()], vec![row, reading(1, 4, 2, 1_050)]).await;
    // Then the first copy is accepted and the second a duplicate, from the counts alone
    use Inserted::{Accepted as A, Duplicate as D};
    assert_eq!((a, b), (vec![A], vec![D, A]));
    assert_eq!(store.commits_redone(), 0);
}

store_tests!(a_peers_batch_is_answered_with_returning_at_once);

async fn a_peers_batch_is_answered_with_returning_at_once(db: TestDb) {
    let store = db.open().await;
    let stored = reading(1, 4, 1, 1_050);
    store.insert_readings(std::slice::from_ref(&stored), 0).await.expect("insert");
    // Given a peer's batch holding a row stored here and a new one (and a receipt stored)
    let receipt = receipt(4, 1, 1_050);
    store.insert_receipts(std::slice::from_ref(&receipt), 0).await.expect("receipt");
    let rows = [stored, reading(1, 4, 2, 1_050)];
    // When it is inserted as a peer's, Then the answers are exact without a redone commit
    use Inserted::{Accepted as A, Duplicate as D};
    assert_eq!(store.insert_peer_readings(&rows, 0).await.expect("insert"), [D, A]);
    let receipts = [receipt, super::super::tests::receipt(4, 2, 1_050)];
    assert_eq!(store.insert_peer_receipts(&receipts, 0).await.expect("receipts"), [D, A]);
    assert_eq!(store.commits_redone(), 0);
    assert_eq!(store.counts().await.expect("counts"), Counts { readings: 2, receipts: 2 });
}

#[test]
fn placeholders_number_every_column_of_every_row() {
    assert_eq!(values(Backend::Postgres, 1, 2), "($1, $2)");
    assert_eq!(values(Backend::Postgres, 2, 3), "($1, $2, $3), ($4, $5, $6)");
    assert_eq!(values(Backend::Sqlite, 2, 3), "(?, ?, ?), (?, ?, ?)");
}

#[test]
fn only_the_first_returned_copy_is_accepted() {
    let mut seen = HashSet::from([[9u8; 32]]);
    let returned = HashSet::from([[1u8; 32], [9u8; 32]]);
    let ids = [[1u8; 32], [1u8; 32], [2u8; 32], [9u8; 32]];
    let got = classify(ids.into_iter(), returned, &mut seen);
    use Inserted::{Accepted as A, Duplicate as D};
    assert_eq!(got, [A, D, D, D]);
    assert!(seen.contains(&[1u8; 32]));
}
