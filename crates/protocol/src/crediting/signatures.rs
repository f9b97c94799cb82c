//! Signature checks of crediting inputs (PROTOCOL.md §9.2, §9.5), off-chain only (feature
//! `signing`). The oracle runs them once per message at ingest and stores only what passes;
//! [`crate::crediting::credit_epoch`] then takes the stored inputs as verified.

use crate::crediting::inputs::{
    canonical_readings, canonical_receipts, SignedReading, SignedReceipt,
};
use crate::crediting::{InputKind, RejectReason, RejectedInput};
use crate::ed25519::signing::verify_strict;
use crate::messages::{EnergyReading, WorkReceipt};

/// The device signature over the reading's bytes, exactly as the Ed25519 precompile accepts.
pub fn verify_reading(r: &SignedReading) -> Result<(), RejectReason> {
    verify_strict(&r.device_key, &r.message, &r.signature).map_err(|_| RejectReason::BadSignature)
}

/// Both signatures of a receipt: the device's, then the requester's (the key in the message).
pub fn verify_receipt(r: &SignedReceipt) -> Result<(), RejectReason> {
    let receipt = WorkReceipt::decode(&r.message).map_err(|_| RejectReason::MalformedMessage)?;
    verify_strict(&r.device_key, &r.message, &r.device_signature)
        .map_err(|_| RejectReason::BadSignature)?;
    verify_strict(&receipt.requester, &r.message, &r.requester_signature)
        .map_err(|_| RejectReason::BadRequesterSignature)
}

/// Keeps the inputs whose signatures verify, one copy per identity (the smallest valid
/// signature bytes, [`canonical_readings`]), and returns the identities that have no valid
/// copy.
pub fn retain_verified(
    readings: &mut Vec<SignedReading>,
    receipts: &mut Vec<SignedReceipt>,
) -> Vec<RejectedInput> {
    let mut rejected = Vec::new();
    readings.retain(|r| match verify_reading(r) {
        Ok(()) => true,
        Err(reason) => {
            let node_id = EnergyReading::decode(&r.message).ok().map(|m| m.node_id);
            rejected.push(RejectedInput {
                id: r.identity(),
                input: InputKind::Reading,
                node_id,
                reason,
            });
            false
        }
    });
    receipts.retain(|r| match verify_receipt(r) {
        Ok(()) => true,
        Err(reason) => {
            let node_id = WorkReceipt::decode(&r.message).ok().map(|m| m.node_id);
            rejected.push(RejectedInput {
                id: r.identity(),
                input: InputKind::Receipt,
                node_id,
                reason,
            });
            false
        }
    });
    canonical_readings(readings);
    canonical_receipts(receipts);
    // A bad copy does not reject an identity that also arrived with a valid signature.
    let kept: std::collections::BTreeSet<_> = readings
        .iter()
        .map(SignedReading::identity)
        .chain(receipts.iter().map(SignedReceipt::identity))
        .collect();
    rejected.retain(|r| !kept.contains(&r.id));
    rejected.sort();
    rejected.dedup();
    rejected
}
