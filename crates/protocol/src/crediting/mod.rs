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
pub mod fed;
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
use crate::rewards::{RewardError, RewardParams};

pub use eligibility::{NodeCredit, NodeEnergy};
pub use energy::{BindingEnergy, BoundaryReading, Zeroing};
pub use fed::{credit_epoch_fed, EpochCrediting};
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
    /// Readings fed out of device-key order: this key's came after a later key's, or mixed
    /// with another key's ([`EpochCrediting::add_device`]).
    DeviceKeysOutOfOrder([u8; 32]),
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

/// `min(x, 2⁶⁴ − 1)`: every cap is computed exactly in 128 bits, then saturated.
pub(crate) fn sat64(x: u128) -> u64 {
    u64::try_from(x).unwrap_or(u64::MAX)
}

/// Applies every crediting rule of §9 to one epoch's inputs: [`fed::EpochCrediting`] fed
/// `inputs.readings` grouped by device key.
pub fn credit_epoch(inputs: &EpochInputs) -> Result<EpochCredit, CreditError> {
    fed::credit_epoch_fed(inputs, |crediting| crediting.add_all(&inputs.readings))
}
