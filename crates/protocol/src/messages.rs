//! Device-signed messages (`docs/PROTOCOL.md` §6).
//!
//! Every message is a fixed-size byte string: an 8-byte domain tag, a version byte, then the
//! Borsh encoding of the payload struct (all fields fixed-size, integers little-endian). The
//! tag keeps a device signature over one kind of message from ever being valid for another
//! kind (or for a Solana transaction); the deployment id (the node-staking config address)
//! keeps it from being valid on another deployment.
//!
//! Encoding and decoding are allocation-free and SBF-safe. Signing and strict verification
//! live in [`crate::ed25519`] behind the `signing` feature.

use borsh::{BorshDeserialize, BorshSerialize};

/// Domain tag of an [`EnergyReading`].
pub const ENERGY_READING_TAG: [u8; 8] = *b"GMREAD\0\0";
/// Current (and only accepted) version of an [`EnergyReading`].
pub const ENERGY_READING_VERSION: u8 = 1;
/// Domain tag of a [`WorkReceipt`].
pub const WORK_RECEIPT_TAG: [u8; 8] = *b"GMWORK\0\0";
/// Current (and only accepted) version of a [`WorkReceipt`].
pub const WORK_RECEIPT_VERSION: u8 = 1;

/// Length of the tag and version prefix shared by all messages.
pub const HEADER_LEN: usize = 9;

/// Why bytes are not a valid message of the expected kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageError {
    /// The byte string does not have the message's fixed length.
    WrongLength,
    /// The domain tag is not the expected kind's.
    WrongTag,
    /// The version byte is not one this code understands.
    UnsupportedVersion,
}

impl core::fmt::Display for MessageError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::WrongLength => "message has the wrong length",
            Self::WrongTag => "message has the wrong domain tag",
            Self::UnsupportedVersion => "message has an unsupported version",
        })
    }
}

impl std::error::Error for MessageError {}

/// A cumulative meter reading signed by a node's device key.
///
/// `sequence` is strictly increasing per device binding (one binding per device key ever),
/// `timestamp` is the device's Unix time in seconds and is non-decreasing along `sequence`.
/// Both counters are cumulative since the binding began and never decrease.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EnergyReading {
    /// The node-staking config address of the deployment.
    pub deployment: [u8; 32],
    /// The node's id (`Node::node_id`).
    pub node_id: u64,
    /// Strictly increasing per device binding.
    pub sequence: u64,
    /// Device Unix time, seconds.
    pub timestamp: i64,
    /// Cumulative clean energy produced, Wh.
    pub produced_wh: u64,
    /// Cumulative energy the node consumed, Wh; always 0 for nodes that are not hybrid.
    pub consumed_wh: u64,
}

impl EnergyReading {
    /// Payload length (Borsh of the struct).
    pub const PAYLOAD_LEN: usize = 32 + 8 + 8 + 8 + 8 + 8;
    /// Full encoded length: tag, version, payload (81 bytes).
    pub const LEN: usize = HEADER_LEN + Self::PAYLOAD_LEN;

    /// The exact bytes a device signs.
    pub fn encode(&self) -> [u8; Self::LEN] {
        let mut out = [0u8; Self::LEN];
        let mut w = Writer::new(&mut out);
        w.put(ENERGY_READING_TAG);
        w.put([ENERGY_READING_VERSION]);
        w.put(self.deployment);
        w.put(self.node_id.to_le_bytes());
        w.put(self.sequence.to_le_bytes());
        w.put(self.timestamp.to_le_bytes());
        w.put(self.produced_wh.to_le_bytes());
        w.put(self.consumed_wh.to_le_bytes());
        w.finish();
        out
    }

    /// Decodes signed bytes, rejecting a wrong length, tag or version.
    pub fn decode(bytes: &[u8]) -> Result<Self, MessageError> {
        let mut r = Reader::header(bytes, Self::LEN, ENERGY_READING_TAG, ENERGY_READING_VERSION)?;
        let reading = Self {
            deployment: r.take()?,
            node_id: u64::from_le_bytes(r.take()?),
            sequence: u64::from_le_bytes(r.take()?),
            timestamp: i64::from_le_bytes(r.take()?),
            produced_wh: u64::from_le_bytes(r.take()?),
            consumed_wh: u64::from_le_bytes(r.take()?),
        };
        r.finish()?;
        Ok(reading)
    }

    /// Field rules that need no other reading: the consumed counter is only meaningful for
    /// hybrid nodes and must be zero otherwise.
    pub fn fields_valid_for(&self, hybrid: bool) -> bool {
        hybrid || self.consumed_wh == 0
    }
}

/// A compute work receipt, signed over the same bytes by the node's device key and by the
/// requester (two signatures, e.g. two Ed25519 precompile entries).
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WorkReceipt {
    /// The node-staking config address of the deployment.
    pub deployment: [u8; 32],
    /// The node's id (`Node::node_id`).
    pub node_id: u64,
    /// Job id, unique per requester.
    pub job_id: u64,
    /// The requester's ed25519 public key (the second signer).
    pub requester: [u8; 32],
    /// Work units delivered (the unit of `Capacity::compute_units_per_hour`).
    pub work_units: u64,
    /// Unix time the job started, seconds.
    pub started_at: i64,
    /// Unix time the job finished, seconds; not before `started_at`.
    pub finished_at: i64,
    /// Hash of the job's output, as agreed between node and requester.
    pub output_hash: [u8; 32],
}

impl WorkReceipt {
    /// Payload length (Borsh of the struct).
    pub const PAYLOAD_LEN: usize = 32 + 8 + 8 + 32 + 8 + 8 + 8 + 32;
    /// Full encoded length: tag, version, payload (145 bytes).
    pub const LEN: usize = HEADER_LEN + Self::PAYLOAD_LEN;

    /// The exact bytes the device and the requester sign.
    pub fn encode(&self) -> [u8; Self::LEN] {
        let mut out = [0u8; Self::LEN];
        let mut w = Writer::new(&mut out);
        w.put(WORK_RECEIPT_TAG);
        w.put([WORK_RECEIPT_VERSION]);
        w.put(self.deployment);
        w.put(self.node_id.to_le_bytes());
        w.put(self.job_id.to_le_bytes());
        w.put(self.requester);
        w.put(self.work_units.to_le_bytes());
        w.put(self.started_at.to_le_bytes());
        w.put(self.finished_at.to_le_bytes());
        w.put(self.output_hash);
        w.finish();
        out
    }

    /// Decodes signed bytes, rejecting a wrong length, tag or version.
    pub fn decode(bytes: &[u8]) -> Result<Self, MessageError> {
        let mut r = Reader::header(bytes, Self::LEN, WORK_RECEIPT_TAG, WORK_RECEIPT_VERSION)?;
        let receipt = Self {
            deployment: r.take()?,
            node_id: u64::from_le_bytes(r.take()?),
            job_id: u64::from_le_bytes(r.take()?),
            requester: r.take()?,
            work_units: u64::from_le_bytes(r.take()?),
            started_at: i64::from_le_bytes(r.take()?),
            finished_at: i64::from_le_bytes(r.take()?),
            output_hash: r.take()?,
        };
        r.finish()?;
        Ok(receipt)
    }

    /// Field rules that need no other message: the job cannot finish before it started.
    pub fn fields_valid(&self) -> bool {
        self.finished_at >= self.started_at
    }
}

/// Writes fixed-size chunks into a buffer of exactly the right size.
pub(crate) struct Writer<'a> {
    rest: &'a mut [u8],
}

impl<'a> Writer<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Self { rest: buf }
    }

    pub(crate) fn put<const N: usize>(&mut self, bytes: [u8; N]) {
        let rest = core::mem::take(&mut self.rest);
        match rest.split_first_chunk_mut::<N>() {
            Some((head, tail)) => {
                *head = bytes;
                self.rest = tail;
            }
            // Unreachable: every encoder's buffer is sized by its `LEN` (checked by tests).
            None => debug_assert!(false, "message buffer too small"),
        }
    }

    pub(crate) fn finish(self) {
        debug_assert!(self.rest.is_empty(), "message buffer too large");
    }
}

/// Reads fixed-size chunks after checking a message's length, tag and version.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn header(
        bytes: &'a [u8],
        len: usize,
        tag: [u8; 8],
        version: u8,
    ) -> Result<Self, MessageError> {
        if bytes.len() != len {
            return Err(MessageError::WrongLength);
        }
        let mut r = Self { rest: bytes };
        if r.take::<8>()? != tag {
            return Err(MessageError::WrongTag);
        }
        if r.take::<1>()? != [version] {
            return Err(MessageError::UnsupportedVersion);
        }
        Ok(r)
    }

    pub(crate) fn take<const N: usize>(&mut self) -> Result<[u8; N], MessageError> {
        let (head, tail) = self.rest.split_first_chunk::<N>().ok_or(MessageError::WrongLength)?;
        self.rest = tail;
        Ok(*head)
    }

    pub(crate) fn finish(self) -> Result<(), MessageError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(MessageError::WrongLength)
        }
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reading() -> EnergyReading {
        EnergyReading {
            deployment: [7; 32],
            node_id: 0x0102_0304_0506_0708,
            sequence: 42,
            timestamp: 1_700_000_000,
            produced_wh: 123_456,
            consumed_wh: 789,
        }
    }

    fn receipt() -> WorkReceipt {
        WorkReceipt {
            deployment: [7; 32],
            node_id: 9,
            job_id: 77,
            requester: [3; 32],
            work_units: 5_000,
            started_at: 1_700_000_000,
            finished_at: 1_700_003_600,
            output_hash: [0xAB; 32],
        }
    }

    #[test]
    fn energy_reading_has_fixed_length_81() {
        assert_eq!(EnergyReading::LEN, 81);
        assert_eq!(reading().encode().len(), EnergyReading::LEN);
    }

    #[test]
    fn work_receipt_has_fixed_length_145() {
        assert_eq!(WorkReceipt::LEN, 145);
        assert_eq!(receipt().encode().len(), WorkReceipt::LEN);
    }

    #[test]
    fn energy_reading_layout_is_tag_version_then_borsh_payload() {
        let r = reading();
        let bytes = r.encode();
        assert_eq!(&bytes[..8], b"GMREAD\0\0");
        assert_eq!(bytes[8], 1);
        let borsh_payload = borsh::to_vec(&r).expect("borsh");
        assert_eq!(borsh_payload.len(), EnergyReading::PAYLOAD_LEN);
        assert_eq!(&bytes[HEADER_LEN..], &borsh_payload[..]);
        // Golden offsets (PROTOCOL.md §6.2).
        assert_eq!(&bytes[9..41], &[7u8; 32]);
        assert_eq!(&bytes[41..49], &0x0102_0304_0506_0708u64.to_le_bytes());
        assert_eq!(&bytes[49..57], &42u64.to_le_bytes());
        assert_eq!(&bytes[57..65], &1_700_000_000i64.to_le_bytes());
        assert_eq!(&bytes[65..73], &123_456u64.to_le_bytes());
        assert_eq!(&bytes[73..81], &789u64.to_le_bytes());
    }

    #[test]
    fn work_receipt_layout_is_tag_version_then_borsh_payload() {
        let w = receipt();
        let bytes = w.encode();
        assert_eq!(&bytes[..8], b"GMWORK\0\0");
        assert_eq!(bytes[8], 1);
        let borsh_payload = borsh::to_vec(&w).expect("borsh");
        assert_eq!(borsh_payload.len(), WorkReceipt::PAYLOAD_LEN);
        assert_eq!(&bytes[HEADER_LEN..], &borsh_payload[..]);
        assert_eq!(&bytes[57..89], &[3u8; 32]);
        assert_eq!(&bytes[113..145], &[0xABu8; 32]);
    }

    #[test]
    fn decode_round_trips() {
        assert_eq!(EnergyReading::decode(&reading().encode()), Ok(reading()));
        assert_eq!(WorkReceipt::decode(&receipt().encode()), Ok(receipt()));
    }

    #[test]
    fn decode_rejects_wrong_length() {
        let bytes = reading().encode();
        assert_eq!(EnergyReading::decode(&bytes[..80]), Err(MessageError::WrongLength));
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert_eq!(EnergyReading::decode(&longer), Err(MessageError::WrongLength));
        assert_eq!(EnergyReading::decode(&[]), Err(MessageError::WrongLength));
        let w = receipt().encode();
        assert_eq!(WorkReceipt::decode(&w[..144]), Err(MessageError::WrongLength));
    }

    #[test]
    fn decode_rejects_wrong_tag() {
        let mut bytes = reading().encode();
        bytes[0] ^= 1;
        assert_eq!(EnergyReading::decode(&bytes), Err(MessageError::WrongTag));
        let mut w = receipt().encode();
        w[7] = 1;
        assert_eq!(WorkReceipt::decode(&w), Err(MessageError::WrongTag));
    }

    #[test]
    fn decode_rejects_other_kind_of_message() {
        // A receipt is never mistaken for a reading, even when cut to a reading's length.
        let w = receipt().encode();
        assert_eq!(EnergyReading::decode(&w[..EnergyReading::LEN]), Err(MessageError::WrongTag));
    }

    #[test]
    fn decode_rejects_unknown_version() {
        let mut bytes = reading().encode();
        bytes[8] = 2;
        assert_eq!(EnergyReading::decode(&bytes), Err(MessageError::UnsupportedVersion));
        let mut w = receipt().encode();
        w[8] = 0;
        assert_eq!(WorkReceipt::decode(&w), Err(MessageError::UnsupportedVersion));
    }

    #[test]
    fn consumed_counter_only_for_hybrid_nodes() {
        let mut r = reading();
        assert!(r.fields_valid_for(true));
        assert!(!r.fields_valid_for(false));
        r.consumed_wh = 0;
        assert!(r.fields_valid_for(false));
    }

    #[test]
    fn receipt_cannot_finish_before_start() {
        let mut w = receipt();
        assert!(w.fields_valid());
        w.finished_at = w.started_at;
        assert!(w.fields_valid());
        w.finished_at = w.started_at.saturating_sub(1);
        assert!(!w.fields_valid());
    }

    proptest! {
        #[test]
        fn any_reading_round_trips(
            deployment in any::<[u8; 32]>(), node_id: u64, sequence: u64, timestamp: i64,
            produced_wh: u64, consumed_wh: u64,
        ) {
            let r = EnergyReading { deployment, node_id, sequence, timestamp, produced_wh, consumed_wh };
            let bytes = r.encode();
            prop_assert_eq!(&bytes[HEADER_LEN..], &borsh::to_vec(&r).expect("borsh")[..]);
            prop_assert_eq!(EnergyReading::decode(&bytes), Ok(r));
        }

        #[test]
        fn any_receipt_round_trips(
            deployment in any::<[u8; 32]>(), node_id: u64, job_id: u64,
            requester in any::<[u8; 32]>(), work_units: u64, started_at: i64,
            finished_at: i64, output_hash in any::<[u8; 32]>(),
        ) {
            let w = WorkReceipt {
                deployment, node_id, job_id, requester, work_units, started_at, finished_at,
                output_hash,
            };
            let bytes = w.encode();
            prop_assert_eq!(&bytes[HEADER_LEN..], &borsh::to_vec(&w).expect("borsh")[..]);
            prop_assert_eq!(WorkReceipt::decode(&bytes), Ok(w));
        }

        #[test]
        fn decode_accepts_only_canonical_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            // Whatever decodes re-encodes to the very same bytes (no malleable encodings).
            if let Ok(r) = EnergyReading::decode(&bytes) {
                prop_assert_eq!(&r.encode()[..], &bytes[..]);
            }
            if let Ok(w) = WorkReceipt::decode(&bytes) {
                prop_assert_eq!(&w.encode()[..], &bytes[..]);
            }
        }
    }
}
