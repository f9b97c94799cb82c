//! The Ed25519 precompile's instruction layout (`docs/PROTOCOL.md` §7.1).
//!
//! On chain, a signed message reaches a program as an instruction of the Ed25519 precompile
//! in the same transaction; the runtime verifies the signature before any program runs, and
//! the program reads the instruction back through the instructions sysvar. [`parse_single`]
//! is the program's side of that: it accepts only instructions that carry exactly one
//! signature whose public key, signature and message all lie inside the instruction itself,
//! and returns those three. It is SBF-safe (checked slicing, no allocation).
//!
//! [`instruction_data`] builds the same layout as
//! `solana_ed25519_program::new_ed25519_instruction_with_signature`.
//!
//! With the `signing` feature (off-chain only), [`signing`] signs messages and verifies them
//! with exactly the precompile's acceptance rule (`verify_strict`).

/// Length of an Ed25519 public key.
pub const PUBKEY_LEN: usize = 32;
/// Length of an Ed25519 signature (`R ‖ S`).
pub const SIGNATURE_LEN: usize = 64;
/// Offset of the first offsets entry (after `num_signatures: u8` and one padding byte).
pub const OFFSETS_START: usize = 2;
/// Length of one offsets entry: seven `u16` little-endian.
pub const OFFSETS_LEN: usize = 14;
/// Instruction index meaning "this very instruction".
pub const THIS_INSTRUCTION: u16 = u16::MAX;
/// Where [`instruction_data`] puts the public key, signature and message.
pub const PUBKEY_OFFSET: usize = OFFSETS_START + OFFSETS_LEN;
/// See [`PUBKEY_OFFSET`].
pub const SIGNATURE_OFFSET: usize = PUBKEY_OFFSET + PUBKEY_LEN;
/// See [`PUBKEY_OFFSET`].
pub const MESSAGE_OFFSET: usize = SIGNATURE_OFFSET + SIGNATURE_LEN;

/// Why an Ed25519 precompile instruction is not acceptable as a single self-contained
/// signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ed25519Error {
    /// Shorter than the header and one offsets entry.
    TooShort,
    /// `num_signatures` is not exactly 1.
    NotOneSignature,
    /// An instruction index is not [`THIS_INSTRUCTION`]: the signed data would come from
    /// another instruction, which the program does not read.
    ForeignInstructionIndex,
    /// An offset points outside the instruction data.
    OffsetOutOfBounds,
    /// The message does not fit in the precompile's `u16` size field (builder only).
    MessageTooLong,
}

impl core::fmt::Display for Ed25519Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::TooShort => "ed25519 instruction data too short",
            Self::NotOneSignature => "ed25519 instruction must carry exactly one signature",
            Self::ForeignInstructionIndex => "ed25519 offsets must point at the instruction itself",
            Self::OffsetOutOfBounds => "ed25519 offset out of bounds",
            Self::MessageTooLong => "message longer than 65535 bytes",
        })
    }
}

impl std::error::Error for Ed25519Error {}

/// The one signature carried by an Ed25519 precompile instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedPayload<'a> {
    /// The signer's public key.
    pub public_key: [u8; PUBKEY_LEN],
    /// The signature (`R ‖ S`).
    pub signature: [u8; SIGNATURE_LEN],
    /// The signed bytes, exactly as the precompile verified them.
    pub message: &'a [u8],
}

/// The seven offsets of one signature entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignatureOffsets {
    pub signature_offset: u16,
    pub signature_instruction_index: u16,
    pub public_key_offset: u16,
    pub public_key_instruction_index: u16,
    pub message_data_offset: u16,
    pub message_data_size: u16,
    pub message_instruction_index: u16,
}

impl SignatureOffsets {
    /// Parses one 14-byte entry.
    pub fn from_bytes(bytes: &[u8; OFFSETS_LEN]) -> Self {
        let at = |i: usize| -> u16 {
            let lo = bytes.get(i).copied().unwrap_or(0);
            let hi = bytes.get(i.saturating_add(1)).copied().unwrap_or(0);
            u16::from_le_bytes([lo, hi])
        };
        Self {
            signature_offset: at(0),
            signature_instruction_index: at(2),
            public_key_offset: at(4),
            public_key_instruction_index: at(6),
            message_data_offset: at(8),
            message_data_size: at(10),
            message_instruction_index: at(12),
        }
    }

    /// Serialises one 14-byte entry.
    pub fn to_bytes(&self) -> [u8; OFFSETS_LEN] {
        let mut out = [0u8; OFFSETS_LEN];
        let fields = [
            self.signature_offset,
            self.signature_instruction_index,
            self.public_key_offset,
            self.public_key_instruction_index,
            self.message_data_offset,
            self.message_data_size,
            self.message_instruction_index,
        ];
        for (chunk, field) in out.chunks_exact_mut(2).zip(fields) {
            chunk.copy_from_slice(&field.to_le_bytes());
        }
        out
    }
}

/// Parses the data of an Ed25519 precompile instruction that must carry exactly one
/// signature, with every instruction index equal to [`THIS_INSTRUCTION`].
///
/// The returned key, signature and message are the very bytes the precompile verified (same
/// offsets, same data), so a program may trust them once it has checked that this data
/// belongs to an instruction of the Ed25519 program in the current transaction.
pub fn parse_single(data: &[u8]) -> Result<SignedPayload<'_>, Ed25519Error> {
    let (&num_signatures, rest) = data.split_first().ok_or(Ed25519Error::TooShort)?;
    let (_padding, rest) = rest.split_first().ok_or(Ed25519Error::TooShort)?;
    let (entry, _) = rest.split_first_chunk::<OFFSETS_LEN>().ok_or(Ed25519Error::TooShort)?;
    if num_signatures != 1 {
        return Err(Ed25519Error::NotOneSignature);
    }
    let offsets = SignatureOffsets::from_bytes(entry);
    if offsets.signature_instruction_index != THIS_INSTRUCTION
        || offsets.public_key_instruction_index != THIS_INSTRUCTION
        || offsets.message_instruction_index != THIS_INSTRUCTION
    {
        return Err(Ed25519Error::ForeignInstructionIndex);
    }
    let public_key = slice(data, offsets.public_key_offset, PUBKEY_LEN)?;
    let signature = slice(data, offsets.signature_offset, SIGNATURE_LEN)?;
    let message = slice(data, offsets.message_data_offset, usize::from(offsets.message_data_size))?;
    Ok(SignedPayload {
        public_key: public_key.try_into().map_err(|_| Ed25519Error::OffsetOutOfBounds)?,
        signature: signature.try_into().map_err(|_| Ed25519Error::OffsetOutOfBounds)?,
        message,
    })
}

fn slice(data: &[u8], offset: u16, len: usize) -> Result<&[u8], Ed25519Error> {
    let start = usize::from(offset);
    let end = start.checked_add(len).ok_or(Ed25519Error::OffsetOutOfBounds)?;
    data.get(start..end).ok_or(Ed25519Error::OffsetOutOfBounds)
}

/// Builds Ed25519 precompile instruction data carrying one self-contained signature: header,
/// one offsets entry, then public key (at 16), signature (at 48) and message (at 112).
pub fn instruction_data(
    public_key: &[u8; PUBKEY_LEN],
    signature: &[u8; SIGNATURE_LEN],
    message: &[u8],
) -> Result<Vec<u8>, Ed25519Error> {
    let message_data_size =
        u16::try_from(message.len()).map_err(|_| Ed25519Error::MessageTooLong)?;
    // Offsets are small constants (16, 48, 112); the conversions cannot fail.
    let as_u16 = |v: usize| u16::try_from(v).map_err(|_| Ed25519Error::MessageTooLong);
    let offsets = SignatureOffsets {
        signature_offset: as_u16(SIGNATURE_OFFSET)?,
        signature_instruction_index: THIS_INSTRUCTION,
        public_key_offset: as_u16(PUBKEY_OFFSET)?,
        public_key_instruction_index: THIS_INSTRUCTION,
        message_data_offset: as_u16(MESSAGE_OFFSET)?,
        message_data_size,
        message_instruction_index: THIS_INSTRUCTION,
    };
    let mut data = Vec::with_capacity(MESSAGE_OFFSET.saturating_add(message.len()));
    data.extend_from_slice(&[1, 0]);
    data.extend_from_slice(&offsets.to_bytes());
    data.extend_from_slice(public_key);
    data.extend_from_slice(signature);
    data.extend_from_slice(message);
    Ok(data)
}

/// Off-chain signing and strict verification (feature `signing`; never in SBF builds).
/// Also compiled for this crate's unit tests, where ed25519-dalek is a dev-dependency.
#[cfg(any(feature = "signing", test))]
pub mod signing {
    use super::{PUBKEY_LEN, SIGNATURE_LEN};
    use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

    /// Why [`verify_strict`] rejected a signature.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum VerifyError {
        /// The public key is not a valid curve point encoding.
        InvalidPublicKey,
        /// The signature does not verify under the strict rules.
        InvalidSignature,
    }

    impl core::fmt::Display for VerifyError {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str(match self {
                Self::InvalidPublicKey => "invalid ed25519 public key",
                Self::InvalidSignature => "invalid ed25519 signature",
            })
        }
    }

    impl std::error::Error for VerifyError {}

    /// Signs `message` (Ed25519, RFC 8032, deterministic).
    pub fn sign(key: &SigningKey, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        key.sign(message).to_bytes()
    }

    /// The public key bytes of `key`.
    pub fn public_key(key: &SigningKey) -> [u8; PUBKEY_LEN] {
        key.verifying_key().to_bytes()
    }

    /// Verifies like the runtime's Ed25519 precompile (agave-precompiles 4.0: ed25519-dalek
    /// 1.0.1 `verify_strict`): rejects small-order public keys and `R`, a non-canonical `S`
    /// (`S ≥ ℓ`), and uses the cofactorless equation. Off-chain code (the oracle) must use
    /// this, never a lenient verify, so that anything it accepts is provable on chain.
    pub fn verify_strict(
        public_key: &[u8; PUBKEY_LEN],
        message: &[u8],
        signature: &[u8; SIGNATURE_LEN],
    ) -> Result<(), VerifyError> {
        let key =
            VerifyingKey::from_bytes(public_key).map_err(|_| VerifyError::InvalidPublicKey)?;
        key.verify_strict(message, &Signature::from_bytes(signature))
            .map_err(|_| VerifyError::InvalidSignature)
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Vec<u8> {
        instruction_data(&[1; 32], &[2; 64], b"hello grid").expect("fits")
    }

    #[test]
    fn layout_matches_the_precompile_helper() {
        // solana_ed25519_program::new_ed25519_instruction_with_signature: key at 16,
        // signature at 48, message at 112, indices u16::MAX, one signature, zero padding.
        let data = sample();
        assert_eq!((PUBKEY_OFFSET, SIGNATURE_OFFSET, MESSAGE_OFFSET), (16, 48, 112));
        assert_eq!(data.len(), 112 + 10);
        assert_eq!(&data[..2], &[1, 0]);
        assert_eq!(&data[2..4], &48u16.to_le_bytes());
        assert_eq!(&data[4..6], &u16::MAX.to_le_bytes());
        assert_eq!(&data[6..8], &16u16.to_le_bytes());
        assert_eq!(&data[8..10], &u16::MAX.to_le_bytes());
        assert_eq!(&data[10..12], &112u16.to_le_bytes());
        assert_eq!(&data[12..14], &10u16.to_le_bytes());
        assert_eq!(&data[14..16], &u16::MAX.to_le_bytes());
        assert_eq!(&data[16..48], &[1; 32]);
        assert_eq!(&data[48..112], &[2; 64]);
        assert_eq!(&data[112..], b"hello grid");
    }

    #[test]
    fn parse_returns_key_signature_and_message() {
        let data = sample();
        let parsed = parse_single(&data).expect("valid");
        assert_eq!(parsed.public_key, [1; 32]);
        assert_eq!(parsed.signature, [2; 64]);
        assert_eq!(parsed.message, b"hello grid");
    }

    #[test]
    fn parse_rejects_short_data() {
        assert_eq!(parse_single(&[]), Err(Ed25519Error::TooShort));
        assert_eq!(parse_single(&[1, 0]), Err(Ed25519Error::TooShort));
        assert_eq!(parse_single(&sample()[..15]), Err(Ed25519Error::TooShort));
    }

    #[test]
    fn parse_rejects_zero_or_two_signatures() {
        let mut data = sample();
        data[0] = 0;
        assert_eq!(parse_single(&data), Err(Ed25519Error::NotOneSignature));
        data[0] = 2;
        assert_eq!(parse_single(&data), Err(Ed25519Error::NotOneSignature));
    }

    #[test]
    fn parse_rejects_each_foreign_instruction_index() {
        for index_at in [4usize, 8, 14] {
            for index in [0u16, 1, 2, u16::MAX - 1] {
                let mut data = sample();
                data[index_at..index_at + 2].copy_from_slice(&index.to_le_bytes());
                assert_eq!(
                    parse_single(&data),
                    Err(Ed25519Error::ForeignInstructionIndex),
                    "index field at {index_at} = {index}"
                );
            }
        }
    }

    #[test]
    fn parse_rejects_offsets_out_of_bounds() {
        // message size one past the end
        let mut data = sample();
        data[12..14].copy_from_slice(&11u16.to_le_bytes());
        assert_eq!(parse_single(&data), Err(Ed25519Error::OffsetOutOfBounds));
        // signature offset so the 64 bytes overrun
        let mut data = sample();
        data[2..4].copy_from_slice(&(u16::MAX - 1).to_le_bytes());
        assert_eq!(parse_single(&data), Err(Ed25519Error::OffsetOutOfBounds));
        // public key at the very end
        let mut data = sample();
        let end = u16::try_from(data.len()).expect("small");
        data[6..8].copy_from_slice(&end.to_le_bytes());
        assert_eq!(parse_single(&data), Err(Ed25519Error::OffsetOutOfBounds));
    }

    #[test]
    fn parse_uses_the_offsets_not_the_default_layout() {
        // Same bytes the precompile would verify: offsets may point anywhere in the data.
        let mut data = sample();
        data[10..12].copy_from_slice(&113u16.to_le_bytes());
        data[12..14].copy_from_slice(&9u16.to_le_bytes());
        assert_eq!(parse_single(&data).expect("valid").message, b"ello grid");
    }

    #[test]
    fn builder_rejects_oversized_message() {
        let long = vec![0u8; 65_536];
        assert_eq!(instruction_data(&[0; 32], &[0; 64], &long), Err(Ed25519Error::MessageTooLong));
    }

    #[test]
    fn offsets_round_trip() {
        let o = SignatureOffsets {
            signature_offset: 1,
            signature_instruction_index: 2,
            public_key_offset: 3,
            public_key_instruction_index: 4,
            message_data_offset: 5,
            message_data_size: 6,
            message_instruction_index: 0xFFFE,
        };
        assert_eq!(SignatureOffsets::from_bytes(&o.to_bytes()), o);
    }

    proptest! {
        #[test]
        fn parse_never_reads_outside_data(data in proptest::collection::vec(any::<u8>(), 0..256)) {
            if let Ok(p) = parse_single(&data) {
                prop_assert!(p.message.len() <= data.len());
                prop_assert_eq!(data[0], 1);
            }
        }

        #[test]
        fn build_then_parse_round_trips(
            key in any::<[u8; 32]>(), sig_lo in any::<[u8; 32]>(), sig_hi in any::<[u8; 32]>(),
            message in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(&sig_lo);
            sig[32..].copy_from_slice(&sig_hi);
            let data = instruction_data(&key, &sig, &message).expect("fits");
            let p = parse_single(&data).expect("valid");
            prop_assert_eq!(p.public_key, key);
            prop_assert_eq!(p.signature, sig);
            prop_assert_eq!(p.message, &message[..]);
        }
    }

    mod strict {
        use super::super::signing::*;
        use ed25519_dalek::{Signature, SigningKey, VerifyingKey};

        /// ℓ, the order of the prime subgroup, little-endian.
        const ELL: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];

        /// The identity point's encoding (y = 1): small order.
        const IDENTITY: [u8; 32] = {
            let mut b = [0u8; 32];
            b[0] = 1;
            b
        };

        fn key(seed: u8) -> SigningKey {
            SigningKey::from_bytes(&[seed; 32])
        }

        fn add_ell(s: &[u8]) -> [u8; 32] {
            let mut out = [0u8; 32];
            let mut carry = 0u16;
            for i in 0..32 {
                let sum = u16::from(s[i]).wrapping_add(u16::from(ELL[i])).wrapping_add(carry);
                out[i] = sum.to_le_bytes()[0];
                carry = sum >> 8;
            }
            out
        }

        #[test]
        fn accepts_an_honest_signature() {
            let k = key(1);
            let sig = sign(&k, b"reading");
            assert_eq!(verify_strict(&public_key(&k), b"reading", &sig), Ok(()));
        }

        #[test]
        fn rejects_other_message_or_key() {
            let k = key(1);
            let sig = sign(&k, b"reading");
            assert_eq!(
                verify_strict(&public_key(&k), b"readinG", &sig),
                Err(VerifyError::InvalidSignature)
            );
            assert_eq!(
                verify_strict(&public_key(&key(2)), b"reading", &sig),
                Err(VerifyError::InvalidSignature)
            );
        }

        #[test]
        fn rejects_small_order_key_that_lenient_verify_accepts() {
            // A = identity, R = identity, S = 0 satisfies [S]B = R + [k]A for every message:
            // a lenient verifier accepts it, the precompile (verify_strict) does not.
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(&IDENTITY);
            let lenient = VerifyingKey::from_bytes(&IDENTITY).expect("decodes");
            assert!(lenient.verify_strict(b"any", &Signature::from_bytes(&sig)).is_err());
            assert!(
                ed25519_dalek::Verifier::verify(&lenient, b"any", &Signature::from_bytes(&sig))
                    .is_ok(),
                "the vector must be one a lenient verifier accepts"
            );
            assert_eq!(verify_strict(&IDENTITY, b"any", &sig), Err(VerifyError::InvalidSignature));
        }

        #[test]
        fn rejects_non_canonical_s() {
            // (R, S + ℓ) satisfies the verification equation exactly like (R, S).
            let k = key(3);
            let sig = sign(&k, b"reading");
            let mut malleated = sig;
            malleated[32..].copy_from_slice(&add_ell(&sig[32..]));
            assert_ne!(malleated, sig);
            // S + ℓ < 2^253: passes the precompile's quick high-bits check, so only the
            // canonicity check rejects it.
            assert_eq!(malleated[63] & 0b1110_0000, 0);
            assert_eq!(
                verify_strict(&public_key(&k), b"reading", &malleated),
                Err(VerifyError::InvalidSignature)
            );
        }

        #[test]
        fn rejects_undecodable_key() {
            // y = 2 is not on the curve.
            let mut bad = [0u8; 32];
            bad[0] = 2;
            assert!(VerifyingKey::from_bytes(&bad).is_err());
            assert_eq!(verify_strict(&bad, b"m", &[0; 64]), Err(VerifyError::InvalidPublicKey));
        }
    }
}
