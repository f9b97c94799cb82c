//! The watchtower's queries on both backends (`store_tests!`), sequence numbers on both sides
//! of 2⁶³.

use super::*;
use crate::store::test_db::{store_tests, TestDb};
use crate::store::NewReading;
use ed25519_dalek::SigningKey;
use gridmint_protocol::ed25519::signing::{public_key, sign};
use gridmint_protocol::emission::EpochClock;
use gridmint_protocol::merkle::Hash32;
use gridmint_protocol::messages::EnergyReading;

const CLOCK: EpochClock = EpochClock { genesis_time: 1_000, epoch_seconds: 100 };
const HALF: u64 = 1 << 63;

fn reading(seed: u8, sequence: u64, produced_wh: u64) -> NewReading {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let message = EnergyReading {
        deployment: [7; 32],
        node_id: 1,
        sequence,
        timestamp: 1_000,
        produced_wh,
        consumed_wh: 0,
    }
    .encode();
    let signed =
        SignedReading { device_key: public_key(&key), message, signature: sign(&key, &message) };
    NewReading::new(signed, &CLOCK).expect("decodes")
}

fn key(seed: u8) -> [u8; 32] {
    public_key(&SigningKey::from_bytes(&[seed; 32]))
}

fn sequences(readings: &[SignedReading]) -> Vec<u64> {
    let mut out: Vec<u64> = readings
        .iter()
        .map(|s| EnergyReading::decode(&s.message).expect("decodes").sequence)
        .collect();
    out.sort_unstable();
    out
}

store_tests!(
    pages_by_receive_time_then_arrival_from_the_cursor,
    sequence_ranges_and_neighbours_follow_u64_order,
    the_cursor_starts_at_zero_and_persists,
    watch_queries_use_their_indexes,
);

#[test]
fn u64_ranges_split_where_the_column_wraps() {
    assert_eq!(signed_ranges(1, 5), vec![(1, 5)]);
    assert_eq!(signed_ranges(HALF, u64::MAX), vec![(i64::MIN, -1)]);
    assert_eq!(signed_ranges(HALF - 1, HALF), vec![(i64::MAX, i64::MAX), (i64::MIN, i64::MIN)]);
    assert_eq!(signed_ranges(0, u64::MAX), vec![(0, i64::MAX), (i64::MIN, -1)]);
    assert_eq!(signed_ranges(5, 4), vec![]);
}

async fn pages_by_receive_time_then_arrival_from_the_cursor(db: TestDb) {
    let store = db.open().await;
    let early: Vec<_> = (0..3).map(|s| reading(1, s, s)).collect();
    let late: Vec<_> = (3..6).map(|s| reading(1, s, s)).collect();
    store.insert_readings(&early, 100).await.expect("insert");
    store.insert_readings(&late, 200).await.expect("insert");
    // A later insert received "earlier" (a clock step back) still sorts by receive time.
    let stepped = reading(1, 6, 6);
    store.insert_readings(std::slice::from_ref(&stepped), 150).await.expect("insert");

    // Given pages of three, Then together they list every row once, by receive time, then
    // in the order the store inserted them.
    let mut got = Vec::new();
    let mut after = None;
    loop {
        let page = store.readings_received_since(0, after, 3).await.expect("page");
        let Some(last) = page.last() else { break };
        after = Some(last.position());
        got.extend(page);
    }
    assert!(got.windows(2).all(|w| w[0].position() < w[1].position()), "{got:?}");
    let identities = |rows: &[ScannedReading]| -> Vec<Hash32> {
        rows.iter().map(|r| r.signed.identity()).collect()
    };
    let expected: Vec<Hash32> =
        early.iter().chain([&stepped]).chain(&late).map(|r| r.identity).collect();
    assert_eq!(identities(&got), expected);
    assert_eq!(
        got.iter().map(|r| r.received_at).collect::<Vec<_>>(),
        [100, 100, 100, 150, 200, 200, 200]
    );
    let row = &got[0];
    assert_eq!((row.sequence, row.signed), (early[0].sequence, early[0].signed));

    // Rows received before the cursor are not listed.
    let since = store.readings_received_since(151, None, 10).await.expect("page");
    assert_eq!(since.iter().map(|r| r.received_at).collect::<Vec<_>>(), vec![200; 3]);
    assert!(store.readings_received_since(201, None, 10).await.expect("page").is_empty());
}

async fn sequence_ranges_and_neighbours_follow_u64_order(db: TestDb) {
    let store = db.open().await;
    let stored = [3, 7, HALF - 1, HALF, HALF + 2, u64::MAX];
    let rows: Vec<_> = stored.iter().map(|s| reading(2, *s, 0)).collect();
    store.insert_readings(&rows, 0).await.expect("insert");
    // Another key's readings never show up.
    store.insert_readings(&[reading(3, 5, 0), reading(3, HALF + 1, 0)], 0).await.expect("insert");
    let k = key(2);

    let range = |lo, hi| store.key_readings_in_sequence_range(&k, lo, hi);
    assert_eq!(sequences(&range(4, HALF).await.expect("range")), vec![7, HALF - 1, HALF]);
    assert_eq!(
        sequences(&range(HALF + 1, u64::MAX).await.expect("range")),
        vec![HALF + 2, u64::MAX]
    );
    assert_eq!(sequences(&range(0, u64::MAX).await.expect("range")).len(), stored.len());
    assert!(range(8, 9).await.expect("range").is_empty());

    let below = |s| store.key_sequence_below(&k, s);
    let above = |s| store.key_sequence_above(&k, s);
    assert_eq!(below(3).await.expect("below"), None);
    assert_eq!(below(0).await.expect("below"), None);
    assert_eq!(below(7).await.expect("below"), Some(3));
    assert_eq!(below(HALF).await.expect("below"), Some(HALF - 1));
    assert_eq!(below(HALF + 1).await.expect("below"), Some(HALF));
    assert_eq!(below(u64::MAX).await.expect("below"), Some(HALF + 2));
    assert_eq!(above(7).await.expect("above"), Some(HALF - 1));
    assert_eq!(above(HALF - 1).await.expect("above"), Some(HALF));
    assert_eq!(above(HALF + 2).await.expect("above"), Some(u64::MAX));
    assert_eq!(above(u64::MAX).await.expect("above"), None);
    assert_eq!(above(0).await.expect("above"), Some(3));
    assert_eq!(store.key_sequence_above(&key(4), 0).await.expect("above"), None);
}

async fn the_cursor_starts_at_zero_and_persists(db: TestDb) {
    {
        let store = db.open().await;
        assert_eq!(store.watch_cursor().await.expect("cursor"), 0);
        store.set_watch_cursor(40).await.expect("set");
        store.set_watch_cursor(1_234).await.expect("set");
        store.close().await;
    }
    let store = db.open().await;
    assert_eq!(store.watch_cursor().await.expect("cursor"), 1_234);
}

async fn watch_queries_use_their_indexes(db: TestDb) {
    let store = db.open().await;
    let key: &[u8] = &[0; 32];
    let arrival = match db.backend {
        Backend::Sqlite => "rowid",
        Backend::Postgres => "arrival",
    };
    let received = format!(
        "SELECT identity FROM readings WHERE received_at >= 5 \
         ORDER BY received_at, {arrival} LIMIT 10"
    );
    // Pages come in index order: no sort of every row received since the cursor.
    let plan = db.plan(&store, &received, &[]).await;
    assert!(!plan.contains("TEMP B-TREE") && !plan.contains("Sort"), "{plan}");
    for (sql, keys, index) in [
        (received.as_str(), &[][..], "readings_received"),
        (
            "SELECT MAX(sequence) FROM readings WHERE device_key = $1 \
             AND sequence >= 0 AND sequence <= 9",
            &[key],
            "readings_key_sequence_identity",
        ),
    ] {
        db.assert_index_search(&store, sql, keys, index).await;
    }
}
