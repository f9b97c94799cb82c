//! Epoch timing and the emission schedule (PROTOCOL.md §2).
//!
//! Epoch `e` covers `[genesis + e·L, genesis + (e+1)·L)` for the epoch length `L`.
//!
//! The scheduled emission of epoch `e` is
//! `min(hard_cap, max(floor, initial × (1 − decay_bps/10⁴)^⌊e/K⌋))` where the power is taken
//! in 18-decimal fixed point by right-to-left square-and-multiply, each product rounded down
//! ([`decay_factor`]), and the final product `initial × factor / 10¹⁸` rounded down. This is
//! O(log e) — at most 64 squarings — for every epoch number and parameter set, where a
//! step-by-step decay could need hundreds of thousands of iterations for small `decay_bps`.

use crate::deployment::BPS_DENOMINATOR;

/// Fixed-point scale of [`decay_factor`]: 10¹⁸ represents 1.
pub const FACTOR_SCALE: u128 = 1_000_000_000_000_000_000;

/// The emission schedule (all amounts in base units of the reward mint).
#[derive(Clone, Copy, Debug, PartialEq, Eq, borsh::BorshSerialize, borsh::BorshDeserialize)]
pub struct EmissionSchedule {
    /// Emission of the epochs before the first decay step.
    pub initial_per_epoch: u64,
    /// Decay applied every `decay_interval_epochs`, in basis points (0 = constant).
    pub decay_bps: u16,
    /// `K`: epochs per decay step (at least 1).
    pub decay_interval_epochs: u64,
    /// Emission never decays below this (at most `initial_per_epoch`).
    pub floor_per_epoch: u64,
}

/// Why a schedule or an epoch computation is invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmissionError {
    DecayAboveDenominator,
    ZeroDecayInterval,
    FloorAboveInitial,
    ZeroEpochLength,
    /// An epoch boundary does not fit in an `i64` timestamp.
    TimeOverflow,
}

impl EmissionSchedule {
    pub fn validate(&self) -> Result<(), EmissionError> {
        if u64::from(self.decay_bps) > BPS_DENOMINATOR {
            return Err(EmissionError::DecayAboveDenominator);
        }
        if self.decay_interval_epochs == 0 {
            return Err(EmissionError::ZeroDecayInterval);
        }
        if self.floor_per_epoch > self.initial_per_epoch {
            return Err(EmissionError::FloorAboveInitial);
        }
        Ok(())
    }

    /// The decayed emission of `epoch` before the hard cap: `max(floor, ⌊initial × factor⌋)`.
    /// A schedule that fails [`EmissionSchedule::validate`] yields an error.
    pub fn scheduled(&self, epoch: u64) -> Result<u64, EmissionError> {
        self.validate()?;
        let steps = epoch
            .checked_div(self.decay_interval_epochs)
            .ok_or(EmissionError::ZeroDecayInterval)?;
        let factor = decay_factor(self.decay_bps, steps);
        let decayed = mul_scaled(u128::from(self.initial_per_epoch), factor);
        // decayed ≤ initial because factor ≤ FACTOR_SCALE, so it fits a u64.
        let decayed = u64::try_from(decayed).unwrap_or(self.initial_per_epoch);
        Ok(decayed.max(self.floor_per_epoch))
    }

    /// The emission of `epoch`: the scheduled amount, never above `hard_cap`.
    pub fn epoch_emission(&self, hard_cap: u64, epoch: u64) -> Result<u64, EmissionError> {
        Ok(self.scheduled(epoch)?.min(hard_cap))
    }
}

/// `⌊a × b / FACTOR_SCALE⌋` for `a, b ≤ FACTOR_SCALE` or `a ≤ u64::MAX, b ≤ FACTOR_SCALE`
/// (both products stay below 2¹²⁸).
fn mul_scaled(a: u128, b: u128) -> u128 {
    a.saturating_mul(b).checked_div(FACTOR_SCALE).unwrap_or(0)
}

/// `(1 − decay_bps/10⁴)^steps` in 18-decimal fixed point, rounded down at every product:
///
/// ```text
/// result = 10¹⁸; base = (10⁴ − decay_bps) × 10¹⁴
/// while steps > 0:
///     if steps is odd: result = ⌊result × base / 10¹⁸⌋
///     steps = ⌊steps / 2⌋
///     if steps > 0:    base   = ⌊base × base / 10¹⁸⌋
/// ```
/// It stops early once `result` or `base` is 0 (the factor is then 0 for good).
pub fn decay_factor(decay_bps: u16, steps: u64) -> u128 {
    let keep_bps = BPS_DENOMINATOR.saturating_sub(u64::from(decay_bps));
    // 10¹⁸ / 10⁴ = 10¹⁴ per basis point.
    let mut base = u128::from(keep_bps).saturating_mul(100_000_000_000_000);
    let mut result = FACTOR_SCALE;
    let mut n = steps;
    while n > 0 && result > 0 {
        if n & 1 == 1 {
            result = mul_scaled(result, base);
        }
        n >>= 1;
        if n > 0 {
            base = mul_scaled(base, base);
            if base == 0 {
                return 0;
            }
        }
    }
    result
}

/// Epoch timing: epoch `e` starts at `genesis + e × epoch_seconds`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EpochClock {
    pub genesis_time: i64,
    pub epoch_seconds: i64,
}

impl EpochClock {
    /// Start of `epoch` (inclusive).
    pub fn start(&self, epoch: u64) -> Result<i64, EmissionError> {
        if self.epoch_seconds <= 0 {
            return Err(EmissionError::ZeroEpochLength);
        }
        let offset = i128::from(epoch)
            .checked_mul(i128::from(self.epoch_seconds))
            .and_then(|o| o.checked_add(i128::from(self.genesis_time)))
            .ok_or(EmissionError::TimeOverflow)?;
        i64::try_from(offset).map_err(|_| EmissionError::TimeOverflow)
    }

    /// End of `epoch` (exclusive): the start of the next one.
    pub fn end(&self, epoch: u64) -> Result<i64, EmissionError> {
        self.start(epoch.checked_add(1).ok_or(EmissionError::TimeOverflow)?)
    }

    /// The epoch containing `time`, or `None` before genesis.
    pub fn epoch_at(&self, time: i64) -> Result<Option<u64>, EmissionError> {
        if self.epoch_seconds <= 0 {
            return Err(EmissionError::ZeroEpochLength);
        }
        let Some(elapsed) = time.checked_sub(self.genesis_time).filter(|e| *e >= 0) else {
            return Ok(None);
        };
        let epoch =
            elapsed.checked_div(self.epoch_seconds).ok_or(EmissionError::ZeroEpochLength)?;
        Ok(u64::try_from(epoch).ok())
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)] // test arithmetic on small known values
mod tests {
    use super::*;

    const E18: u128 = FACTOR_SCALE;

    fn schedule(initial: u64, decay_bps: u16, k: u64, floor: u64) -> EmissionSchedule {
        EmissionSchedule {
            initial_per_epoch: initial,
            decay_bps,
            decay_interval_epochs: k,
            floor_per_epoch: floor,
        }
    }

    #[test]
    fn constant_schedule_without_decay() {
        let s = schedule(1_000, 0, 1, 0);
        for epoch in [0, 1, 7, 1_000_000, u64::MAX] {
            assert_eq!(s.scheduled(epoch), Ok(1_000));
        }
    }

    #[test]
    fn decays_every_k_epochs() {
        // 10% every 4 epochs.
        let s = schedule(1_000_000, 1_000, 4, 0);
        assert_eq!(s.scheduled(0), Ok(1_000_000));
        assert_eq!(s.scheduled(3), Ok(1_000_000));
        assert_eq!(s.scheduled(4), Ok(900_000));
        assert_eq!(s.scheduled(7), Ok(900_000));
        assert_eq!(s.scheduled(8), Ok(810_000));
        assert_eq!(s.scheduled(12), Ok(729_000));
    }

    #[test]
    fn factor_matches_the_written_algorithm_on_small_cases() {
        assert_eq!(decay_factor(1_000, 0), E18);
        assert_eq!(decay_factor(1_000, 1), 900_000_000_000_000_000);
        assert_eq!(decay_factor(1_000, 2), 810_000_000_000_000_000);
        assert_eq!(decay_factor(1_000, 3), 729_000_000_000_000_000);
        assert_eq!(decay_factor(5_000, 10), E18 >> 10);
        assert_eq!(decay_factor(10_000, 1), 0);
        assert_eq!(decay_factor(10_000, u64::MAX), 0);
        assert_eq!(decay_factor(0, u64::MAX), E18);
    }

    #[test]
    fn rounding_is_down_at_each_product() {
        // 0.9999^3 = 0.999700029999 exactly; fixed point keeps 18 decimals.
        assert_eq!(decay_factor(1, 3), 999_700_029_999_000_000);
        // 1 / 3 of a unit is dropped: initial 10, factor 0.9 → 9; initial 7, 0.9 → 6.3 → 6.
        assert_eq!(schedule(7, 1_000, 1, 0).scheduled(1), Ok(6));
    }

    #[test]
    fn floor_applies_once_reached() {
        let s = schedule(1_000_000, 5_000, 1, 100_000);
        assert_eq!(s.scheduled(1), Ok(500_000));
        assert_eq!(s.scheduled(3), Ok(125_000));
        assert_eq!(s.scheduled(4), Ok(100_000));
        assert_eq!(s.scheduled(u64::MAX), Ok(100_000));
    }

    #[test]
    fn hard_cap_bounds_every_epoch() {
        let s = schedule(1_000_000, 1_000, 1, 10);
        assert_eq!(s.epoch_emission(500_000, 0), Ok(500_000));
        assert_eq!(s.epoch_emission(500_000, 10), Ok(348_678));
        assert_eq!(s.epoch_emission(0, 10), Ok(0));
    }

    #[test]
    fn large_epochs_and_amounts_do_not_overflow() {
        let s = schedule(u64::MAX, 1, 1, 0);
        assert_eq!(s.scheduled(0), Ok(u64::MAX));
        let one = s.scheduled(1).unwrap();
        assert!(one < u64::MAX && one > u64::MAX / 10_001 * 9_999);
        // 0.9999^(2^63) is 0 in 18 decimals.
        assert_eq!(s.scheduled(u64::MAX), Ok(0));
        let with_floor = schedule(u64::MAX, 1, 1, 12345);
        assert_eq!(with_floor.scheduled(u64::MAX), Ok(12_345));
        // Monotonically non-increasing over a long run of epochs.
        let s = schedule(1_000_000_000_000_000, 37, 3, 0);
        let mut prev = u64::MAX;
        for epoch in (0..200_000).step_by(997) {
            let e = s.scheduled(epoch).unwrap();
            assert!(e <= prev, "epoch {epoch}");
            prev = e;
        }
    }

    #[test]
    fn close_to_exact_power() {
        // 0.99^100 = 0.36603234127322950…; fixed point error stays below 1e-15.
        let f = decay_factor(100, 100);
        assert!((366_032_341_273_229_000..=366_032_341_273_229_600).contains(&f), "{f}");
    }

    #[test]
    fn invalid_schedules_are_rejected() {
        assert_eq!(schedule(1, 10_001, 1, 0).validate(), Err(EmissionError::DecayAboveDenominator));
        assert_eq!(schedule(1, 1, 0, 0).validate(), Err(EmissionError::ZeroDecayInterval));
        assert_eq!(schedule(1, 1, 1, 2).validate(), Err(EmissionError::FloorAboveInitial));
        assert_eq!(schedule(1, 1, 0, 0).scheduled(5), Err(EmissionError::ZeroDecayInterval));
        assert_eq!(schedule(0, 10_000, 1, 0).validate(), Ok(()));
    }

    #[test]
    fn epoch_clock_boundaries() {
        let c = EpochClock { genesis_time: 1_000, epoch_seconds: 100 };
        assert_eq!(c.start(0), Ok(1_000));
        assert_eq!(c.end(0), Ok(1_100));
        assert_eq!(c.start(5), Ok(1_500));
        assert_eq!(c.epoch_at(999), Ok(None));
        assert_eq!(c.epoch_at(1_000), Ok(Some(0)));
        assert_eq!(c.epoch_at(1_099), Ok(Some(0)));
        assert_eq!(c.epoch_at(1_100), Ok(Some(1)));
        assert_eq!(c.start(u64::MAX), Err(EmissionError::TimeOverflow));
        assert_eq!(c.end(u64::MAX), Err(EmissionError::TimeOverflow));
        assert_eq!(
            EpochClock { genesis_time: 0, epoch_seconds: 0 }.start(1),
            Err(EmissionError::ZeroEpochLength)
        );
    }
}
