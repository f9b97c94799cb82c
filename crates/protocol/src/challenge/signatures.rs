//! Signature checks of challenge evidence at ingest (off-chain, feature `signing`), exactly
//! like readings (§6.4): only what passes `verify_strict` is stored and synced.

use crate::challenge::answer::SignedAnswer;
use crate::challenge::attestation::SignedAttestation;
use crate::ed25519::signing::{verify_strict, VerifyError};

/// The device signature over the answer's 163 bytes.
pub fn verify_answer(a: &SignedAnswer) -> Result<(), VerifyError> {
    verify_strict(&a.device_key, &a.message, &a.signature)
}

/// The oracle signature over the attestation's 121 bytes.
pub fn verify_attestation(a: &SignedAttestation) -> Result<(), VerifyError> {
    verify_strict(&a.oracle_key, &a.message, &a.signature)
}
