//! Receipts → credited work (PROTOCOL.md §9.5).

use std::collections::{BTreeMap, BTreeSet};

use crate::crediting::inputs::{Chain, ChallengeTally, NodeInput, SignedReceipt};
use crate::crediting::{sat64, InputKind, RejectReason, RejectedInput};
use crate::fraud::energy_allowance_wh;
use crate::merkle::Hash32;
use crate::messages::WorkReceipt;

/// Most work units one receipt may claim for a job of `seconds` on a node rated
/// `units_per_hour`: the §7.2 allowance formula with work units in place of Wh,
/// `⌈rate × (seconds + 60) × 11000 / (3600 × 10000)⌉ + 1`.
pub fn receipt_allowance(units_per_hour: u64, seconds: u64) -> u128 {
    energy_allowance_wh(units_per_hour, seconds)
}

/// `credit × passed / (issued − void)`, rounded down; 1 (credit unchanged) when nothing
/// countable was issued. `passed` above `issued − void` counts as `issued − void`.
pub fn apply_challenge_rate(credit: u128, tally: &ChallengeTally) -> u128 {
    let counted = tally.issued.saturating_sub(tally.void);
    if tally.issued == 0 || counted == 0 {
        return credit;
    }
    let passed = tally.passed.min(counted);
    credit.saturating_mul(u128::from(passed)).checked_div(u128::from(counted)).unwrap_or(credit)
}

/// One valid receipt of a node, as the explanation lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReceiptCredit {
    pub id: Hash32,
    pub requester: [u8; 32],
    pub job_id: u64,
    pub work_units: u64,
    /// `None`: counted. `DuplicateJob`: voided by another receipt of the same job.
    /// `DuplicateMessage`: the same message under another device key (smaller identity)
    /// counted.
    pub not_credited: Option<RejectReason>,
}

/// A node's work for the epoch, with every step of the computation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeWork {
    /// Valid receipts of the node, by identity.
    pub receipts: Vec<ReceiptCredit>,
    /// Σ work units of the counted receipts.
    pub sum_units: u64,
    /// `⌊capacity(e).compute_units_per_hour × L / 3600⌋`.
    pub capacity_cap: u64,
    /// `⌊stake(e) × work_per_staked_token / 10^stake_decimals⌋`.
    pub stake_cap: u64,
    /// `min(sum, capacity cap, stake cap)`.
    pub capped_units: u64,
    /// After the challenge pass rate: the manifest's `work_units`.
    pub credited_units: u64,
}

/// Receipts grouped by node, with the identities each node's entry commits to.
pub(crate) struct WorkResult {
    pub nodes: BTreeMap<[u8; 32], (NodeWork, Vec<Hash32>)>,
    pub rejected: Vec<RejectedInput>,
}

/// Applies §9.5 to every receipt. Caps need the node's stake and epoch length.
pub(crate) fn credit_work(chain: &Chain<'_>, stake_cap: &dyn Fn(&NodeInput) -> u128) -> WorkResult {
    let mut rejected = Vec::new();
    // Decodable receipts that finished in the epoch, with their identity.
    let mut in_epoch: Vec<(Hash32, &SignedReceipt, WorkReceipt)> = Vec::new();
    for signed in &chain.inputs.receipts {
        let id = signed.identity();
        match WorkReceipt::decode(&signed.message) {
            Err(_) => rejected.push(RejectedInput {
                id,
                input: InputKind::Receipt,
                node_id: None,
                reason: RejectReason::MalformedMessage,
            }),
            Ok(r) if chain.in_epoch(r.finished_at) => in_epoch.push((id, signed, r)),
            Ok(_) => {}
        }
    }
    in_epoch.sort_by_key(|r| r.0);
    in_epoch.dedup_by(|a, b| a.0 == b.0);
    // Two different messages for one (requester, job id) void each other, whatever else is
    // wrong with them, if both name this deployment: both then carry the requester's
    // (checked) signature for this deployment. A receipt of another deployment voids nothing.
    let voids = |r: &WorkReceipt| r.deployment == chain.inputs.deployment;
    let mut jobs: BTreeMap<([u8; 32], u64), BTreeSet<[u8; WorkReceipt::LEN]>> = BTreeMap::new();
    for (_, signed, r) in in_epoch.iter().filter(|x| voids(&x.2)) {
        jobs.entry((r.requester, r.job_id)).or_default().insert(signed.message);
    }
    let voided = |r: &WorkReceipt| jobs.get(&(r.requester, r.job_id)).is_some_and(|m| m.len() > 1);

    let mut nodes: BTreeMap<[u8; 32], (NodeWork, Vec<Hash32>)> = BTreeMap::new();
    let mut counted_messages: BTreeSet<[u8; WorkReceipt::LEN]> = BTreeSet::new();
    let mut void_jobs: BTreeMap<[u8; 32], BTreeSet<([u8; 32], u64)>> = BTreeMap::new();
    for (id, signed, r) in &in_epoch {
        let node = match chain.check_receipt(r, &signed.device_key) {
            Ok(node) => node,
            Err(reason) => {
                rejected.push(RejectedInput {
                    id: *id,
                    input: InputKind::Receipt,
                    node_id: Some(r.node_id),
                    reason,
                });
                continue;
            }
        };
        let entry = nodes.entry(node.node).or_default();
        let not_credited = if voided(r) {
            void_jobs.entry(node.node).or_default().insert((r.requester, r.job_id));
            Some(RejectReason::DuplicateJob)
        } else if !counted_messages.insert(signed.message) {
            // Identities are visited in increasing order: the smallest copy counts.
            Some(RejectReason::DuplicateMessage)
        } else {
            entry.0.sum_units = entry.0.sum_units.saturating_add(r.work_units);
            None
        };
        entry.0.receipts.push(ReceiptCredit {
            id: *id,
            requester: r.requester,
            job_id: r.job_id,
            work_units: r.work_units,
            not_credited,
        });
        entry.1.push(*id);
    }
    let epoch_seconds = u128::try_from(chain.end.saturating_sub(chain.start)).unwrap_or(0);
    for (key, (work, considered)) in nodes.iter_mut() {
        // The receipts that voided this node's receipts are committed with them.
        for (id, _, r) in in_epoch.iter().filter(|x| voids(&x.2)) {
            if void_jobs.get(key).is_some_and(|j| j.contains(&(r.requester, r.job_id))) {
                considered.push(*id);
            }
        }
        let Some(node) = chain.nodes.get(key) else { continue };
        let capacity_cap = u128::from(node.view.capacity.compute_units_per_hour)
            .saturating_mul(epoch_seconds)
            .checked_div(3_600)
            .unwrap_or(0);
        let stake = stake_cap(node);
        let capped = u128::from(work.sum_units).min(capacity_cap).min(stake);
        work.capacity_cap = sat64(capacity_cap);
        work.stake_cap = sat64(stake);
        work.capped_units = sat64(capped);
        work.credited_units = sat64(apply_challenge_rate(capped, &node.challenges));
    }
    WorkResult { nodes, rejected }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_rate_is_one_without_countable_challenges() {
        let t = |issued, passed, void| ChallengeTally { issued, passed, void };
        assert_eq!(apply_challenge_rate(1_000, &t(0, 0, 0)), 1_000);
        assert_eq!(apply_challenge_rate(1_000, &t(4, 0, 4)), 1_000);
        // 2 of (5 − 1) passed: half, rounded down.
        assert_eq!(apply_challenge_rate(1_001, &t(5, 2, 1)), 500);
        // More passes than countable challenges count as all passed.
        assert_eq!(apply_challenge_rate(1_000, &t(3, 9, 0)), 1_000);
        assert_eq!(apply_challenge_rate(1_000, &t(3, 0, 0)), 0);
    }

    #[test]
    fn receipt_allowance_is_the_energy_formula() {
        // 1,000 units/h for one hour: ⌈1000 × 3660 × 1.1 / 3600⌉ + 1 = 1,120.
        assert_eq!(receipt_allowance(1_000, 3_600), 1_120);
        assert_eq!(receipt_allowance(0, 3_600), 1);
    }
}
