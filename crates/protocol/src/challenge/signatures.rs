//! Ingest checks of challenge evidence (off-chain, feature `signing`), exactly like readings
//! (§6.4, §9.1): only what passes is stored and synced, one copy per identity.

use crate::challenge::answer::{opening_hash, ChallengeAnswer, SignedAnswer};
use crate::challenge::attestation::SignedAttestation;
use crate::ed25519::signing::{verify_strict, VerifyError};

/// Why an answer is refused at ingest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IngestError {
    Malformed,
    Signature(VerifyError),
    /// The opening sent does not hash to the message's `opening_hash`.
    OpeningMismatch,
}

/// The device signature over the answer's 163 bytes.
pub fn verify_answer(a: &SignedAnswer) -> Result<(), VerifyError> {
    verify_strict(&a.device_key, &a.message, &a.signature)
}

/// What an oracle stores: a decodable answer with a valid signature whose opening is the
/// one the message binds (so every stored copy of an identity carries the same opening).
pub fn ingest_answer(a: &SignedAnswer) -> Result<ChallengeAnswer, IngestError> {
    let m = ChallengeAnswer::decode(&a.message).map_err(|_| IngestError::Malformed)?;
    verify_answer(a).map_err(IngestError::Signature)?;
    if opening_hash(&a.opening) != m.opening_hash {
        return Err(IngestError::OpeningMismatch);
    }
    Ok(m)
}

/// The oracle signature over the attestation's 121 bytes.
pub fn verify_attestation(a: &SignedAttestation) -> Result<(), VerifyError> {
    verify_strict(&a.oracle_key, &a.message, &a.signature)
}

/// One copy per identity (key, message), the one with the smallest signature bytes, sorted:
/// archives of the same evidence are byte-identical.
pub fn canonical_answers(answers: &mut Vec<SignedAnswer>) {
    answers.sort();
    answers.dedup_by(|later, kept| {
        later.device_key == kept.device_key && later.message == kept.message
    });
}

/// [`canonical_answers`] for attestations.
pub fn canonical_attestations(attestations: &mut Vec<SignedAttestation>) {
    attestations.sort_unstable();
    attestations.dedup_by(|later, kept| {
        later.oracle_key == kept.oracle_key && later.message == kept.message
    });
}
