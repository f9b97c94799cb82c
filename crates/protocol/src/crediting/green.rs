//! Green compute (PROTOCOL.md §9.4): clean energy produced and consumed by a hybrid node in
//! the same hour. Only increases between two consecutive readings that both lie in one hour
//! bucket are matched: an increase that straddles an edge cannot be placed in an hour, so a
//! device that reports rarely cannot move noon production next to night consumption.

use crate::crediting::energy::Reading;
use crate::crediting::sat64;

/// Length of a green bucket: one hour of the grid aligned to genesis.
pub const BUCKET_SECONDS: i64 = 3_600;

/// One hour bucket of a hybrid node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GreenBucket {
    pub start: i64,
    pub end: i64,
    /// Σ over the node's bindings of the produced increases between consecutive readings
    /// both timestamped in `[start, end)`.
    pub produced_wh: u64,
    /// The same for the consumed counter.
    pub consumed_wh: u64,
    /// `min(produced, consumed)`.
    pub matched_wh: u64,
}

/// A node's green compute for the epoch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeGreen {
    /// Every bucket of the epoch (empty for nodes that are not hybrid).
    pub buckets: Vec<GreenBucket>,
    /// Σ over the bindings of `T.consumed − low.consumed`: every consumed increase of the
    /// epoch, in a bucket or straddling an edge.
    pub consumed_wh: u64,
    /// Σ matched over the buckets, before the cap.
    pub matched_uncapped_wh: u64,
    /// `min(matched_uncapped, the node's energy after the capacity clamps)`.
    pub matched_wh: u64,
}

/// The bucket edges of `[start, end)`: `start`, every `genesis + k·3600` strictly inside,
/// and `end`. Empty for an empty or inverted interval.
pub fn bucket_edges(genesis: i64, start: i64, end: i64) -> Vec<i64> {
    if start >= end {
        return Vec::new();
    }
    let mut edges = vec![start];
    // First grid point strictly after `start` (start ≥ genesis for every epoch).
    let since = i128::from(start).saturating_sub(i128::from(genesis));
    let hours = since.div_euclid(i128::from(BUCKET_SECONDS)).saturating_add(1);
    let mut next =
        i128::from(genesis).saturating_add(hours.saturating_mul(i128::from(BUCKET_SECONDS)));
    while next < i128::from(end) {
        edges.push(i64::try_from(next).unwrap_or(end));
        next = next.saturating_add(i128::from(BUCKET_SECONDS));
    }
    edges.push(end);
    edges
}

/// Per-bucket `(produced, consumed)` of one binding that was not zeroed. `judged` is the
/// binding's `J` in sequence order (timestamps and counters non-decreasing). Each pair of
/// consecutive readings adds its increase to bucket `i` iff both timestamps lie in
/// `[x_i, x_{i+1})`; a pair that straddles an edge (or starts before the epoch) adds to none.
pub(crate) fn binding_buckets(judged: &[&Reading], edges: &[i64]) -> Vec<(u128, u128)> {
    let count = edges.len().saturating_sub(1);
    let mut buckets = vec![(0u128, 0u128); count];
    // Index of the bucket holding `ts`, if any.
    let bucket = |ts: i64| -> Option<usize> {
        let after = edges.partition_point(|&x| x <= ts);
        after.checked_sub(1).filter(|&i| i < count)
    };
    for pair in judged.windows(2) {
        let (Some(a), Some(b)) = (pair.first(), pair.get(1)) else { continue };
        let (Some(i), Some(j)) = (bucket(a.reading.timestamp), bucket(b.reading.timestamp)) else {
            continue;
        };
        if i != j {
            continue;
        }
        if let Some(slot) = buckets.get_mut(i) {
            let p = b.reading.produced_wh.saturating_sub(a.reading.produced_wh);
            let c = b.reading.consumed_wh.saturating_sub(a.reading.consumed_wh);
            slot.0 = slot.0.saturating_add(u128::from(p));
            slot.1 = slot.1.saturating_add(u128::from(c));
        }
    }
    buckets
}

/// Sums the bindings' buckets of a hybrid node and matches them hour by hour; `consumed` is
/// the node's whole consumed increase (bucketed or not).
pub(crate) fn node_green(
    edges: &[i64],
    bindings: &[Vec<(u128, u128)>],
    consumed: u128,
    energy_cap_wh: u128,
) -> NodeGreen {
    let mut green = NodeGreen::default();
    let mut matched = 0u128;
    for (index, w) in edges.windows(2).enumerate() {
        let (mut p, mut c) = (0u128, 0u128);
        for b in bindings {
            let (bp, bc) = b.get(index).copied().unwrap_or((0, 0));
            p = p.saturating_add(bp);
            c = c.saturating_add(bc);
        }
        let m = p.min(c);
        matched = matched.saturating_add(m);
        green.buckets.push(GreenBucket {
            start: w.first().copied().unwrap_or_default(),
            end: w.get(1).copied().unwrap_or_default(),
            produced_wh: sat64(p),
            consumed_wh: sat64(c),
            matched_wh: sat64(m),
        });
    }
    green.consumed_wh = sat64(consumed);
    green.matched_uncapped_wh = sat64(matched);
    green.matched_wh = sat64(matched.min(energy_cap_wh));
    green
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_follow_the_hour_grid_from_genesis() {
        // Genesis at 1,000; an epoch [1,000, 9,000) has hour edges 4,600 and 8,200.
        assert_eq!(bucket_edges(1_000, 1_000, 9_000), vec![1_000, 4_600, 8_200, 9_000]);
        // An epoch starting mid-hour: the first bucket is cut at the next grid point.
        assert_eq!(bucket_edges(1_000, 2_000, 5_000), vec![2_000, 4_600, 5_000]);
        // Epoch boundaries on the grid are not repeated.
        assert_eq!(bucket_edges(0, 3_600, 7_200), vec![3_600, 7_200]);
        assert!(bucket_edges(0, 5, 5).is_empty());
    }
}
