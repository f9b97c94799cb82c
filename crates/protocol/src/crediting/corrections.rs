//! Corrections after a veto (PROTOCOL.md §9.7): `veto_epoch`'s 32-byte reason is zero
//! ("recompute") or the hash of a [`CorrectionDocument`] that excludes nodes or declares the
//! epoch empty.

use borsh::{BorshDeserialize, BorshSerialize};
use solana_sha256_hasher::hashv;

use crate::merkle::Hash32;

/// The only correction document format so far.
pub const CORRECTION_VERSION: u8 = 1;

/// Why a node is excluded: a `u8` in `0..=4` on the wire (informative; any listed code
/// excludes the same way). Any other byte fails to decode, so the document is malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, BorshSerialize, BorshDeserialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum ExclusionReason {
    Other = 0,
    /// Fraud proven or under review (e.g. evidence that could not be submitted on chain).
    Fraud = 1,
    /// The node's device key is known to be compromised.
    CompromisedDevice = 2,
    /// Receipts from requesters controlled by the node's operator.
    SelfDealing = 3,
    /// The node's inputs were wrong through an oracle or data error.
    DataError = 4,
}

/// One excluded node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Exclusion {
    pub node: [u8; 32],
    pub reason: ExclusionReason,
}

/// What a correction changes.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum CorrectionAction {
    /// Borsh tag 0: the formula runs without these nodes (strictly increasing by node).
    ExcludeNodes(Vec<Exclusion>),
    /// Borsh tag 1: the manifest lists no node and commits no input.
    EmptyEpoch,
}

/// A correction document; its hash is `veto_epoch`'s reason.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct CorrectionDocument {
    /// [`CORRECTION_VERSION`].
    pub version: u8,
    pub rewards_program: [u8; 32],
    pub epoch: u64,
    pub action: CorrectionAction,
}

impl CorrectionDocument {
    /// `SHA-256(borsh(self))`.
    pub fn hash(&self) -> Hash32 {
        hashv(&[&borsh::to_vec(self).unwrap_or_default()]).to_bytes()
    }
}

/// The reason in force for an epoch: the last non-zero reason among its vetoes, in the
/// order they happened (zero "recompute" vetoes leave it unchanged); zero if none.
pub fn reason_in_force(veto_reasons: &[Hash32]) -> Hash32 {
    veto_reasons.iter().rev().find(|r| **r != [0u8; 32]).copied().unwrap_or([0u8; 32])
}

/// The corrections an epoch is computed with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Corrections {
    /// The reason in force (the manifest's `corrections_hash`); zero for none.
    pub hash: Hash32,
    /// Excluded nodes, strictly increasing by node.
    pub excluded: Vec<Exclusion>,
    pub empty_epoch: bool,
    /// The document did not pass [`corrections`]'s checks and changes nothing.
    pub malformed: bool,
}

/// Why an oracle cannot apply the reason in force: it must abstain until it holds the
/// published document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CorrectionError {
    DocumentMissing,
    /// The bytes held do not hash to the reason.
    HashMismatch,
}

/// The corrections for `epoch` given the reason in force and the document bytes held.
/// A document whose hash matches but that does not decode exactly, has another version,
/// program or epoch, or lists exclusions not strictly increasing by node, is *malformed*: it
/// changes nothing but is still committed, so the epoch can finalize and be vetoed again.
pub fn corrections(
    reason: Hash32,
    document: Option<&[u8]>,
    rewards_program: &[u8; 32],
    epoch: u64,
) -> Result<Corrections, CorrectionError> {
    if reason == [0u8; 32] {
        return Ok(Corrections::default());
    }
    let bytes = document.ok_or(CorrectionError::DocumentMissing)?;
    if hashv(&[bytes]).to_bytes() != reason {
        return Err(CorrectionError::HashMismatch);
    }
    let malformed = Corrections { hash: reason, malformed: true, ..Corrections::default() };
    let Ok(doc) = borsh::from_slice::<CorrectionDocument>(bytes) else { return Ok(malformed) };
    if doc.version != CORRECTION_VERSION
        || doc.rewards_program != *rewards_program
        || doc.epoch != epoch
    {
        return Ok(malformed);
    }
    match doc.action {
        CorrectionAction::EmptyEpoch => {
            Ok(Corrections { hash: reason, empty_epoch: true, ..Corrections::default() })
        }
        CorrectionAction::ExcludeNodes(excluded) => {
            if excluded.windows(2).any(|w| w.first().map(|a| a.node) >= w.get(1).map(|b| b.node)) {
                return Ok(malformed);
            }
            Ok(Corrections { hash: reason, excluded, ..Corrections::default() })
        }
    }
}

impl Corrections {
    pub fn excludes(&self, node: &[u8; 32]) -> Option<ExclusionReason> {
        self.excluded
            .binary_search_by(|e| e.node.cmp(node))
            .ok()
            .and_then(|i| self.excluded.get(i))
            .map(|e| e.reason)
    }
}
