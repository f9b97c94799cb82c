//! Crediting rules (PROTOCOL.md §9): how signed readings and receipts become one epoch's
//! manifest entries, as pure, integer-only functions of the *set* of valid inputs.
//!
//! The oracle gathers [`EpochInputs`] (stored signed messages whose signatures it checked
//! with `verify_strict` at ingest, chain data, the node views of §8) and calls
//! [`credit_epoch`]; [`manifest::build_manifest`] turns the result into the manifest of §5.
//! Nothing here reads a clock, depends on input order or iterates a hash map: every list is
//! sorted by a stated key, and repeated inputs count once.
//!
//! Signatures are checked *before* crediting ([`signatures`], feature `signing`): the
//! oracle verifies each message once when it arrives and stores only those that pass, so
//! re-crediting an epoch never repeats millions of Ed25519 verifications, and the rules
//! below stay SBF-safe. Feeding unverified inputs to [`credit_epoch`] would credit forgeries.

pub mod corrections;
pub mod eligibility;
pub mod energy;
pub mod green;
pub mod header;
pub mod inputs;
pub mod kernel;
pub mod manifest;
pub mod root;
#[cfg(any(feature = "signing", test))]
pub mod signatures;
pub mod work;

#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod vectors;

use crate::emission::EmissionError;
use crate::merkle::Hash32;
use crate::rewards::{RewardError, RewardParams, MAX_STAKE_DECIMALS};

pub use eligibility::{NodeCredit, NodeEnergy};
pub use energy::{BindingEnergy, BoundaryReading, Zeroing};
pub use green::{GreenBucket, NodeGreen};
pub use inputs::{
    canonical_readings, canonical_receipts, BindingInput, ChallengeTally, EpochInputs, NodeInput,
    NodeKind, RequesterEntry, SignedReading, SignedReceipt,
};
pub use work::{NodeWork, ReceiptCredit};

/// Why an input is not credited. Codes below 32 make an input *invalid* (it is not
/// committed by `inputs_root`, except a receipt that voided a listed node's receipt, §9.8);
/// codes from 32 on concern valid inputs or whole nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum RejectReason {
    /// Wrong tag or version.
    MalformedMessage = 1,
    /// The device signature fails `verify_strict`.
    BadSignature = 2,
    /// The requester signature fails `verify_strict`.
    BadRequesterSignature = 3,
    /// The message names another deployment.
    WrongDeployment = 4,
    /// No binding for the device key.
    UnknownDeviceKey = 5,
    /// The key's binding names another node id.
    BindingNodeMismatch = 6,
    /// The binding's node is not among the node inputs.
    UnknownNode = 7,
    /// Reading timestamped outside the binding's window.
    NotBound = 8,
    /// `consumed_wh ≠ 0` from a node that is not hybrid.
    ConsumedOnNonHybrid = 9,
    /// `finished_at < started_at`.
    FinishedBeforeStart = 10,
    /// The device key was not bound at `started_at`.
    NotBoundAtStart = 11,
    /// The device key was not bound at `finished_at`.
    NotBoundAtFinish = 12,
    /// The requester is not registered for the epoch.
    RequesterNotRegistered = 13,
    /// The requester is the node's operator, recipient or one of its device keys.
    SelfDealing = 14,
    /// More work than the node's capacity allows for the job's duration.
    ExceedsCapacity = 15,
    /// Two different receipts for one `(requester, job_id)`: both void.
    DuplicateJob = 32,
    /// The same receipt bytes under another device key of the node counted.
    DuplicateMessage = 33,
    /// Binding zeroed: two readings with one sequence number.
    Equivocation = 34,
    /// Binding zeroed: a counter decreased along the sequence.
    CounterRegression = 35,
    /// Binding zeroed: two readings in the epoch rose faster than `capacity(e)` allows.
    CapacityViolation = 36,
    /// Binding zeroed: a timestamp decreased along the sequence.
    DecreasingTimestamps = 37,
    /// Node not listed: `stake(e) < min_stake(kind, e)`.
    StakeBelowMinimum = 38,
    /// Node not listed: no credited work or energy.
    NothingCredited = 39,
    /// Node removed by the epoch's correction document.
    Excluded = 40,
}

/// Which kind of input a [`RejectedInput`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum InputKind {
    Reading,
    Receipt,
}

/// An invalid input and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RejectedInput {
    pub id: Hash32,
    pub input: InputKind,
    /// The node id the message names, when it decodes.
    pub node_id: Option<u64>,
    pub reason: RejectReason,
}

/// Inputs that contradict themselves or the parameters: an oracle bug, never data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreditError {
    Params(RewardError),
    /// The epoch's bounds do not fit the clock's arithmetic.
    Clock(EmissionError),
    /// `L` is not in `(0, MAX_EPOCH_SECONDS]` (the bound both programs enforce).
    EpochLengthOutOfRange,
    /// `G < 0`: before the Unix epoch, never set by the programs (genesis ≥ initialisation).
    GenesisBeforeUnixEpoch,
    /// Two different node inputs with this address (or node id).
    ConflictingNode([u8; 32]),
    /// Two different binding inputs for this device key.
    ConflictingBinding([u8; 32]),
    /// The manifest header does not describe the credited epoch.
    HeaderMismatch,
}

/// Everything [`credit_epoch`] decided, for the manifest and for explanations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochCredit {
    pub epoch: u64,
    pub epoch_start: i64,
    pub epoch_end: i64,
    pub params: RewardParams,
    pub stake_decimals: u8,
    /// Every node input, by node address.
    pub nodes: Vec<NodeCredit>,
    /// Invalid inputs, by identity.
    pub rejected: Vec<RejectedInput>,
    /// Identities of the valid inputs considered for the eligible nodes, strictly increasing:
    /// the leaves of `inputs_root`.
    pub considered: Vec<Hash32>,
    pub inputs_root: Hash32,
}

/// A device key and its distinct valid readings, ordered by sequence, then message bytes.
pub(crate) type BindingReadings<'a> = ([u8; 32], &'a [energy::Reading<'a>]);

/// `min(x, 2⁶⁴ − 1)`: every cap is computed exactly in 128 bits, then saturated.
pub(crate) fn sat64(x: u128) -> u64 {
    u64::try_from(x).unwrap_or(u64::MAX)
}

/// Applies every crediting rule of §9 to one epoch's inputs.
pub fn credit_epoch(inputs: &EpochInputs) -> Result<EpochCredit, CreditError> {
    inputs.params.validate().map_err(CreditError::Params)?;
    // A bad clock is an oracle bug: refuse it by name rather than let it read as "before
    // genesis" or as an empty epoch.
    let clock = inputs.clock;
    if clock.epoch_seconds <= 0 || clock.epoch_seconds > crate::limits::MAX_EPOCH_SECONDS {
        return Err(CreditError::EpochLengthOutOfRange);
    }
    if clock.genesis_time < 0 {
        return Err(CreditError::GenesisBeforeUnixEpoch);
    }
    if inputs.stake_decimals > MAX_STAKE_DECIMALS {
        return Err(CreditError::Params(RewardError::StakeDecimalsTooLarge));
    }
    let chain = inputs::Chain::new(inputs)?;
    // stake_decimals ≤ 19, so the power fits.
    let token = 10u128.checked_pow(u32::from(inputs.stake_decimals)).unwrap_or(1);
    let stake_cap = |node: &NodeInput, per_token: u64| -> u128 {
        u128::from(node.view.stake)
            .saturating_mul(u128::from(per_token))
            .checked_div(token)
            .unwrap_or(0)
    };

    // Valid readings, per binding, one per identity, in (sequence, bytes) order: sorted and
    // grouped, not mapped (a map per device key costs kilobytes at a million keys). Copies
    // with equal key, sequence and bytes are the same input (equal identity).
    let mut rejected = Vec::new();
    let mut valid: Vec<([u8; 32], energy::Reading<'_>)> = Vec::with_capacity(inputs.readings.len());
    for signed in &inputs.readings {
        let id = signed.identity();
        match chain.check_reading(signed) {
            Ok((reading, _)) => valid.push((
                signed.device_key,
                energy::Reading { id, message: &signed.message, reading },
            )),
            Err(reason) => rejected.push(RejectedInput {
                id,
                input: InputKind::Reading,
                node_id: crate::messages::EnergyReading::decode(&signed.message)
                    .ok()
                    .map(|r| r.node_id),
                reason,
            }),
        }
    }
    let order = |a: &([u8; 32], energy::Reading<'_>), b: &([u8; 32], energy::Reading<'_>)| {
        a.0.cmp(&b.0)
            .then(a.1.reading.sequence.cmp(&b.1.reading.sequence))
            .then_with(|| a.1.message.cmp(b.1.message))
    };
    valid.sort_unstable_by(order);
    valid.dedup_by(|a, b| order(a, b).is_eq());
    // Each bound key's run of readings, tagged with its binding's node, then stably sorted
    // by node: a node's bindings are one slice, in key order. (Sorting one list, not a map
    // of lists: a small list per node costs hundreds of bytes at a million nodes.)
    let mut runs: Vec<([u8; 32], [u8; 32], usize, usize)> = Vec::new(); // (node, key, from, to)
    let mut from = 0;
    while let Some((key, _)) = valid.get(from) {
        let len =
            valid.get(from..).unwrap_or_default().iter().take_while(|(k, _)| k == key).count();
        let to = from.saturating_add(len);
        if let Some(binding) = chain.bindings.get(key) {
            runs.push((binding.node, *key, from, to));
        }
        from = to;
    }
    runs.sort_by_key(|run| run.0);
    let valid: Vec<energy::Reading<'_>> = valid.into_iter().map(|(_, reading)| reading).collect();
    let run_nodes: Vec<[u8; 32]> = runs.iter().map(|(node, ..)| *node).collect();
    let by_node: Vec<BindingReadings> = runs
        .iter()
        .map(|(_, key, from, to)| (*key, valid.get(*from..*to).unwrap_or_default()))
        .collect();
    drop(runs);

    let mut work =
        work::credit_work(&chain, &|n| stake_cap(n, inputs.params.work_per_staked_token));
    rejected.append(&mut work.rejected);
    let mut nodes = Vec::with_capacity(chain.nodes.len());
    // At most every valid input once: sized up front rather than grown by copying.
    let mut considered = Vec::with_capacity(valid.len().saturating_add(inputs.receipts.len()));
    // `run_nodes` and `chain.nodes` are both sorted by node: one linear walk (a binary
    // search per node costs a cache miss per step over millions of entries).
    let mut next_run = 0;
    for (key, node) in &chain.nodes {
        let skipped = run_nodes.get(next_run..).unwrap_or_default().iter().take_while(|n| *n < key);
        let first = next_run.saturating_add(skipped.count());
        let len = run_nodes.get(first..).unwrap_or_default().iter().take_while(|n| *n == key);
        next_run = first.saturating_add(len.count());
        let bindings = by_node.get(first..next_run).unwrap_or_default();
        let (node_work, work_ids) = work.nodes.remove(key).unwrap_or_default();
        let (credit, mut ids) = eligibility::node_credit(
            &chain,
            node,
            bindings,
            node_work,
            stake_cap(node, inputs.params.wh_per_staked_token),
        );
        if credit.not_listed.is_none() {
            considered.append(&mut ids);
            considered.extend(work_ids);
        }
        nodes.push(credit);
    }
    rejected.sort();
    rejected.dedup();
    considered.sort_unstable();
    considered.dedup();
    Ok(EpochCredit {
        epoch: inputs.epoch,
        epoch_start: chain.start,
        epoch_end: chain.end,
        params: inputs.params,
        stake_decimals: inputs.stake_decimals,
        inputs_root: root::inputs_root(&considered),
        nodes,
        rejected,
        considered,
    })
}
