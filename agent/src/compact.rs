//! Queue compaction: when an oracle falls more than `max_queue` readings behind, readings
//! that crediting does not need are removed, with a warning, instead of growing without
//! bound or dropping anything silently.
//!
//! What crediting needs (PROTOCOL.md §9): the boundary readings (the last reading before
//! each epoch edge) and, for hybrid nodes' green matching, the increase inside each hour
//! bucket (pairs of readings in the same bucket). Counters are cumulative, so keeping the
//! first and the last reading of every cell of the hour grid (from genesis) cut at epoch
//! edges keeps every epoch's energy and every bucket's increase exactly: only the readings
//! in between go. If that is still over the limit (an outage of more hours than the queue
//! holds), the second level keeps only the last reading of each epoch: the epochs' energy
//! stays exact, hour buckets lose their detail. Nothing further is ever removed.

use std::collections::BTreeMap;

/// Hour buckets, as `gridmint_protocol::crediting::green::BUCKET_SECONDS`.
const HOUR: i64 = 3_600;

/// The epoch clock; `None` fields fall back to Unix hours and no epoch edges.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EpochClock {
    pub genesis_time: Option<i64>,
    pub epoch_seconds: Option<i64>,
}

impl EpochClock {
    fn origin(&self) -> i64 {
        self.genesis_time.unwrap_or(0)
    }

    fn epoch_of(&self, ts: i64) -> i64 {
        match self.epoch_seconds {
            Some(len) if len > 0 => ts.saturating_sub(self.origin()).div_euclid(len),
            _ => 0,
        }
    }

    fn hour_of(&self, ts: i64) -> i64 {
        ts.saturating_sub(self.origin()).div_euclid(HOUR)
    }
}

/// Sequences to remove from `readings` (`(sequence, timestamp)` in sequence order) so that
/// at most `max` remain, by the levels above; empty when nothing needs to go. The newest
/// reading always stays.
pub fn select(readings: &[(u64, i64)], max: u64, clock: EpochClock) -> Vec<u64> {
    if (readings.len() as u64) <= max {
        return Vec::new();
    }
    let by_cell = keep_edges(readings, |ts| (clock.epoch_of(ts), clock.hour_of(ts)), true);
    if (by_cell.len() as u64) <= max {
        return removed(readings, &by_cell);
    }
    let by_epoch = keep_edges(readings, |ts| (clock.epoch_of(ts), 0), false);
    removed(readings, &by_epoch)
}

/// The sequences kept: per cell the last reading (and the first, with `first`).
fn keep_edges(readings: &[(u64, i64)], cell: impl Fn(i64) -> (i64, i64), first: bool) -> Vec<u64> {
    let mut cells: BTreeMap<(i64, i64), (u64, u64)> = BTreeMap::new();
    for &(sequence, ts) in readings {
        cells
            .entry(cell(ts))
            .and_modify(|(lo, hi)| {
                *lo = (*lo).min(sequence);
                *hi = (*hi).max(sequence);
            })
            .or_insert((sequence, sequence));
    }
    let mut kept: Vec<u64> =
        cells.values().flat_map(|&(lo, hi)| if first { vec![lo, hi] } else { vec![hi] }).collect();
    if let Some(&(newest, _)) = readings.last() {
        kept.push(newest);
    }
    kept.sort_unstable();
    kept.dedup();
    kept
}

fn removed(readings: &[(u64, i64)], kept: &[u64]) -> Vec<u64> {
    readings.iter().map(|&(s, _)| s).filter(|s| kept.binary_search(s).is_err()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Readings every `step` seconds from `start`, sequences from 1.
    fn series(start: i64, step: i64, n: u64) -> Vec<(u64, i64)> {
        (0..n).map(|i| (i + 1, start + step * i as i64)).collect()
    }

    #[test]
    fn under_the_limit_nothing_goes() {
        assert!(select(&series(0, 60, 10), 10, EpochClock::default()).is_empty());
    }

    #[test]
    fn keeps_the_first_and_last_reading_of_each_hour_and_epoch_cell() {
        // 3 hours of minute readings; epochs of 90 minutes from genesis 0.
        let readings = series(0, 60, 180);
        let clock = EpochClock { genesis_time: Some(0), epoch_seconds: Some(5_400) };
        let gone = select(&readings, 20, clock);
        let kept: Vec<u64> = readings.iter().map(|r| r.0).filter(|s| !gone.contains(s)).collect();
        // Cells: [0,60) [60,90) [90,120) [120,180) minutes → first/last of each.
        assert_eq!(kept, [1, 60, 61, 90, 91, 120, 121, 180]);
    }

    #[test]
    fn falls_back_to_the_last_reading_of_each_epoch() {
        let readings = series(0, 60, 180);
        let clock = EpochClock { genesis_time: Some(0), epoch_seconds: Some(5_400) };
        let gone = select(&readings, 5, clock);
        let kept: Vec<u64> = readings.iter().map(|r| r.0).filter(|s| !gone.contains(s)).collect();
        assert_eq!(kept, [90, 180]);
    }

    #[test]
    fn hours_follow_genesis_not_the_unix_clock() {
        let readings = series(1_800, 600, 12); // 30 min past a Unix hour, every 10 min
        let clock = EpochClock { genesis_time: Some(1_800), epoch_seconds: None };
        let gone = select(&readings, 4, clock);
        let kept: Vec<u64> = readings.iter().map(|r| r.0).filter(|s| !gone.contains(s)).collect();
        assert_eq!(kept, [1, 6, 7, 12]);
    }
}
