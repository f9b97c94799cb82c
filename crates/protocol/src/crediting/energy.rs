//! Readings → energy (PROTOCOL.md §9.3): boundary readings, zeroing rules and clamps of one
//! device binding over one epoch.

use crate::crediting::{sat64, RejectReason};
use crate::fraud::{
    energy_allowance_wh, CAPACITY_TOLERANCE_BPS, CAPACITY_TOLERANCE_WH, CLOCK_SKEW_SECONDS,
};
use crate::merkle::Hash32;
use crate::messages::EnergyReading;

/// One distinct signed reading of a binding. Copies of the same bytes with other (valid)
/// signatures have the same identity: they are the same input. The signed bytes are
/// borrowed from the epoch's inputs (only ties in sequence order read them): a copy made
/// every reading 80 bytes larger, 160 MB at two million readings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reading<'m> {
    pub id: Hash32,
    pub message: &'m [u8; EnergyReading::LEN],
    pub reading: EnergyReading,
}

impl Reading<'_> {
    pub fn boundary(&self) -> BoundaryReading {
        BoundaryReading {
            id: self.id,
            sequence: self.reading.sequence,
            timestamp: self.reading.timestamp,
            produced_wh: self.reading.produced_wh,
            consumed_wh: self.reading.consumed_wh,
        }
    }
}

/// A reading used as a boundary, as the explanation shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BoundaryReading {
    /// The reading's identity.
    pub id: Hash32,
    pub sequence: u64,
    pub timestamp: i64,
    pub produced_wh: u64,
    pub consumed_wh: u64,
}

/// Why a binding earns nothing this epoch, with the first offending pair (§9.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zeroing {
    /// `Equivocation`, `CounterRegression`, `DecreasingTimestamps` or `CapacityViolation`.
    pub reason: RejectReason,
    pub first: Hash32,
    pub second: Hash32,
}

/// One binding's energy for the epoch, with everything used to compute it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingEnergy {
    pub device_key: [u8; 32],
    /// Distinct readings timestamped in the epoch.
    pub readings_in_epoch: u32,
    /// The start boundary `S`; `None` if the binding has no reading before the epoch.
    pub start: Option<BoundaryReading>,
    /// The low end of the increase: `S`, or the baseline (first reading) without `S`; with
    /// `S`, its counters are the largest of any reading timestamped before the epoch.
    pub low: BoundaryReading,
    /// The end boundary `T` (the last reading timestamped before the epoch's end).
    pub end: BoundaryReading,
    /// `T.produced − low.produced`, or 0 if that is negative or the binding is zeroed.
    pub increase_wh: u64,
    /// `allowance(capacity(e).energy_wp, T.timestamp − max(low.timestamp, start − 60))`
    /// (0 if zeroed).
    pub allowance_wh: u64,
    /// `min(increase, allowance, capacity-factor cap)`, or 0 if zeroed.
    pub credited_wh: u64,
    pub zeroed: Option<Zeroing>,
}

/// A binding's outcome: the explanation, the readings judged (`J`, in sequence order) and
/// whether its counters may be used for green buckets.
pub(crate) struct BindingOutcome<'r> {
    pub energy: BindingEnergy,
    pub judged: Vec<&'r Reading<'r>>,
}

/// Applies §9.3 to one binding. `readings` are the binding's distinct valid readings sorted
/// by `(sequence, message)`. `None` when no reading is timestamped in `[start, end)`.
pub(crate) fn binding_energy<'r>(
    device_key: [u8; 32],
    readings: &'r [Reading<'r>],
    start: i64,
    end: i64,
    energy_wp: u64,
    capacity_factor_cap: u128,
) -> Option<BindingOutcome<'r>> {
    let in_epoch: Vec<&Reading> = readings
        .iter()
        .filter(|r| start <= r.reading.timestamp && r.reading.timestamp < end)
        .collect();
    let last = *in_epoch.last()?;
    let first_in_epoch = *in_epoch.first()?;
    let before_seq =
        readings.iter().filter(|r| r.reading.timestamp < start).map(|r| r.reading.sequence).max();
    let start_candidates: Vec<&Reading> = match before_seq {
        Some(seq) => readings
            .iter()
            .filter(|r| r.reading.timestamp < start && r.reading.sequence == seq)
            .collect(),
        None => Vec::new(),
    };
    let mut judged: Vec<&Reading> =
        start_candidates.iter().chain(in_epoch.iter()).copied().collect();
    judged.sort_by_key(|r| (r.reading.sequence, r.message));
    let start_reading = start_candidates.first().map(|r| r.boundary());
    let mut low = start_candidates.first().copied().unwrap_or(first_in_epoch).boundary();
    // The low counters are the largest of any reading before `start`, not S's: a reading
    // signed later with a higher sequence but lower counters (timestamped in an earlier,
    // final epoch) must not lower the boundary and re-credit what that epoch paid.
    for r in readings.iter().filter(|r| r.reading.timestamp < start) {
        low.produced_wh = low.produced_wh.max(r.reading.produced_wh);
        low.consumed_wh = low.consumed_wh.max(r.reading.consumed_wh);
    }
    let mut energy = BindingEnergy {
        device_key,
        readings_in_epoch: u32::try_from(in_epoch.len()).unwrap_or(u32::MAX),
        start: start_reading,
        low,
        end: last.boundary(),
        increase_wh: 0,
        allowance_wh: 0,
        credited_wh: 0,
        zeroed: None,
    };
    energy.zeroed = judge(&judged, &in_epoch, start, energy_wp);
    if energy.zeroed.is_none() {
        // Rules 2 and 3 passed: counters and timestamps do not decrease from `low` to `T`.
        let increase = last.reading.produced_wh.saturating_sub(low.produced_wh);
        // Silence carries no allowance across epochs: the window opens at most the §7.2
        // skew before `start`, so a device quiet while its node was not listed cannot be
        // paid in this epoch for what it produced in earlier ones.
        let skew = i64::try_from(CLOCK_SKEW_SECONDS).unwrap_or(i64::MAX);
        let from = low.timestamp.max(start.saturating_sub(skew));
        let seconds = i128::from(last.reading.timestamp).saturating_sub(i128::from(from));
        let allowance = energy_allowance_wh(energy_wp, u64::try_from(seconds).unwrap_or(0));
        energy.increase_wh = increase;
        energy.allowance_wh = sat64(allowance);
        energy.credited_wh = sat64(u128::from(increase).min(allowance).min(capacity_factor_cap));
    }
    Some(BindingOutcome { energy, judged })
}

/// The zeroing rules, in order: equivocation, counter regression and decreasing timestamps
/// over consecutive readings of `judged`; then the capacity rule over pairs of `in_epoch`.
fn judge(
    judged: &[&Reading],
    in_epoch: &[&Reading],
    start: i64,
    energy_wp: u64,
) -> Option<Zeroing> {
    let pairs = || judged.windows(2).filter_map(|w| Some((*w.first()?, *w.get(1)?)));
    let zero = |reason, a: &Reading, b: &Reading| Zeroing { reason, first: a.id, second: b.id };
    if let Some((a, b)) = pairs().find(|(a, b)| a.reading.sequence == b.reading.sequence) {
        return Some(zero(RejectReason::Equivocation, a, b));
    }
    if let Some((a, b)) = pairs().find(|(a, b)| {
        b.reading.produced_wh < a.reading.produced_wh
            || b.reading.consumed_wh < a.reading.consumed_wh
    }) {
        return Some(zero(RejectReason::CounterRegression, a, b));
    }
    if let Some((a, b)) = pairs().find(|(a, b)| b.reading.timestamp < a.reading.timestamp) {
        return Some(zero(RejectReason::DecreasingTimestamps, a, b));
    }
    capacity_violation(in_epoch, start, energy_wp)
        .map(|(a, b)| zero(RejectReason::CapacityViolation, a, b))
}

/// §7.2 rule 3 over every pair `a` before `b` of `readings` (sequence order, counters and
/// timestamps non-decreasing, all timestamped in the epoch), in linear time. Returns the
/// pair with the lowest-sequence `b` that completes a violation and, for it, the
/// lowest-sequence `a`.
///
/// `rise > ⌈wp·(Δt+60)·11000 / 36·10⁶⌉ + 1` ⟺ `(rise − 2)·36·10⁶ ≥ wp·11000·(Δt + 60)`
/// (for integers, `n ≥ ⌈x⌉ ⟺ n ≥ x`), i.e. `g(b) − g(a) ≥ 72·10⁶ + 60·K` with
/// `K = wp·11000` and `g(r) = (produced_r − produced_0)·36·10⁶ − K·(ts_r − start)`. All terms
/// stay below 2⁹⁹ because `ts − start < 2²⁰` and counters are `u64`.
fn capacity_violation<'r>(
    readings: &[&'r Reading<'r>],
    start: i64,
    energy_wp: u64,
) -> Option<(&'r Reading<'r>, &'r Reading<'r>)> {
    let per_hour = 3_600i128.checked_mul(10_000)?;
    let k = i128::from(energy_wp)
        .checked_mul(i128::from(10_000u64.checked_add(CAPACITY_TOLERANCE_BPS)?))?;
    let slack = i128::from(CAPACITY_TOLERANCE_WH.checked_add(1)?);
    let threshold =
        slack.checked_mul(per_hour)?.checked_add(k.checked_mul(i128::from(CLOCK_SKEW_SECONDS))?)?;
    let base = readings.first()?.reading.produced_wh;
    let g = |r: &Reading| -> Option<i128> {
        let rise = i128::from(r.reading.produced_wh.checked_sub(base)?);
        let since = i128::from(r.reading.timestamp).checked_sub(i128::from(start))?;
        rise.checked_mul(per_hour)?.checked_sub(k.checked_mul(since)?)
    };
    let mut min_g: Option<i128> = None;
    for (index, b) in readings.iter().enumerate() {
        let gb = g(b)?;
        if let Some(m) = min_g {
            if gb.checked_sub(m)? >= threshold {
                let a = readings.iter().take(index).find(|a| {
                    g(a).and_then(|ga| gb.checked_sub(ga)).is_some_and(|d| d >= threshold)
                })?;
                return Some((*a, *b));
            }
        }
        min_g = Some(min_g.map_or(gb, |m| m.min(gb)));
    }
    None
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::fraud::{classify, PairError};

    fn reading(seq: u64, ts: i64, produced: u64) -> Reading<'static> {
        let reading = EnergyReading {
            deployment: [1; 32],
            node_id: 1,
            sequence: seq,
            timestamp: ts,
            produced_wh: produced,
            consumed_wh: 0,
        };
        Reading { id: [seq as u8; 32], message: Box::leak(Box::new(reading.encode())), reading }
    }

    #[test]
    fn linear_scan_agrees_with_pairwise_classify() {
        use rand::{rngs::StdRng, Rng, SeedableRng};
        let mut rng = StdRng::seed_from_u64(0x5ca7);
        for _ in 0..2_000 {
            let wp = rng.gen_range(0..3_000u64);
            let n = rng.gen_range(1..12);
            let (mut t, mut p) = (1_000i64, rng.gen_range(0..100u64));
            let rs: Vec<Reading> = (0..n)
                .map(|i| {
                    t += rng.gen_range(0..900);
                    p += rng.gen_range(0..400);
                    reading(i, t, p)
                })
                .collect();
            let refs: Vec<&Reading> = rs.iter().collect();
            let expected = (1..rs.len()).find_map(|j| {
                (0..j)
                    .find(|&i| {
                        classify(&rs[i].reading, &rs[j].reading, wp) != Err(PairError::NoFraud)
                    })
                    .map(|i| (i, j))
            });
            let got = capacity_violation(&refs, 1_000, wp)
                .map(|(a, b)| (a.reading.sequence as usize, b.reading.sequence as usize));
            assert_eq!(got, expected);
        }
    }
}
