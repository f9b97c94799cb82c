//! A deterministic solar and load profile from a seed, for demos and tests.
//!
//! The meter's lifetime counters are closed-form functions of Unix time, so any agent (or
//! test) with the same seed reads the same values at the same time, restarts included:
//! - produced: a clear-sky half sine between 06:00 and 18:00 UTC with peak `capacity_w`,
//!   scaled by a per-day cloud factor in [40 %, 100 %] drawn from the seed;
//! - consumed (hybrid nodes): a constant `load_w`.
//!
//! Integer arithmetic except one table: the day's integral per minute of daylight (720
//! entries), rounded once when the source is built.

use serde::Deserialize;

use crate::source::{MeterSample, MeterSource, SourceError};

const DAY: i64 = 86_400;
const SUNRISE: i64 = 6 * 3_600;
const DAYLIGHT: i64 = 12 * 3_600;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulatedConfig {
    pub seed: u64,
    /// Peak production, W.
    #[serde(default = "default_capacity")]
    pub capacity_w: u64,
    /// Constant consumption, W.
    #[serde(default)]
    pub load_w: u64,
    /// Multiplies simulated time, so a demo sees a day's sun in minutes (1 = real time).
    #[serde(default = "default_speedup")]
    pub speedup: u32,
    /// Added to the (sped-up) simulated time, so a demo can start in the morning.
    #[serde(default)]
    pub offset_seconds: i64,
}

fn default_capacity() -> u64 {
    5_000
}

fn default_speedup() -> u32 {
    1
}

pub struct Simulated {
    config: SimulatedConfig,
    /// Milli-fractions of the clear-sky daily energy produced by the end of each minute of
    /// daylight: `table[m] = 1e6 · (1 − cos(π·(m+1)/720)) / 2`.
    table: Vec<u64>,
}

impl Simulated {
    pub fn new(config: SimulatedConfig) -> Self {
        let table = (1..=720u32)
            .map(|m| {
                let x = std::f64::consts::PI * f64::from(m) / 720.0;
                // Off chain and only for the simulation; rounded once into the table.
                ((1.0 - x.cos()) / 2.0 * 1_000_000.0).round() as u64
            })
            .collect();
        Self { config, table }
    }

    /// Cloud factor of `day` in per-mille, 400..=1000, from the seed.
    fn cloud_per_mille(&self, day: i64) -> u64 {
        let mut x = self.config.seed ^ (day as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        // splitmix64 finaliser.
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^= x >> 31;
        400 + x % 601
    }

    /// Clear-sky energy of a whole day at `capacity_w`: ∫ sin over 12 h = 24/π h of peak.
    fn clear_day_wh(&self) -> u64 {
        // capacity · 12 h · 2/π, in Wh, integer: capacity · 24_000 / 3_141.59…
        self.config.capacity_w.saturating_mul(24_000_000) / 3_141_593
    }

    /// Lifetime produced Wh at simulated time `t` (from the Unix epoch, floored).
    pub fn produced_at(&self, t: i64) -> u64 {
        let t = t.max(0);
        let (day, into) = (t.div_euclid(DAY), t.rem_euclid(DAY));
        let clear = self.clear_day_wh();
        let mut total: u64 = 0;
        // Whole days before `day`, one term per day (days since 1970 ≈ 20k: cheap).
        for d in 0..day {
            total = total.saturating_add(clear * self.cloud_per_mille(d) / 1_000);
        }
        let minute = (into - SUNRISE).clamp(0, DAYLIGHT) / 60;
        let fraction = match usize::try_from(minute).ok().and_then(|m| m.checked_sub(1)) {
            Some(i) => self.table.get(i).copied().unwrap_or(1_000_000),
            None => 0,
        };
        let today =
            u128::from(clear) * u128::from(self.cloud_per_mille(day)) * u128::from(fraction)
                / 1_000_000_000;
        total.saturating_add(u64::try_from(today).unwrap_or(u64::MAX))
    }

    /// Lifetime consumed Wh at simulated time `t`.
    pub fn consumed_at(&self, t: i64) -> u64 {
        let wh = u128::from(self.config.load_w) * u128::from(t.max(0).unsigned_abs()) / 3_600;
        u64::try_from(wh).unwrap_or(u64::MAX)
    }

    fn simulated_time(&self, now: i64) -> i64 {
        now.saturating_mul(i64::from(self.config.speedup.max(1)))
            .saturating_add(self.config.offset_seconds)
    }
}

#[async_trait::async_trait]
impl MeterSource for Simulated {
    async fn read(&mut self, now: i64) -> Result<MeterSample, SourceError> {
        let t = self.simulated_time(now);
        Ok(MeterSample { produced_wh: self.produced_at(t), consumed_wh: Some(self.consumed_at(t)) })
    }

    fn describe(&self) -> String {
        format!(
            "simulated (seed {}, {} W peak, {} W load, ×{})",
            self.config.seed, self.config.capacity_w, self.config.load_w, self.config.speedup
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim(seed: u64) -> Simulated {
        Simulated::new(SimulatedConfig {
            seed,
            capacity_w: 5_000,
            load_w: 600,
            speedup: 1,
            offset_seconds: 0,
        })
    }

    #[test]
    fn the_same_seed_reads_the_same_and_other_seeds_differ() {
        let t = 20_000 * DAY + 13 * 3_600;
        assert_eq!(sim(7).produced_at(t), sim(7).produced_at(t));
        assert_ne!(sim(7).produced_at(t), sim(8).produced_at(t));
    }

    #[test]
    fn nights_produce_nothing_and_days_stay_under_capacity() {
        let s = sim(1);
        let day = 20_000 * DAY;
        assert_eq!(s.produced_at(day + 3 * 3_600), s.produced_at(day + 5 * 3_600));
        assert_eq!(s.produced_at(day + 19 * 3_600), s.produced_at(day + 23 * 3_600));
        let mut last = s.produced_at(day);
        for minute in 1..1_440 {
            let now = s.produced_at(day + minute * 60);
            assert!(now >= last, "never decreases");
            assert!(now - last <= 5_000 / 60 + 1, "at most capacity per minute");
            last = now;
        }
        let whole_day = s.produced_at(day + DAY) - s.produced_at(day);
        let clear = s.clear_day_wh();
        assert_eq!(clear, 38_197);
        assert!(whole_day >= clear * 400 / 1_000 && whole_day <= clear, "{whole_day}");
    }

    #[test]
    fn load_is_linear_and_speedup_scales_time() {
        let s = sim(1);
        assert_eq!(s.consumed_at(3_600), 600);
        assert_eq!(s.consumed_at(7_200), 1_200);
        let fast = Simulated::new(SimulatedConfig { speedup: 60, ..s.config.clone() });
        assert_eq!(fast.simulated_time(60), 3_600);
        let morning = Simulated::new(SimulatedConfig { offset_seconds: 7 * 3_600, ..fast.config });
        assert_eq!(morning.simulated_time(60), 8 * 3_600);
    }
}
