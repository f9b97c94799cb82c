//! Finds pairs of stored readings that prove fraud (`docs/PROTOCOL.md` §7.2) exactly as the
//! node-staking program will judge them: the pair must be attributable to the node
//! (`check_attribution`), not entirely older than its last unjailing (`check_after_unjail`),
//! and classified by `gridmint_protocol::fraud::classify` with the most lenient capacity in
//! force over the pair's window, read from the node account the program reads.
//!
//! Pure: the caller supplies the readings of one device key, that key's binding and node
//! facts, and the capacity lookup.
//!
//! **Which pairs are tried.** All pairs would be quadratic, so with the readings in canonical
//! order each reading is paired with (a) the reading just before it and (b) the earlier reading
//! that leaves the most room for a capacity violation (smallest `G = produced − rate × time`,
//! see `capacity_gauge`). Every equivocation and every counter regression in the set then
//! shows up in some pair of kind (a) (two readings with one sequence number are neighbours; a
//! counter that falls between two readings falls between two neighbours). A capacity violation
//! shows up in a pair of kind (b) whenever the capacity is the same over the set and the
//! timestamps do not decrease along the sequence (an honest clock); otherwise detection of
//! capacity violations is best effort. Every pair returned is checked with the program's rules,
//! so a returned pair always proves fraud.

use std::cmp::Ordering;

use anchor_lang::prelude::Pubkey;
use gridmint_protocol::crediting::SignedReading as StoredReading;
use gridmint_protocol::fraud::{
    self as rules, canonical_cmp, FraudKind, CAPACITY_TOLERANCE_BPS, CLOCK_SKEW_SECONDS,
};
use gridmint_protocol::messages::EnergyReading;
use gridmint_sdk::fraud::{pair_hash, SignedReading};
use gridmint_sdk::node_staking::DeviceBinding;

/// What the program checks about each reading of a pair besides its signature, for one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    /// The node-staking config address (readings must name it).
    pub deployment: [u8; 32],
    /// The key's binding: its node id and the window in which it was bound.
    pub binding: DeviceBinding,
    /// The node's last unjailing (`Node::unjailed_at`; 0 if never).
    pub unjailed_at: i64,
}

impl Subject {
    /// Whether the program attributes `reading`, signed by `signer`, to the bound node.
    fn attributes(&self, signer: &Pubkey, reading: &EnergyReading) -> bool {
        *signer == self.binding.device_key
            && reading.deployment == self.deployment
            && reading.node_id == self.binding.node_id
            && self.binding.was_bound_at(reading.timestamp)
    }
}

/// A canonical pair of readings and what it proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proof {
    pub first: SignedReading,
    pub second: SignedReading,
    pub kind: FraudKind,
}

impl Proof {
    /// The evidence hash the program records the pair under.
    pub fn evidence_hash(&self) -> [u8; 32] {
        pair_hash(&self.first, &self.second)
    }
}

/// Canonical order of proofs: by first reading, then second reading.
pub fn proof_cmp(a: &Proof, b: &Proof) -> Ordering {
    canonical_cmp(&a.first.reading, &b.first.reading)
        .then_with(|| canonical_cmp(&a.second.reading, &b.second.reading))
}

/// The provable pairs among `readings` (any order; undecodable and unattributable ones are
/// ignored, repeats count once), in canonical order without repeats. `max_energy_wp(from, to)`
/// is the most lenient rated capacity in force over `[from, to]`, in watts: pass
/// `Node::max_capacity_in_force(from, to).energy_wp` of the node account.
pub fn provable_pairs(
    readings: &[StoredReading],
    subject: &Subject,
    max_energy_wp: impl Fn(i64, i64) -> u64,
) -> Vec<Proof> {
    let mut set: Vec<SignedReading> = readings
        .iter()
        .filter_map(|stored| {
            let reading = EnergyReading::decode(&stored.message).ok()?;
            let device_key = Pubkey::new_from_array(stored.device_key);
            subject.attributes(&device_key, &reading).then_some(SignedReading {
                reading,
                device_key,
                signature: stored.signature,
            })
        })
        .collect();
    set.sort_by(|a, b| canonical_cmp(&a.reading, &b.reading));
    set.dedup_by(|later, earlier| later.reading == earlier.reading);
    let Some(span_wp) = span_capacity(&set, &max_energy_wp) else { return Vec::new() };

    let mut proofs = Vec::new();
    let mut lowest_gauge = 0; // index of the earlier reading with the smallest gauge
    for j in 1..set.len() {
        let previous = j.saturating_sub(1);
        if capacity_gauge(&set[previous].reading, span_wp)
            < capacity_gauge(&set[lowest_gauge].reading, span_wp)
        {
            lowest_gauge = previous;
        }
        for i in [previous, lowest_gauge] {
            if let Some(proof) = judge(&set[i], &set[j], subject, &max_energy_wp) {
                proofs.push(proof);
            }
        }
    }
    proofs.sort_by(proof_cmp);
    proofs.dedup_by(|later, earlier| proof_cmp(later, earlier).is_eq());
    proofs
}

/// What the program would conclude about the canonical pair `(a, b)`, if it convicts.
fn judge(
    a: &SignedReading,
    b: &SignedReading,
    subject: &Subject,
    max_energy_wp: &impl Fn(i64, i64) -> u64,
) -> Option<Proof> {
    let (x, y) = (&a.reading, &b.reading);
    // `check_after_unjail`: an incident entirely before the last unjailing was punished.
    if x.timestamp < subject.unjailed_at && y.timestamp < subject.unjailed_at {
        return None;
    }
    let (from, to) = rules::capacity_window(x, y);
    let kind = rules::classify(x, y, max_energy_wp(from, to)).ok()?;
    Some(Proof { first: *a, second: *b, kind })
}

/// The capacity over the whole set's time window (at least any pair's), for the gauge.
fn span_capacity(set: &[SignedReading], max_energy_wp: &impl Fn(i64, i64) -> u64) -> Option<u64> {
    let earliest = set.iter().map(|s| s.reading.timestamp).min()?;
    let latest = set.iter().map(|s| s.reading.timestamp).max()?;
    let skew = i64::try_from(CLOCK_SKEW_SECONDS).unwrap_or(i64::MAX);
    Some(max_energy_wp(earliest.saturating_sub(skew), latest.saturating_add(skew)))
}

/// `G = 36·10⁶ × produced − (10⁴ + tolerance) × wp × timestamp`. For a pair with a later
/// timestamp, the capacity rule convicts exactly when `G(b) − G(a)` reaches a constant (the
/// allowance is linear in the interval; `3600 × 10⁴` scales Wh against W·s in basis points),
/// so the earlier reading with the smallest `G` is the best partner. Saturating: the gauge only
/// picks candidates, `classify` decides.
fn capacity_gauge(reading: &EnergyReading, wp: u64) -> i128 {
    const WH_SCALE: i128 = 3_600 * 10_000;
    let rate = i128::from(wp)
        .saturating_mul(10_000_i128.saturating_add(i128::from(CAPACITY_TOLERANCE_BPS)));
    i128::from(reading.produced_wh)
        .saturating_mul(WH_SCALE)
        .saturating_sub(rate.saturating_mul(i128::from(reading.timestamp)))
}

#[cfg(test)]
#[path = "detect_tests.rs"]
mod tests;
