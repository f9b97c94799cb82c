//! From a meter's own counters to the signed counters, which never decrease.
//!
//! Meters' lifetime counters misbehave: they fall to zero after a restart or a firmware
//! update, and some gateways publish 0 while the inverter sleeps and the lifetime value
//! again in the morning (OpenDTU #2730, #1258). The signed counters must never decrease (a
//! decrease is slashable evidence) and must not count a restored lifetime value as new
//! energy. The rule, per counter, between two samples `Δt` seconds apart:
//!
//! - the first sample is the baseline: nothing is added;
//! - an increase within what the node can plausibly produce in `Δt` is added;
//! - a decrease is a counter reset: nothing is added and the new value is the baseline;
//! - an increase beyond the plausible bound (a counter restored after a reset or a glitch)
//!   adds nothing either, and the new value is the baseline.
//!
//! So energy is only ever under-counted (the interval around a reset), never doubled.

use crate::source::MeterSample;

/// Slack on top of the plausible power, for meters that round and for clock jitter.
const PLAUSIBLE_MARGIN_PERCENT: u64 = 150;

/// The signed counters and the source's last raw values (persisted in the journal).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CounterState {
    pub produced_wh: u64,
    pub consumed_wh: u64,
    pub raw_produced: Option<u64>,
    pub raw_consumed: Option<u64>,
    /// Agent time of the last sample.
    pub sampled_at: Option<i64>,
}

/// What one sample did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Advanced {
    pub state: CounterState,
    /// Counters that went backwards (resets).
    pub resets: u32,
    /// Increases refused as implausible.
    pub jumps: u32,
}

/// The next state after `sample` at agent time `now`. `max_power_w` bounds plausible
/// increases (none when `None`); consumption is kept only for hybrid nodes.
pub fn advance(
    state: &CounterState,
    sample: MeterSample,
    now: i64,
    hybrid: bool,
    max_power_w: Option<u64>,
) -> Advanced {
    let elapsed = state.sampled_at.map_or(0, |t| now.saturating_sub(t).max(0));
    let bound = max_power_w.map(|w| plausible_wh(w, elapsed));
    let mut out = Advanced { state: *state, resets: 0, jumps: 0 };
    let (produced, raw_produced) =
        step(state.produced_wh, state.raw_produced, sample.produced_wh, bound, &mut out);
    out.state.produced_wh = produced;
    out.state.raw_produced = Some(raw_produced);
    if let (true, Some(raw)) = (hybrid, sample.consumed_wh) {
        let (consumed, raw_consumed) =
            step(state.consumed_wh, state.raw_consumed, raw, bound, &mut out);
        out.state.consumed_wh = consumed;
        out.state.raw_consumed = Some(raw_consumed);
    }
    out.state.sampled_at = Some(now.max(state.sampled_at.unwrap_or(i64::MIN)));
    out
}

/// One counter: returns the signed value and the new baseline.
fn step(
    signed: u64,
    last_raw: Option<u64>,
    raw: u64,
    bound: Option<u64>,
    out: &mut Advanced,
) -> (u64, u64) {
    let Some(last) = last_raw else { return (signed, raw) };
    match raw.checked_sub(last) {
        None => {
            out.resets = out.resets.saturating_add(1);
            (signed, raw)
        }
        Some(increase) if bound.is_some_and(|b| increase > b) => {
            out.jumps = out.jumps.saturating_add(1);
            (signed, raw)
        }
        Some(increase) => (signed.saturating_add(increase), raw),
    }
}

/// The most Wh a `power_w` node can produce in `seconds` (at least one second), with the
/// margin, rounded up, plus 1 Wh for meters that round to whole Wh.
pub fn plausible_wh(power_w: u64, seconds: i64) -> u64 {
    let seconds = u128::from(seconds.max(1).unsigned_abs());
    let wh = u128::from(power_w)
        .saturating_mul(seconds)
        .saturating_mul(u128::from(PLAUSIBLE_MARGIN_PERCENT))
        .div_ceil(3_600 * 100);
    u64::try_from(wh).unwrap_or(u64::MAX).saturating_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(produced: u64, consumed: Option<u64>) -> MeterSample {
        MeterSample { produced_wh: produced, consumed_wh: consumed }
    }

    /// Feeds `(time, raw produced)` samples; answers the signed values after each.
    fn run(samples: &[(i64, u64)], max_power_w: Option<u64>) -> (Vec<u64>, u32, u32) {
        let mut state = CounterState::default();
        let (mut resets, mut jumps, mut signed) = (0, 0, Vec::new());
        for &(t, raw) in samples {
            let a = advance(&state, sample(raw, None), t, false, max_power_w);
            state = a.state;
            resets += a.resets;
            jumps += a.jumps;
            signed.push(state.produced_wh);
        }
        (signed, resets, jumps)
    }

    #[test]
    fn the_first_sample_is_a_baseline_and_increases_add_up() {
        let (signed, resets, jumps) = run(&[(0, 1_000), (300, 1_010), (600, 1_025)], None);
        assert_eq!((signed, resets, jumps), (vec![0, 10, 25], 0, 0));
    }

    #[test]
    fn a_counter_reset_never_makes_the_signed_counter_decrease() {
        // Meter restarts at 0 and counts again from there.
        let (signed, resets, _) = run(&[(0, 500), (300, 520), (600, 3), (900, 11)], None);
        assert_eq!(signed, [0, 20, 20, 28]);
        assert_eq!(resets, 1);
    }

    #[test]
    fn a_lifetime_value_restored_after_a_zero_is_not_counted_again() {
        // OpenDTU publishing 0 overnight, then the lifetime total in the morning.
        let samples = [(0, 90_000), (300, 90_100), (600, 0), (900, 0), (1_200, 90_130)];
        let (signed, resets, jumps) = run(&samples, Some(5_000));
        assert_eq!(signed, [0, 100, 100, 100, 100]);
        assert_eq!((resets, jumps), (1, 1));
        // Without a power bound the restored value would count; that is why it exists.
        let (signed, _, _) = run(&samples, None);
        assert_eq!(signed.last(), Some(&90_230));
    }

    #[test]
    fn increases_up_to_the_plausible_bound_count() {
        // 5 kW for 300 s = 416.7 Wh; with the 150 % margin 625 Wh, + 1 Wh of rounding.
        assert_eq!(plausible_wh(5_000, 300), 626);
        let (signed, _, jumps) = run(&[(0, 0), (300, 626), (600, 1_253)], Some(5_000));
        assert_eq!((signed, jumps), (vec![0, 626, 626], 1));
        // Zero or negative elapsed time counts as one second.
        assert_eq!(plausible_wh(3_600, 0), 3);
        assert_eq!(plausible_wh(3_600, -5), 3);
    }

    #[test]
    fn consumption_is_kept_for_hybrid_nodes_only() {
        let state = CounterState::default();
        let a = advance(&state, sample(10, Some(50)), 0, true, None);
        let b = advance(&a.state, sample(15, Some(80)), 60, true, None);
        assert_eq!((b.state.produced_wh, b.state.consumed_wh), (5, 30));
        let a = advance(&state, sample(10, Some(50)), 0, false, None);
        let b = advance(&a.state, sample(15, Some(80)), 60, false, None);
        assert_eq!((b.state.produced_wh, b.state.consumed_wh, b.state.raw_consumed), (5, 0, None));
    }

    #[test]
    fn sample_time_never_goes_back() {
        let a = advance(&CounterState::default(), sample(1, None), 100, false, None);
        let b = advance(&a.state, sample(2, None), 40, false, None);
        assert_eq!(b.state.sampled_at, Some(100));
    }
}
