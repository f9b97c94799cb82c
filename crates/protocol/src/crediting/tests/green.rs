//! §9.4: only increases between consecutive readings inside one hour bucket are matched, so
//! reporting rarely never earns more matched energy than reporting densely and honestly.

use super::fixture::*;
use crate::crediting::*;

/// Node 7 (Hybrid, 2,000 Wp): 1,000 Wh produced in the first hour of the epoch, 1,000 Wh
/// consumed in the third; nothing produced and consumed in the same hour.
fn node7(readings: Vec<(u64, i64, u64, u64)>) -> NodeGreen {
    let mut i =
        inputs(vec![node(7, NodeKind::Hybrid, 100, 2_000, 0)], vec![binding(19, 7, 0, None)]);
    i.readings = readings.into_iter().map(|(s, t, p, c)| reading(19, 7, s, t, p, c)).collect();
    of(&credit(&i), 7).green.clone()
}

#[test]
fn sparse_reporting_gets_no_more_matched_than_dense_honest_reporting() {
    let dense = node7(vec![
        (1, 14_000, 0, 0),
        (2, 14_400, 0, 0),
        (3, 17_999, 1_000, 0),
        (4, 18_000, 1_000, 0),
        (5, 21_599, 1_000, 0),
        (6, 21_600, 1_000, 0),
        (7, 25_199, 1_000, 1_000),
        (8, 25_200, 1_000, 1_000),
        (9, 28_799, 1_000, 1_000),
    ]);
    assert_eq!((dense.consumed_wh, dense.matched_wh), (1_000, 0));
    let produced: Vec<u64> = dense.buckets.iter().map(|b| b.produced_wh).collect();
    assert_eq!(produced, vec![1_000, 0, 0, 0]);
    // One reading per epoch after the start boundary: the old rule put the whole increase
    // in the last hour and matched min(1,000, 1,000).
    let sparse = node7(vec![(1, 14_000, 0, 0), (2, 28_700, 1_000, 1_000)]);
    assert_eq!((sparse.consumed_wh, sparse.matched_wh), (1_000, 0));
    // Without a start boundary, two readings in the last hour only.
    let late = node7(vec![(1, 25_300, 0, 0), (2, 28_700, 1_000, 1_000)]);
    assert_eq!(late.matched_wh, 1_000, "both readings in one hour: that hour's increase");
    let spanning = node7(vec![(1, 14_400, 0, 0), (2, 28_799, 1_000, 1_000)]);
    assert_eq!((spanning.consumed_wh, spanning.matched_wh), (1_000, 0));
    assert!(sparse.matched_wh <= dense.matched_wh && spanning.matched_wh <= dense.matched_wh);
}

#[test]
fn an_edge_belongs_to_the_bucket_it_opens() {
    // A reading exactly at 18,000 is in [18,000, 21,600): the pair 17,999 → 18,000 straddles.
    let g = node7(vec![(1, 17_999, 0, 0), (2, 18_000, 5, 5), (3, 21_599, 105, 55)]);
    let got: Vec<_> = g.buckets.iter().map(|b| (b.produced_wh, b.consumed_wh)).collect();
    assert_eq!(got, vec![(0, 0), (100, 50), (0, 0), (0, 0)]);
    assert_eq!((g.consumed_wh, g.matched_wh), (55, 50));
}
