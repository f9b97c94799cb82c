//! What counts as provable fraud in a pair of energy readings (`docs/PROTOCOL.md` §7).
//!
//! Pure rules shared by the node-staking program (which slashes on them) and off-chain code
//! (which must never credit a reading these rules would convict, and can look for evidence).
//! Attribution (is the signer the node's device key at the readings' time?) is the program's
//! job; these functions only look at two readings that the same key signed.

use crate::messages::EnergyReading;
use core::cmp::Ordering;

/// Domain tag of an evidence hash.
pub const EVIDENCE_TAG: [u8; 8] = *b"GMEVID\0\0";

/// Relative tolerance of the capacity rule: a node may deliver up to 110 % of its rated
/// capacity (meter class accuracy, irradiance peaks above STC rating).
pub const CAPACITY_TOLERANCE_BPS: u64 = 1_000;
/// Fixed slack of the capacity rule, Wh: counter granularity (a counter that ticks in whole
/// Wh can show 1 Wh more than was produced in the interval).
pub const CAPACITY_TOLERANCE_WH: u64 = 1;
/// Seconds added to the interval between two readings before the capacity rule applies:
/// the device may latch its counter and its clock at slightly different instants, and clocks
/// tick in whole seconds. Also widens the window in which the most lenient capacity is looked
/// up, on both sides.
pub const CLOCK_SKEW_SECONDS: u64 = 60;

const SECONDS_PER_HOUR: u128 = 3_600;
const BPS: u128 = 10_000;

/// The kind of fraud a pair of readings proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum FraudKind {
    /// Two different readings with the same sequence number.
    Equivocation = 0,
    /// A later sequence number carries a smaller cumulative counter (produced or consumed).
    CounterRegression = 1,
    /// The produced counter rose faster than the node's capacity allows.
    CapacityViolation = 2,
}

/// Why a pair of readings proves nothing (or is not a well-formed pair).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairError {
    /// Both readings are byte-for-byte the same.
    IdenticalReadings,
    /// The pair is not in canonical order (see [`canonical_cmp`]); a swapped pair is refused
    /// rather than silently reordered, so one piece of evidence has one encoding.
    NotCanonicalOrder,
    /// The readings name different deployments or nodes.
    DifferentSubjects,
    /// The readings are consistent: no rule is broken.
    NoFraud,
}

impl core::fmt::Display for PairError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::IdenticalReadings => "the two readings are identical",
            Self::NotCanonicalOrder => "the readings are not in canonical order",
            Self::DifferentSubjects => "the readings name different deployments or nodes",
            Self::NoFraud => "the readings are consistent",
        })
    }
}

impl std::error::Error for PairError {}

/// Canonical order of two readings: by sequence number, then by encoded bytes. Evidence
/// must list the earlier reading first.
pub fn canonical_cmp(a: &EnergyReading, b: &EnergyReading) -> Ordering {
    a.sequence.cmp(&b.sequence).then_with(|| a.encode().cmp(&b.encode()))
}

/// The evidence hash of a pair signed by `signer`:
/// `H(EVIDENCE_TAG ‖ signer ‖ first ‖ second)` with the pair in canonical order, whatever
/// order it is given in. The same evidence therefore always has the same hash.
pub fn evidence_hash(signer: &[u8; 32], a: &EnergyReading, b: &EnergyReading) -> [u8; 32] {
    let (first, second) = match canonical_cmp(a, b) {
        Ordering::Greater => (b, a),
        Ordering::Less | Ordering::Equal => (a, b),
    };
    solana_sha256_hasher::hashv(&[&EVIDENCE_TAG, signer, &first.encode(), &second.encode()])
        .to_bytes()
}

/// Largest rise of the produced counter, in Wh, that a node whose most lenient rated
/// capacity is `energy_wp` watts can honestly show over `elapsed_seconds`:
///
/// `ceil(energy_wp × (elapsed + CLOCK_SKEW_SECONDS) × (10000 + CAPACITY_TOLERANCE_BPS)
///  / (3600 × 10000)) + CAPACITY_TOLERANCE_WH`
///
/// Rounded up and saturating: every approximation errs in the node's favour.
pub fn energy_allowance_wh(energy_wp: u64, elapsed_seconds: u64) -> u128 {
    let seconds = u128::from(elapsed_seconds).saturating_add(u128::from(CLOCK_SKEW_SECONDS));
    let numerator = u128::from(energy_wp)
        .saturating_mul(seconds)
        .saturating_mul(BPS.saturating_add(u128::from(CAPACITY_TOLERANCE_BPS)));
    // The divisor is a non-zero constant.
    numerator
        .div_ceil(SECONDS_PER_HOUR.saturating_mul(BPS))
        .saturating_add(u128::from(CAPACITY_TOLERANCE_WH))
}

/// The time window over which the capacity in force matters for a pair: from the earlier to
/// the later device timestamp, widened by [`CLOCK_SKEW_SECONDS`] on both sides.
pub fn capacity_window(a: &EnergyReading, b: &EnergyReading) -> (i64, i64) {
    let skew = i64::try_from(CLOCK_SKEW_SECONDS).unwrap_or(i64::MAX);
    let from = a.timestamp.min(b.timestamp).saturating_sub(skew);
    let to = a.timestamp.max(b.timestamp).saturating_add(skew);
    (from, to)
}

/// Decides what a canonical pair `(a, b)` of readings signed by one device key proves.
///
/// `max_energy_wp` is the most lenient rated capacity in force over
/// [`capacity_window`]`(a, b)`. Rules, first match wins:
/// 1. same sequence, different bytes → [`FraudKind::Equivocation`];
/// 2. `a.sequence < b.sequence` and `b.produced_wh < a.produced_wh` or
///    `b.consumed_wh < a.consumed_wh` → [`FraudKind::CounterRegression`];
/// 3. `b.produced_wh − a.produced_wh > energy_allowance_wh(max_energy_wp, Δt)` with
///    `Δt = max(b.timestamp − a.timestamp, 0)` → [`FraudKind::CapacityViolation`].
///
/// A later reading with an earlier timestamp is treated as `Δt = 0` (devices must keep
/// timestamps non-decreasing along the sequence; see PROTOCOL.md §6.2).
pub fn classify(
    a: &EnergyReading,
    b: &EnergyReading,
    max_energy_wp: u64,
) -> Result<FraudKind, PairError> {
    if a.deployment != b.deployment || a.node_id != b.node_id {
        return Err(PairError::DifferentSubjects);
    }
    match canonical_cmp(a, b) {
        Ordering::Equal => return Err(PairError::IdenticalReadings),
        Ordering::Greater => return Err(PairError::NotCanonicalOrder),
        Ordering::Less => {}
    }
    if a.sequence == b.sequence {
        return Ok(FraudKind::Equivocation);
    }
    if b.produced_wh < a.produced_wh || b.consumed_wh < a.consumed_wh {
        return Ok(FraudKind::CounterRegression);
    }
    // Δt = max(b.ts − a.ts, 0) exactly: the difference of two i64 fits an i128 and, when
    // positive, a u64 (a saturating i64 difference would shrink it and convict).
    let elapsed = i128::from(b.timestamp)
        .checked_sub(i128::from(a.timestamp))
        .and_then(|d| u64::try_from(d).ok())
        .unwrap_or(0);
    let rise = u128::from(b.produced_wh.saturating_sub(a.produced_wh));
    if rise > energy_allowance_wh(max_energy_wp, elapsed) {
        return Ok(FraudKind::CapacityViolation);
    }
    Err(PairError::NoFraud)
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reading(sequence: u64, timestamp: i64, produced_wh: u64) -> EnergyReading {
        EnergyReading {
            deployment: [5; 32],
            node_id: 11,
            sequence,
            timestamp,
            produced_wh,
            consumed_wh: 0,
        }
    }

    const T0: i64 = 1_700_000_000;

    #[test]
    fn allowance_examples() {
        // 5 kWp for one hour: (3600 + 60) s × 5000 W × 1.1 / 3600 = 5591.67 → 5592, + 1 Wh.
        assert_eq!(energy_allowance_wh(5_000, 3_600), 5_593);
        // No time between readings: only the skew and the fixed slack.
        // 5000 × 60 × 1.1 / 3600 = 91.67 → 92, + 1.
        assert_eq!(energy_allowance_wh(5_000, 0), 93);
        // Zero capacity: only the fixed slack.
        assert_eq!(energy_allowance_wh(0, 86_400), 1);
        // Exact division is not rounded up: 3600 W × 3540 s... chosen so the product is exact.
        // 3600 × (3540 + 60) × 11000 / 36_000_000 = 3960 exactly.
        assert_eq!(energy_allowance_wh(3_600, 3_540), 3_961);
    }

    #[test]
    fn allowance_saturates_instead_of_overflowing() {
        assert!(energy_allowance_wh(u64::MAX, u64::MAX) > u128::from(u64::MAX));
    }

    #[test]
    fn equivocation_same_sequence_different_bytes() {
        let a = reading(7, T0, 100);
        let b = reading(7, T0, 101);
        let (first, second) = if canonical_cmp(&a, &b) == Ordering::Less { (a, b) } else { (b, a) };
        assert_eq!(classify(&first, &second, 0), Ok(FraudKind::Equivocation));
        assert_eq!(classify(&second, &first, 0), Err(PairError::NotCanonicalOrder));
    }

    #[test]
    fn equivocation_even_when_only_the_timestamp_differs() {
        let a = reading(7, T0, 100);
        let b = reading(7, T0 + 1, 100);
        let (first, second) = if canonical_cmp(&a, &b) == Ordering::Less { (a, b) } else { (b, a) };
        assert_eq!(classify(&first, &second, 1_000_000), Ok(FraudKind::Equivocation));
    }

    #[test]
    fn identical_readings_prove_nothing() {
        let a = reading(7, T0, 100);
        assert_eq!(classify(&a, &a, 0), Err(PairError::IdenticalReadings));
    }

    #[test]
    fn produced_counter_regression() {
        let a = reading(1, T0, 500);
        let b = reading(2, T0 + 3_600, 499);
        assert_eq!(classify(&a, &b, 10_000), Ok(FraudKind::CounterRegression));
        assert_eq!(classify(&b, &a, 10_000), Err(PairError::NotCanonicalOrder));
    }

    #[test]
    fn consumed_counter_regression() {
        let mut a = reading(1, T0, 500);
        let mut b = reading(2, T0 + 3_600, 600);
        a.consumed_wh = 50;
        b.consumed_wh = 49;
        assert_eq!(classify(&a, &b, 10_000), Ok(FraudKind::CounterRegression));
    }

    #[test]
    fn capacity_violation_just_above_the_allowance() {
        // 5 kWp for an hour allows 5593 Wh.
        let a = reading(1, T0, 1_000);
        let ok = reading(2, T0 + 3_600, 1_000 + 5_593);
        let bad = reading(2, T0 + 3_600, 1_000 + 5_594);
        assert_eq!(classify(&a, &ok, 5_000), Err(PairError::NoFraud));
        assert_eq!(classify(&a, &bad, 5_000), Ok(FraudKind::CapacityViolation));
    }

    #[test]
    fn capacity_rule_covers_readings_with_no_time_between_them() {
        let a = reading(1, T0, 1_000);
        assert_eq!(classify(&a, &reading(2, T0, 1_093), 5_000), Err(PairError::NoFraud));
        assert_eq!(classify(&a, &reading(2, T0, 1_094), 5_000), Ok(FraudKind::CapacityViolation));
    }

    #[test]
    fn later_reading_with_earlier_timestamp_counts_as_no_time() {
        let a = reading(1, T0, 1_000);
        assert_eq!(
            classify(&a, &reading(2, T0 - 7_200, 1_094), 5_000),
            Ok(FraudKind::CapacityViolation)
        );
    }

    #[test]
    fn elapsed_time_is_not_saturated() {
        // ts from i64::MIN to i64::MAX is 2⁶⁴ − 1 s: at 1 W that allows ≈ 5.64 × 10¹⁵ Wh. A
        // saturating i64 difference (2⁶³ − 1 s, ≈ 2.82 × 10¹⁵ Wh) would convict this pair.
        let a = reading(1, i64::MIN, 0);
        let b = reading(2, i64::MAX, 4_000_000_000_000_000);
        assert_eq!(energy_allowance_wh(1, u64::MAX), 5_636_505_133_633_476);
        assert_eq!(classify(&a, &b, 1), Err(PairError::NoFraud));
    }

    #[test]
    fn honest_readings_prove_nothing() {
        let a = reading(1, T0, 1_000);
        let b = reading(2, T0 + 600, 1_500);
        assert_eq!(classify(&a, &b, 5_000), Err(PairError::NoFraud));
        // Flat counters (night) are fine too.
        assert_eq!(classify(&a, &reading(9, T0 + 36_000, 1_000), 5_000), Err(PairError::NoFraud));
    }

    #[test]
    fn readings_about_different_subjects_are_refused() {
        let a = reading(1, T0, 1_000);
        let mut b = reading(1, T0, 2_000);
        b.node_id = 12;
        assert_eq!(classify(&a, &b, 0), Err(PairError::DifferentSubjects));
        let mut c = reading(1, T0, 2_000);
        c.deployment = [6; 32];
        assert_eq!(classify(&a, &c, 0), Err(PairError::DifferentSubjects));
    }

    #[test]
    fn evidence_hash_ignores_order_but_not_content_or_signer() {
        let a = reading(1, T0, 1_000);
        let b = reading(2, T0, 9_000);
        let h = evidence_hash(&[1; 32], &a, &b);
        assert_eq!(h, evidence_hash(&[1; 32], &b, &a));
        assert_ne!(h, evidence_hash(&[2; 32], &a, &b));
        assert_ne!(h, evidence_hash(&[1; 32], &a, &reading(2, T0, 9_001)));
    }

    #[test]
    fn evidence_hash_is_sha256_of_tag_signer_and_canonical_pair() {
        let a = reading(1, T0, 1_000);
        let b = reading(2, T0, 9_000);
        let mut preimage = Vec::new();
        preimage.extend_from_slice(b"GMEVID\0\0");
        preimage.extend_from_slice(&[1; 32]);
        preimage.extend_from_slice(&a.encode());
        preimage.extend_from_slice(&b.encode());
        assert_eq!(
            evidence_hash(&[1; 32], &b, &a),
            solana_sha256_hasher::hash(&preimage).to_bytes()
        );
    }

    #[test]
    fn capacity_window_is_widened_by_the_skew() {
        let a = reading(1, T0, 0);
        let b = reading(2, T0 + 100, 0);
        assert_eq!(capacity_window(&a, &b), (T0 - 60, T0 + 160));
        assert_eq!(capacity_window(&b, &a), (T0 - 60, T0 + 160));
        let edge = reading(1, i64::MIN, 0);
        assert_eq!(capacity_window(&edge, &edge), (i64::MIN, i64::MIN + 60));
    }

    proptest! {
        /// An honest device (counter never rises faster than its capacity, timestamps
        /// non-decreasing) is never convicted, whatever pair of its readings is taken.
        #[test]
        fn honest_device_is_never_convicted(
            wp in 0u64..10_000_000,
            steps in proptest::collection::vec((0u64..100_000, 0u64..=1_000), 2..20),
            i in 0usize..20, j in 0usize..20,
        ) {
            let mut readings = Vec::new();
            let mut t = T0;
            // Energy really produced so far, in Wh × 3600 (exact); the counter shows whole Wh.
            let mut exact: u128 = 0;
            for (seq, (dt, permille)) in steps.iter().enumerate() {
                t += i64::try_from(*dt).expect("small");
                // Produce at most exactly the rated capacity during the step.
                exact += u128::from(wp) * u128::from(*dt) * u128::from(*permille) / 1_000;
                let counter = u64::try_from(exact / 3_600).expect("fits");
                readings.push(reading(u64::try_from(seq).expect("small"), t, counter));
            }
            let (i, j) = (i % readings.len(), j % readings.len());
            prop_assume!(i < j);
            let result = classify(&readings[i], &readings[j], wp);
            prop_assert_eq!(result, Err(PairError::NoFraud));
        }

        #[test]
        fn a_pair_and_its_swap_never_both_classify(
            s1 in 0u64..4, s2 in 0u64..4, p1 in 0u64..3, p2 in 0u64..3, t1 in 0i64..3, t2 in 0i64..3,
        ) {
            let a = reading(s1, T0 + t1, p1);
            let b = reading(s2, T0 + t2, p2);
            prop_assert!(!(classify(&a, &b, 0).is_ok() && classify(&b, &a, 0).is_ok()));
            prop_assert_eq!(evidence_hash(&[9; 32], &a, &b), evidence_hash(&[9; 32], &b, &a));
        }
    }
}
