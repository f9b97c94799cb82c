//! What the oracle gathers for one epoch (PROTOCOL.md §9.1) and the per-input validity
//! rules (§9.2, §9.5) that need chain data but no other input.
//!
//! Signed messages are kept as the exact bytes that were signed, with their signatures.
//! An input's identity hashes the device key and the message but **no signature**: a key
//! holder can sign the same bytes again (fresh nonce) at will, and each copy must not become
//! a new input that moves `inputs_root` or splits the oracles' votes.

use std::collections::BTreeMap;

use borsh::{BorshDeserialize, BorshSerialize};
use solana_sha256_hasher::hashv;

use crate::crediting::{CreditError, RejectReason};
use crate::emission::EpochClock;
use crate::merkle::Hash32;
use crate::messages::{EnergyReading, WorkReceipt};
use crate::rewards::RewardParams;
use crate::views::NodeEpochView;

/// What a node provides (node-staking's `NodeKind`; the discriminant indexes `min_stake`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum NodeKind {
    Compute = 0,
    Energy = 1,
    Hybrid = 2,
}

impl NodeKind {
    /// Index into per-kind tables such as [`EpochInputs::min_stake`].
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// Challenge counts of a node for the epoch. Reserved: always zero until the challenge
/// protocol defines them (issued = 0 means a pass rate of 1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChallengeTally {
    pub issued: u32,
    pub passed: u32,
    pub void: u32,
}

/// One node account of the deployment, with its view for the epoch (§8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeInput {
    /// The `Node` account address.
    pub node: [u8; 32],
    pub node_id: u64,
    pub kind: NodeKind,
    pub operator: [u8; 32],
    /// `stake(e)`, `recipient(e)`, `capacity(e)`.
    pub view: NodeEpochView,
    pub challenges: ChallengeTally,
}

/// One `DeviceBinding` account (there is one per device key ever; never closed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BindingInput {
    pub device_key: [u8; 32],
    /// The `Node` account address the key was bound to.
    pub node: [u8; 32],
    pub node_id: u64,
    pub bound_at: i64,
    /// `None` while bound.
    pub unbound_at: Option<i64>,
}

impl BindingInput {
    /// `bound_at ≤ ts < unbound_at` (node-staking's `was_bound_at`).
    pub fn was_bound_at(&self, ts: i64) -> bool {
        self.bound_at <= ts && self.unbound_at.is_none_or(|end| ts < end)
    }
}

/// One entry of the requester registry: the key may sign receipts for epochs
/// `first_epoch ≤ e < retired_epoch` (`None`: not retired).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequesterEntry {
    pub key: [u8; 32],
    pub first_epoch: u64,
    pub retired_epoch: Option<u64>,
}

impl RequesterEntry {
    pub fn registered_for(&self, epoch: u64) -> bool {
        self.first_epoch <= epoch && self.retired_epoch.is_none_or(|r| epoch < r)
    }
}

/// Domain of a reading's identity (12 bytes).
pub const READING_ID_DOMAIN: &[u8] = b"GMID-READING";
/// Domain of a receipt's identity (12 bytes).
pub const RECEIPT_ID_DOMAIN: &[u8] = b"GMID-RECEIPT";

/// An energy reading as received: the signed bytes, the device key and its signature
/// (Borsh: the 177-byte concatenation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, BorshSerialize, BorshDeserialize)]
pub struct SignedReading {
    pub device_key: [u8; 32],
    pub message: [u8; EnergyReading::LEN],
    pub signature: [u8; 64],
}

impl SignedReading {
    /// `H("GMID-READING" ‖ device_key ‖ message)` (125 bytes hashed; no signature).
    pub fn identity(&self) -> Hash32 {
        hashv(&[READING_ID_DOMAIN, &self.device_key, &self.message]).to_bytes()
    }
}

/// A work receipt as received: the signed bytes and both signatures (device, requester)
/// (Borsh: the 305-byte concatenation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, BorshSerialize, BorshDeserialize)]
pub struct SignedReceipt {
    pub device_key: [u8; 32],
    pub message: [u8; WorkReceipt::LEN],
    pub device_signature: [u8; 64],
    pub requester_signature: [u8; 64],
}

impl SignedReceipt {
    /// `H("GMID-RECEIPT" ‖ device_key ‖ message)` (189 bytes hashed; no signature).
    pub fn identity(&self) -> Hash32 {
        hashv(&[RECEIPT_ID_DOMAIN, &self.device_key, &self.message]).to_bytes()
    }
}

/// One copy per identity, sorted by identity's fields: of several copies with the same
/// device key and message, the one with the lexicographically smallest signature bytes
/// (receipts: device signature, then requester signature) is kept, so every archive of the
/// same inputs holds the same bytes.
pub fn canonical_readings(readings: &mut Vec<SignedReading>) {
    // The derived order is (device_key, message, signature): the first copy is the smallest.
    readings.sort_unstable();
    readings.dedup_by(|later, kept| {
        later.device_key == kept.device_key && later.message == kept.message
    });
}

/// [`canonical_readings`] for receipts.
pub fn canonical_receipts(receipts: &mut Vec<SignedReceipt>) {
    receipts.sort_unstable();
    receipts.dedup_by(|later, kept| {
        later.device_key == kept.device_key && later.message == kept.message
    });
}

/// Everything the crediting rules read for one epoch. Order of every list is irrelevant
/// and repeated items count once; the signatures must already have passed `verify_strict`
/// (see [`crate::crediting::signatures`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochInputs {
    /// The deployment id (node-staking config address) readings and receipts must name.
    pub deployment: [u8; 32],
    pub clock: EpochClock,
    pub epoch: u64,
    /// `params_for(e)` from the rewards config.
    pub params: RewardParams,
    pub stake_decimals: u8,
    /// `min_stake(kind, e)`, indexed by [`NodeKind::index`].
    pub min_stake: [u64; 3],
    pub nodes: Vec<NodeInput>,
    /// Every binding naming a node in `nodes` (any binding may be given; others are unused).
    pub bindings: Vec<BindingInput>,
    pub requesters: Vec<RequesterEntry>,
    pub readings: Vec<SignedReading>,
    pub receipts: Vec<SignedReceipt>,
}

/// The chain data indexed by key, checked for contradictions.
pub(crate) struct Chain<'a> {
    pub inputs: &'a EpochInputs,
    pub start: i64,
    pub end: i64,
    pub nodes: BTreeMap<[u8; 32], &'a NodeInput>,
    pub bindings: BTreeMap<[u8; 32], &'a BindingInput>,
}

impl<'a> Chain<'a> {
    pub fn new(inputs: &'a EpochInputs) -> Result<Self, CreditError> {
        let start = inputs.clock.start(inputs.epoch).map_err(CreditError::Clock)?;
        let end = inputs.clock.end(inputs.epoch).map_err(CreditError::Clock)?;
        let mut nodes = BTreeMap::new();
        let mut ids = BTreeMap::new();
        for node in &inputs.nodes {
            if nodes.insert(node.node, node).is_some_and(|old| old != node) {
                return Err(CreditError::ConflictingNode(node.node));
            }
            if ids.insert(node.node_id, node.node).is_some_and(|old| old != node.node) {
                return Err(CreditError::ConflictingNode(node.node));
            }
        }
        let mut bindings = BTreeMap::new();
        for b in &inputs.bindings {
            if bindings.insert(b.device_key, b).is_some_and(|old| old != b) {
                return Err(CreditError::ConflictingBinding(b.device_key));
            }
        }
        Ok(Self { inputs, start, end, nodes, bindings })
    }

    pub fn in_epoch(&self, ts: i64) -> bool {
        self.start <= ts && ts < self.end
    }

    /// The binding of `key` and its node, if the binding names the message's node id.
    fn bound_node(
        &self,
        key: &[u8; 32],
        deployment: &[u8; 32],
        node_id: u64,
    ) -> Result<(&'a BindingInput, &'a NodeInput), RejectReason> {
        if *deployment != self.inputs.deployment {
            return Err(RejectReason::WrongDeployment);
        }
        let binding = *self.bindings.get(key).ok_or(RejectReason::UnknownDeviceKey)?;
        if binding.node_id != node_id {
            return Err(RejectReason::BindingNodeMismatch);
        }
        let node = *self
            .nodes
            .get(&binding.node)
            .filter(|n| n.node_id == node_id)
            .ok_or(RejectReason::UnknownNode)?;
        Ok((binding, node))
    }

    /// §9.2: the reading's validity given the chain (the signature was checked before).
    pub fn check_reading(
        &self,
        r: &SignedReading,
    ) -> Result<(EnergyReading, &'a NodeInput), RejectReason> {
        let reading =
            EnergyReading::decode(&r.message).map_err(|_| RejectReason::MalformedMessage)?;
        let (binding, node) =
            self.bound_node(&r.device_key, &reading.deployment, reading.node_id)?;
        if !binding.was_bound_at(reading.timestamp) {
            return Err(RejectReason::NotBound);
        }
        if !reading.fields_valid_for(node.kind == NodeKind::Hybrid) {
            return Err(RejectReason::ConsumedOnNonHybrid);
        }
        Ok((reading, node))
    }

    /// §9.5: the receipt's validity given the chain, for a receipt that finished in the
    /// epoch (the signatures were checked before).
    pub fn check_receipt(
        &self,
        receipt: &WorkReceipt,
        device_key: &[u8; 32],
    ) -> Result<&'a NodeInput, RejectReason> {
        if !receipt.fields_valid() {
            return Err(RejectReason::FinishedBeforeStart);
        }
        let (binding, node) = self.bound_node(device_key, &receipt.deployment, receipt.node_id)?;
        if !binding.was_bound_at(receipt.started_at) {
            return Err(RejectReason::NotBoundAtStart);
        }
        if !binding.was_bound_at(receipt.finished_at) {
            return Err(RejectReason::NotBoundAtFinish);
        }
        let epoch = self.inputs.epoch;
        if !self
            .inputs
            .requesters
            .iter()
            .any(|q| q.key == receipt.requester && q.registered_for(epoch))
        {
            return Err(RejectReason::RequesterNotRegistered);
        }
        if self.is_own_key(node, &receipt.requester) {
            return Err(RejectReason::SelfDealing);
        }
        let seconds =
            i128::from(receipt.finished_at).saturating_sub(i128::from(receipt.started_at));
        let seconds = u64::try_from(seconds).unwrap_or(u64::MAX);
        let allowance = crate::crediting::work::receipt_allowance(
            node.view.capacity.compute_units_per_hour,
            seconds,
        );
        if u128::from(receipt.work_units) > allowance {
            return Err(RejectReason::ExceedsCapacity);
        }
        Ok(node)
    }

    /// The operator, the epoch's recipient, or a key bound to the node before the epoch's end.
    fn is_own_key(&self, node: &NodeInput, key: &[u8; 32]) -> bool {
        *key == node.operator
            || *key == node.view.recipient
            || self.bindings.get(key).is_some_and(|b| b.node == node.node && b.bound_at < self.end)
    }
}
