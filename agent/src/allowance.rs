//! Keeping every pair of signed readings inside the fraud rules' capacity allowance.
//!
//! PROTOCOL.md's rule 3 (`gridmint_protocol::fraud::classify`) convicts a device key if,
//! for ANY two of its readings `a` before `b`, the produced counter rose by more than
//! `energy_allowance_wh(wp, Δt) = ceil(wp·(Δt + 60)·1.1 / 3600) + 1`. Checking each new
//! reading against only the previous one is not enough: the allowance has a constant term,
//! so steps that each fit can add up to a window that does not. A meter that overstates
//! (a miswired CT, a counter glitch) must never get its honest operator slashed, so the
//! agent caps each new counter against every earlier reading at once:
//!
//! with `K = 3600·10⁴` and `r = wp·(10⁴ + 1000)`, the rule for the pair `(a, new)` holds
//! if `K·P_new ≤ K·P_a − r·t_a + r·(t_new + 60) + K`. Keeping `F = min_a (K·P_a − r·t_a)`
//! over all signed readings, `P_new ≤ ⌊(F + r·(t_new + 60) + K) / K⌋` satisfies every pair
//! (the rule rounds up, this rounds down). The cap is never below the last signed value
//! (shown in the tests), so counters still never decrease. Energy above the cap is dropped.

use gridmint_protocol::fraud::{CAPACITY_TOLERANCE_BPS, CAPACITY_TOLERANCE_WH, CLOCK_SKEW_SECONDS};

const BPS: i128 = 10_000;
const K: i128 = 3_600 * BPS;

/// `F` for capacity `wp`: the running minimum of `K·P − r·t` over signed readings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Floor {
    pub capacity_wp: u64,
    pub value: i128,
}

fn rate(wp: u64) -> i128 {
    i128::from(wp) * (BPS + i128::from(CAPACITY_TOLERANCE_BPS))
}

impl Floor {
    /// The floor after a reading `(produced, timestamp)`; starts from that reading alone when
    /// there is no floor yet or it was kept for another capacity.
    pub fn after(floor: Option<Floor>, capacity_wp: u64, produced: u64, timestamp: i64) -> Floor {
        let here = K * i128::from(produced) - rate(capacity_wp) * i128::from(timestamp);
        let value = match floor {
            Some(f) if f.capacity_wp == capacity_wp => f.value.min(here),
            _ => here,
        };
        Floor { capacity_wp, value }
    }

    /// The highest produced counter a reading at `timestamp` may sign.
    pub fn cap(&self, timestamp: i64) -> u64 {
        let skew = i128::from(CLOCK_SKEW_SECONDS);
        let slack = i128::from(CAPACITY_TOLERANCE_WH) * K;
        let top = self.value + rate(self.capacity_wp) * (i128::from(timestamp) + skew) + slack;
        u64::try_from(top.div_euclid(K).max(0)).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridmint_protocol::fraud::{classify, FraudKind};
    use gridmint_protocol::messages::EnergyReading;
    use rand::{Rng, SeedableRng};

    /// Signs a series of meter values through the cap; answers the signed readings.
    fn sign_series(wp: u64, steps: &[(i64, u64)]) -> Vec<EnergyReading> {
        let (mut floor, mut signed, mut last) = (None::<Floor>, Vec::new(), 0u64);
        for (i, &(t, wanted)) in steps.iter().enumerate() {
            let produced = match floor {
                Some(f) => wanted.max(last).min(f.cap(t)).max(last),
                None => wanted,
            };
            assert!(produced >= last, "never decreases");
            last = produced;
            floor = Some(Floor::after(floor, wp, produced, t));
            signed.push(EnergyReading {
                deployment: [0; 32],
                node_id: 1,
                sequence: i as u64 + 1,
                timestamp: t,
                produced_wh: produced,
                consumed_wh: 0,
            });
        }
        signed
    }

    #[test]
    fn no_pair_of_signed_readings_is_ever_fraud_whatever_the_meter_says() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..200 {
            let wp = rng.gen_range(1..20_000u64);
            let (mut t, mut meter) = (1_700_000_000i64, 0u64);
            let steps: Vec<(i64, u64)> = (0..40)
                .map(|_| {
                    t += rng.gen_range(0..900);
                    // Honest, overstated and wildly overstated meters alike.
                    let overstatement = rng.gen_range(0..4);
                    meter += rng.gen_range(0..=wp * overstatement / 3 + 5);
                    (t, meter)
                })
                .collect();
            let signed = sign_series(wp, &steps);
            for (i, a) in signed.iter().enumerate() {
                for b in &signed[i + 1..] {
                    assert!(
                        classify(a, b, wp).is_err(),
                        "{:?} for {a:?} {b:?} at {wp} Wp",
                        classify(a, b, wp)
                    );
                }
            }
        }
    }

    #[test]
    fn an_honest_meter_below_capacity_is_never_capped() {
        // 5 kWp producing at 100 % for 5-minute steps: 416.7 Wh per step.
        let steps: Vec<(i64, u64)> =
            (0..100).map(|i| (i * 300, (i as u64) * 5_000 * 300 / 3_600)).collect();
        let signed = sign_series(5_000, &steps);
        let got: Vec<u64> = signed.iter().map(|r| r.produced_wh).collect();
        let wanted: Vec<u64> = steps.iter().map(|s| s.1).collect();
        assert_eq!(got, wanted);
    }

    #[test]
    fn the_cap_matches_the_rule_at_its_edge() {
        let f = Floor::after(None, 3_600, 0, 0);
        // allowance(3600 Wp, 0 s) = ceil(3600·60·1.1/3600) + 1 = 67 Wh.
        assert_eq!(f.cap(0), 67);
        let a = EnergyReading {
            deployment: [0; 32],
            node_id: 1,
            sequence: 1,
            timestamp: 0,
            produced_wh: 0,
            consumed_wh: 0,
        };
        let ok = EnergyReading { sequence: 2, produced_wh: 67, ..a };
        let over = EnergyReading { sequence: 2, produced_wh: 68, ..a };
        assert!(classify(&a, &ok, 3_600).is_err());
        assert_eq!(classify(&a, &over, 3_600), Ok(FraudKind::CapacityViolation));
        // Another capacity restarts the floor from the reading itself.
        let g = Floor::after(Some(f), 7_200, 10, 100);
        assert_eq!(g, Floor { capacity_wp: 7_200, value: K * 10 - rate(7_200) * 100 });
    }
}
