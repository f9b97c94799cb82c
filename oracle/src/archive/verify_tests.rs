//! The file format and the verifier on signed inputs: a round trip, then every structural
//! refusal with its exact error (the tampering of a real close is in tests/epoch/archive.rs).

use ed25519_dalek::SigningKey;
use gridmint_protocol::crediting::root::inputs_root;
use gridmint_protocol::crediting::{InputKind, RejectReason, SignedReading, SignedReceipt};
use gridmint_protocol::ed25519::signing::{public_key, sign};
use gridmint_protocol::merkle::EMPTY_ROOT;
use gridmint_protocol::messages::{EnergyReading, WorkReceipt};
use gridmint_protocol::rewards::EpochManifest;

use super::format::{encode, Header, HEADER_LEN};
use super::{verify, ArchiveError, Verified};

fn reading(seed: u8, sequence: u64) -> SignedReading {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let message = EnergyReading {
        deployment: [7; 32],
        node_id: 3,
        sequence,
        timestamp: 1_000 + sequence as i64,
        produced_wh: 10 * sequence,
        consumed_wh: 0,
    }
    .encode();
    SignedReading { device_key: public_key(&key), message, signature: sign(&key, &message) }
}

fn receipt(job_id: u64) -> SignedReceipt {
    let (device, requester) = (SigningKey::from_bytes(&[1; 32]), SigningKey::from_bytes(&[2; 32]));
    let message = WorkReceipt {
        deployment: [7; 32],
        node_id: 3,
        job_id,
        requester: public_key(&requester),
        work_units: 5,
        started_at: 1_000,
        finished_at: 1_010,
        output_hash: [9; 32],
    }
    .encode();
    SignedReceipt {
        device_key: public_key(&device),
        message,
        device_signature: sign(&device, &message),
        requester_signature: sign(&requester, &message),
    }
}

struct Case {
    readings: Vec<SignedReading>,
    receipts: Vec<SignedReceipt>,
    manifest: EpochManifest,
}

impl Case {
    fn new() -> Self {
        let mut readings: Vec<_> = (1..=3).map(|s| reading(4, s)).chain([reading(5, 1)]).collect();
        readings.sort();
        let mut receipts = vec![receipt(2), receipt(1)];
        receipts.sort();
        let ids: Vec<_> = readings
            .iter()
            .map(SignedReading::identity)
            .chain(receipts.iter().map(SignedReceipt::identity))
            .collect();
        let manifest = EpochManifest {
            version: 2,
            epoch: 6,
            inputs_root: inputs_root(&ids),
            ..Default::default()
        };
        Self { readings, receipts, manifest }
    }

    /// The file of these lists under the manifest's header fields.
    fn file(&self, readings: &[SignedReading], receipts: &[SignedReceipt]) -> Vec<u8> {
        let m = &self.manifest;
        encode(m.epoch, m.inputs_root, m.hash(), readings, receipts).expect("encode")
    }

    fn good(&self) -> Vec<u8> {
        self.file(&self.readings, &self.receipts)
    }

    fn check(&self, bytes: &[u8]) -> Result<Verified, ArchiveError> {
        verify(bytes, Some(&self.manifest))
    }
}

fn hex(h: &[u8]) -> String {
    crate::epoch::hex(h)
}

#[test]
fn an_archive_round_trips_and_checks_against_its_manifest() {
    let case = Case::new();
    let bytes = case.good();
    let v = case.check(&bytes).expect("verifies");
    assert_eq!((v.readings, v.receipts), (case.readings.clone(), case.receipts.clone()));
    let h = v.header;
    assert_eq!((h.epoch, h.readings, h.receipts), (6, 4, 2));
    assert_eq!((h.inputs_root, h.manifest_hash), (case.manifest.inputs_root, case.manifest.hash()));
    assert_eq!(h.body_bytes as usize, bytes.len() - HEADER_LEN);
    // Without a manifest only the file's own consistency is checked.
    assert!(verify(&bytes, None).is_ok());
    // An epoch that committed nothing has an archive without records.
    let empty = encode(6, EMPTY_ROOT, [1; 32], &[], &[]).expect("encode");
    let v = verify(&empty, None).expect("empty archive verifies");
    assert_eq!((v.readings.len(), v.receipts.len()), (0, 0));
}

#[test]
fn a_header_from_another_manifest_is_refused_by_field() {
    let case = Case::new();
    let bytes = case.good();
    let mut other = case.manifest.clone();
    other.epoch = 7;
    let err = verify(&bytes, Some(&other)).expect_err("epoch");
    assert_eq!(
        err,
        ArchiveError::Manifest { field: "epoch", archive: "6".into(), manifest: "7".into() }
    );
    let mut other = case.manifest.clone();
    other.emission = 1;
    let err = verify(&bytes, Some(&other)).expect_err("hash");
    let (archive, manifest) = (hex(&case.manifest.hash()), hex(&other.hash()));
    assert_eq!(err, ArchiveError::Manifest { field: "manifest_hash", archive, manifest });
}

#[test]
fn records_out_of_order_repeated_or_badly_signed_are_refused_by_index() {
    let case = Case::new();
    let mut swapped = case.readings.clone();
    swapped.swap(1, 2);
    let err = case.check(&case.file(&swapped, &case.receipts)).expect_err("order");
    assert_eq!(err, ArchiveError::Order { input: InputKind::Reading, index: 2 });
    let mut twice = case.receipts.clone();
    twice.push(case.receipts[1]);
    let err = case.check(&case.file(&case.readings, &twice)).expect_err("repeat");
    assert_eq!(err, ArchiveError::Order { input: InputKind::Receipt, index: 2 });
    // A requester signature with one bit flipped.
    let mut forged = case.receipts.clone();
    forged[1].requester_signature[10] ^= 1;
    let err = case.check(&case.file(&case.readings, &forged)).expect_err("signature");
    let identity = hex(&forged[1].identity());
    let reason = RejectReason::BadRequesterSignature;
    assert_eq!(
        err,
        ArchiveError::Signature { input: InputKind::Receipt, index: 1, identity, reason }
    );
}

#[test]
fn damaged_files_are_refused_before_any_record_is_read() {
    let case = Case::new();
    let bytes = case.good();
    let header = Header::parse(&bytes).expect("header");
    let with = |edit: &dyn Fn(&mut Vec<u8>)| {
        let mut b = bytes.clone();
        edit(&mut b);
        case.check(&b).expect_err("damaged")
    };
    assert_eq!(with(&|b| b.truncate(50)), ArchiveError::TooShort(50));
    assert_eq!(with(&|b| b[0] = b'X'), ArchiveError::BadMagic(*b"XMARCH\0\0"));
    assert_eq!(with(&|b| b[8] = 3), ArchiveError::Version(3));
    // Version 2 without challenge evidence: writers use version 1 for that.
    let empty_v2 = |b: &mut Vec<u8>| {
        b[8] = 2;
        b.splice(HEADER_LEN..HEADER_LEN, [0u8; 24]);
    };
    assert_eq!(with(&empty_v2), ArchiveError::Version(2));
    assert_eq!(with(&|b| b[9] = 0), ArchiveError::Codec(0));
    assert_eq!(with(&|b| b[12] = 1), ArchiveError::Reserved);
    let (expected, actual) = (bytes.len() as u64, bytes.len() as u64 - 1);
    assert_eq!(
        with(&|b| {
            b.pop();
        }),
        ArchiveError::Length { expected, actual }
    );
    assert_eq!(with(&|b| b.push(0)), ArchiveError::Length { expected, actual: expected + 1 });
    // The gzip trailer's CRC-32 of the records.
    let crc = bytes.len() - 8;
    let err = with(&|b| b[crc] ^= 1);
    let message = "corrupt gzip stream does not have a matching checksum".to_string();
    assert_eq!(err, ArchiveError::Body(message));
    // Counts that call for one reading more than the body holds.
    let more = Header { readings: header.readings + 1, ..header }.to_bytes();
    let err = with(&|b| b[..HEADER_LEN].copy_from_slice(&more));
    let want = header.record_bytes().expect("fits") + 177;
    assert_eq!(err, ArchiveError::RecordBytes { expected: want, actual: want - 177 });
}

#[test]
fn a_body_of_two_gzip_members_or_an_undecodable_message_is_refused() {
    let case = Case::new();
    let bytes = case.good();
    // A second gzip member after the first, the header's lengths adjusted to cover it.
    let mut doubled = bytes.clone();
    doubled.extend_from_slice(&bytes[HEADER_LEN..]);
    let header = Header::parse(&bytes).expect("header");
    let body_bytes = 2 * header.body_bytes;
    doubled[..HEADER_LEN].copy_from_slice(&Header { body_bytes, ..header }.to_bytes());
    assert_eq!(case.check(&doubled).expect_err("two members"), ArchiveError::TrailingBody);
    // A reading whose message has another tag.
    let mut odd = case.readings.clone();
    odd[3].message[0] = b'X';
    let err = case.check(&case.file(&odd, &case.receipts)).expect_err("malformed");
    assert_eq!(err, ArchiveError::Malformed { input: InputKind::Reading, index: 3 });
}
