//! The detector against each fraud kind, honest devices, the program's attribution rules and
//! a brute-force comparison over every pair.

use std::cell::RefCell;

use super::*;

const T0: i64 = 1_700_000_000;
const DEPLOYMENT: [u8; 32] = [5; 32];
const KEY: [u8; 32] = [9; 32];
const NODE_ID: u64 = 11;
/// Rated capacity of the test node, W: an hour allows 5,593 Wh; no time at all, 93 Wh.
const WP: u64 = 5_000;

fn subject() -> Subject {
    Subject {
        deployment: DEPLOYMENT,
        binding: DeviceBinding {
            config: Pubkey::new_from_array(DEPLOYMENT),
            device_key: Pubkey::new_from_array(KEY),
            node: Pubkey::new_from_array([3; 32]),
            node_id: NODE_ID,
            bound_at: T0 - 86_400,
            unbound_at: None,
            bump: 255,
            reserved: [0; 32],
        },
        unjailed_at: 0,
    }
}

fn reading(sequence: u64, dt: i64, produced_wh: u64) -> EnergyReading {
    EnergyReading {
        deployment: DEPLOYMENT,
        node_id: NODE_ID,
        sequence,
        timestamp: T0 + dt,
        produced_wh,
        consumed_wh: 0,
    }
}

/// Signatures are not checked here (the store holds verified readings only).
fn stored(r: EnergyReading) -> StoredReading {
    StoredReading { device_key: KEY, message: r.encode(), signature: [1; 64] }
}

fn detect(readings: &[EnergyReading]) -> Vec<(u64, u64, FraudKind)> {
    let stored: Vec<StoredReading> = readings.iter().copied().map(stored).collect();
    provable_pairs(&stored, &subject(), |_, _| WP)
        .iter()
        .map(|p| (p.first.reading.sequence, p.second.reading.sequence, p.kind))
        .collect()
}

#[test]
fn equivocation_is_found_in_canonical_order() {
    let (a, b) = (reading(5, 60, 100), reading(5, 60, 200));
    let found = detect(&[reading(4, 0, 90), b, a, reading(6, 120, 210)]);
    assert_eq!(found, vec![(5, 5, FraudKind::Equivocation)]);
    let proofs = provable_pairs(&[stored(b), stored(a)], &subject(), |_, _| WP);
    let (first, second) = if a.encode() < b.encode() { (a, b) } else { (b, a) };
    assert_eq!((proofs[0].first.reading, proofs[0].second.reading), (first, second));
    assert_eq!(proofs[0].first.device_key, Pubkey::new_from_array(KEY));
    assert_eq!(proofs[0].first.signature, [1; 64]);
}

#[test]
fn produced_and_consumed_counter_regressions_are_found() {
    let found = detect(&[reading(1, 0, 500), reading(2, 60, 499), reading(3, 120, 520)]);
    assert_eq!(found, vec![(1, 2, FraudKind::CounterRegression)]);
    let mut b = reading(2, 60, 510);
    b.consumed_wh = 0;
    let mut a = reading(1, 0, 500);
    a.consumed_wh = 7;
    assert_eq!(detect(&[a, b]), vec![(1, 2, FraudKind::CounterRegression)]);
}

#[test]
fn capacity_violation_between_neighbours_is_found() {
    // 5 kWp over an hour allows 5,593 Wh: one more is fraud.
    assert_eq!(
        detect(&[reading(1, 0, 1_000), reading(2, 3_600, 1_000 + 5_594)]),
        vec![(1, 2, FraudKind::CapacityViolation)]
    );
    assert_eq!(detect(&[reading(1, 0, 1_000), reading(2, 3_600, 1_000 + 5_593)]), vec![]);
}

#[test]
fn sustained_overproduction_is_found_although_each_step_is_within_slack() {
    // 150 Wh a minute is 9 kW, far above 5 kWp; yet each minute alone is allowed
    // (ceil(5000 × 120 × 1.1 / 3600) + 1 = 185 Wh): only a longer span convicts.
    let readings: Vec<EnergyReading> =
        (0..60).map(|i| reading(i, i64::try_from(i).expect("small") * 60, i * 150)).collect();
    let found = detect(&readings);
    assert!(!found.is_empty());
    assert!(found.iter().all(|(_, _, kind)| *kind == FraudKind::CapacityViolation));
    // The first pair in canonical order starts at the first reading.
    assert_eq!(found[0].0, 0);
}

#[test]
fn honest_devices_prove_nothing() {
    // 4 kW for a day with a flat night, produced counter never faster than capacity.
    let mut readings = Vec::new();
    let mut produced = 0;
    for i in 0..1_440u64 {
        let dt = i64::try_from(i).expect("small") * 60;
        if (360..1_080).contains(&i) {
            produced += 66; // 3.96 kW during daylight
        }
        readings.push(reading(i, dt, produced));
    }
    assert_eq!(detect(&readings), vec![]);
    // Repeats of one reading are not equivocation.
    assert_eq!(detect(&[reading(1, 0, 10), reading(1, 0, 10)]), vec![]);
    assert_eq!(detect(&[]), vec![]);
    assert_eq!(detect(&[reading(1, 0, 10)]), vec![]);
}

#[test]
fn input_order_does_not_change_the_answer() {
    let set = [
        reading(3, 120, 300),
        reading(1, 0, 100),
        reading(2, 60, 50),
        reading(2, 60, 60),
        reading(4, 180, 10_000),
    ];
    let forward = detect(&set);
    let mut reversed = set;
    reversed.reverse();
    assert_eq!(detect(&reversed), forward);
    assert_eq!(forward[0], (1, 2, FraudKind::CounterRegression));
    assert!(forward.contains(&(2, 2, FraudKind::Equivocation)));
}

#[test]
fn readings_the_program_would_not_attribute_are_ignored() {
    let s = subject();
    let a = reading(1, 0, 500);
    let fraud_with = |b: EnergyReading, device_key: [u8; 32]| {
        let b = StoredReading { device_key, ..stored(b) };
        !provable_pairs(&[stored(a), b], &s, |_, _| WP).is_empty()
    };
    assert!(fraud_with(reading(2, 60, 1), KEY));
    assert!(!fraud_with(reading(2, 60, 1), [8; 32]), "another signer");
    assert!(!fraud_with(EnergyReading { node_id: 12, ..reading(2, 60, 1) }, KEY), "node");
    assert!(!fraud_with(EnergyReading { deployment: [6; 32], ..reading(2, 60, 1) }, KEY));
    let before_binding = reading(2, -86_401, 1);
    assert!(!fraud_with(before_binding, KEY), "timestamped before the key was bound");
    let mut rotated = subject();
    rotated.binding.unbound_at = Some(T0 + 60);
    let b = reading(2, 60, 1);
    assert!(provable_pairs(&[stored(a), stored(b)], &rotated, |_, _| WP).is_empty());
    let undecodable = StoredReading { message: [0; EnergyReading::LEN], ..stored(b) };
    assert!(provable_pairs(&[stored(a), undecodable], &s, |_, _| WP).is_empty());
}

#[test]
fn pairs_entirely_before_the_last_unjailing_are_ignored() {
    let mut s = subject();
    s.unjailed_at = T0 + 100;
    let pair =
        |b: EnergyReading| provable_pairs(&[stored(reading(1, 0, 500)), stored(b)], &s, |_, _| WP);
    assert!(pair(reading(2, 99, 1)).is_empty());
    assert_eq!(pair(reading(2, 100, 1))[0].kind, FraudKind::CounterRegression);
}

#[test]
fn capacity_is_asked_for_the_pair_window() {
    let windows = RefCell::new(Vec::new());
    let (a, b) = (reading(1, 0, 0), reading(2, 3_600, 15_000));
    let proofs = provable_pairs(&[stored(a), stored(b)], &subject(), |from, to| {
        windows.borrow_mut().push((from, to));
        // 20 kWp in force somewhere in the window: 15 kWh in an hour is allowed.
        20_000
    });
    assert!(proofs.is_empty());
    assert!(windows.borrow().contains(&(T0 - 60, T0 + 3_660)));
}

/// A small deterministic generator (no extra crates): xorshift64.
struct Rng(u64);

impl Rng {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

#[test]
fn finds_fraud_whenever_some_pair_proves_it_with_constant_capacity_and_honest_clocks() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let s = subject();
    for _ in 0..400 {
        let n = 2 + rng.next(7);
        let mut set = Vec::new();
        let (mut sequence, mut dt, mut produced) = (0u64, 0i64, 0u64);
        for _ in 0..n {
            sequence += rng.next(2); // repeats make equivocations
            dt += i64::try_from(rng.next(120)).expect("small");
            produced = (produced + rng.next(200)).saturating_sub(rng.next(4) / 3 * 50);
            set.push(stored(reading(sequence, dt, produced)));
        }
        let found = provable_pairs(&set, &s, |_, _| WP);
        let brute = set.iter().enumerate().any(|(i, x)| {
            set.iter().skip(i + 1).any(|y| {
                let (x, y) = (
                    EnergyReading::decode(&x.message).unwrap(),
                    EnergyReading::decode(&y.message).unwrap(),
                );
                let (a, b) = if canonical_cmp(&x, &y).is_lt() { (x, y) } else { (y, x) };
                rules::classify(&a, &b, WP).is_ok()
            })
        });
        assert_eq!(!found.is_empty(), brute, "set {set:?}");
        for p in &found {
            assert_eq!(rules::classify(&p.first.reading, &p.second.reading, WP), Ok(p.kind));
        }
    }
}
