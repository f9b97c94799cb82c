//! Green compute (PROTOCOL.md §9.4): clean energy produced and consumed by a hybrid node in
//! the same hour, from the boundary readings at the hour edges.

use crate::crediting::energy::Reading;
use crate::crediting::sat64;

/// Length of a green bucket: one hour of the grid aligned to genesis.
pub const BUCKET_SECONDS: i64 = 3_600;

/// One hour bucket of a hybrid node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GreenBucket {
    pub start: i64,
    pub end: i64,
    /// Σ over the node's bindings of the produced counter's increase over the bucket.
    pub produced_wh: u64,
    /// Σ over the node's bindings of the consumed counter's increase over the bucket.
    pub consumed_wh: u64,
    /// `min(produced, consumed)`.
    pub matched_wh: u64,
}

/// A node's green compute for the epoch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeGreen {
    /// Every bucket of the epoch (empty for nodes that are not hybrid).
    pub buckets: Vec<GreenBucket>,
    /// Σ consumed over the buckets.
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
/// binding's `J` in sequence order (timestamps and counters non-decreasing); the first
/// element is `S` or, without `S`, the baseline.
pub(crate) fn binding_buckets(judged: &[&Reading], edges: &[i64]) -> Vec<(u128, u128)> {
    // For each edge, the index of the last reading timestamped before it.
    let mut cursor = 0usize;
    let last_before: Vec<Option<usize>> = edges
        .iter()
        .map(|&edge| {
            while judged.get(cursor).is_some_and(|r| r.reading.timestamp < edge) {
                cursor = cursor.saturating_add(1);
            }
            cursor.checked_sub(1)
        })
        .collect();
    last_before
        .windows(2)
        .map(|w| match (w.first().copied().flatten(), w.get(1).copied().flatten()) {
            (_, None) => (0, 0),
            (low, Some(high)) => {
                let (lo, hi) = (judged.get(low.unwrap_or(0)), judged.get(high));
                match (lo, hi) {
                    (Some(lo), Some(hi)) => (
                        u128::from(hi.reading.produced_wh.saturating_sub(lo.reading.produced_wh)),
                        u128::from(hi.reading.consumed_wh.saturating_sub(lo.reading.consumed_wh)),
                    ),
                    _ => (0, 0),
                }
            }
        })
        .collect()
}

/// Sums the bindings' buckets of a hybrid node and matches them hour by hour.
pub(crate) fn node_green(
    edges: &[i64],
    bindings: &[Vec<(u128, u128)>],
    energy_cap_wh: u128,
) -> NodeGreen {
    let mut green = NodeGreen::default();
    let (mut consumed, mut matched) = (0u128, 0u128);
    for (index, w) in edges.windows(2).enumerate() {
        let (mut p, mut c) = (0u128, 0u128);
        for b in bindings {
            let (bp, bc) = b.get(index).copied().unwrap_or((0, 0));
            p = p.saturating_add(bp);
            c = c.saturating_add(bc);
        }
        let m = p.min(c);
        consumed = consumed.saturating_add(c);
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
