//! The oracle's attestation (PROTOCOL.md §6.6, §10.7): "I received this answer to this
//! challenge at this time" or, with a zero answer id, "I was up and held no answer at the
//! deadline". Signed with the oracle's key (the key of its slot in the rewards oracle set).

use crate::challenge::h;
use crate::merkle::Hash32;
use crate::messages::{MessageError, Reader, Writer, HEADER_LEN};

/// Domain tag of an [`Attestation`].
pub const ATTESTATION_TAG: [u8; 8] = *b"GMCHAT\0\0";
pub const ATTESTATION_VERSION: u8 = 1;
/// Domain of an attestation's identity (ASCII, 11 bytes).
pub const ATTESTATION_ID_DOMAIN: &[u8] = b"GMID-ATTEST";
/// The answer id of a presence attestation ("no answer held at the deadline").
pub const NO_ANSWER: Hash32 = [0; 32];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attestation {
    pub deployment: [u8; 32],
    pub epoch: u64,
    pub challenge_id: Hash32,
    /// The answer's identity (§10.5), or [`NO_ANSWER`].
    pub answer_id: Hash32,
    /// The oracle's clock when the answer arrived (presence: when it signed, `≥ deadline`).
    pub received_at: i64,
}

impl Attestation {
    pub const PAYLOAD_LEN: usize = 32 + 8 + 32 + 32 + 8;
    /// 121 bytes.
    pub const LEN: usize = HEADER_LEN + Self::PAYLOAD_LEN;

    /// The exact bytes the oracle signs.
    pub fn encode(&self) -> [u8; Self::LEN] {
        let mut out = [0u8; Self::LEN];
        let mut w = Writer::new(&mut out);
        w.put(ATTESTATION_TAG);
        w.put([ATTESTATION_VERSION]);
        w.put(self.deployment);
        w.put(self.epoch.to_le_bytes());
        w.put(self.challenge_id);
        w.put(self.answer_id);
        w.put(self.received_at.to_le_bytes());
        w.finish();
        out
    }

    /// Decodes signed bytes, rejecting a wrong length, tag or version.
    pub fn decode(bytes: &[u8]) -> Result<Self, MessageError> {
        let mut r = Reader::header(bytes, Self::LEN, ATTESTATION_TAG, ATTESTATION_VERSION)?;
        let a = Self {
            deployment: r.take()?,
            epoch: u64::from_le_bytes(r.take()?),
            challenge_id: r.take()?,
            answer_id: r.take()?,
            received_at: i64::from_le_bytes(r.take()?),
        };
        r.finish()?;
        Ok(a)
    }
}

/// An attestation as received: the oracle key, the signed bytes and the signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SignedAttestation {
    pub oracle_key: [u8; 32],
    pub message: [u8; Attestation::LEN],
    pub signature: [u8; 64],
}

impl SignedAttestation {
    /// `H("GMID-ATTEST" ‖ oracle_key ‖ message)` (164 bytes hashed; no signature).
    pub fn identity(&self) -> Hash32 {
        h(&[ATTESTATION_ID_DOMAIN, &self.oracle_key, &self.message])
    }
}
