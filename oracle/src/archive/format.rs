//! The archive file, versions 1 and 2 (`docs/archive.md` is the specification):
//!
//! ```text
//! offset size
//!      0    8  magic "GMARCH\0\0"
//!      8    1  version = 1, or 2 with compute-challenge evidence
//!      9    1  codec = 1 (gzip, RFC 1952)
//!     10    6  reserved, zero
//!     16    8  epoch (u64 LE)
//!     24   32  inputs_root (§9.8)
//!     56   32  manifest_hash (SHA-256 of the manifest's Borsh bytes, §5)
//!     88    8  reading count (u64 LE)
//!     96    8  receipt count (u64 LE)
//!    104    8  body length in bytes (u64 LE)
//!  version 2 only:
//!    112    8  answer count (u64 LE)
//!    120    8  answer record bytes (u64 LE)
//!    128    8  attestation count (u64 LE)
//! 112/136       body: one gzip member of the reading records, the receipt records, then
//!               (version 2) the answer records and the attestation records
//! ```
//!
//! Records are the ingest's binary records (177-byte readings, 305-byte receipts, answers
//! `message[163] ‖ device_key[32] ‖ signature[64] ‖ opening_len u32 ‖ opening`, 217-byte
//! attestations), each kind strictly increasing by `(key, message)`: one copy per identity,
//! in the order of the protocol's `canonical_*` functions, so archives of the same copies are
//! equal. An epoch without challenge evidence is written as version 1, byte for byte as
//! before challenges existed.

use std::io::{Read, Write};

use flate2::bufread::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use gridmint_protocol::challenge::answer::{ChallengeAnswer, SignedAnswer};
use gridmint_protocol::challenge::attestation::{Attestation, SignedAttestation};
use gridmint_protocol::crediting::{InputKind, SignedReading, SignedReceipt};
use gridmint_protocol::merkle::Hash32;
use gridmint_protocol::messages::{EnergyReading, WorkReceipt};

use super::ArchiveError;
use crate::challenges::wire::{self as challenge_wire, ATTESTATION_RECORD};
use crate::ingest::wire::{self, READING_RECORD, RECEIPT_RECORD};

pub const MAGIC: [u8; 8] = *b"GMARCH\0\0";
/// Readings and receipts only.
pub const VERSION: u8 = 1;
/// With compute-challenge answers and attestations (§10.8).
pub const VERSION_CHALLENGES: u8 = 2;
/// The body is one gzip member.
pub const CODEC_GZIP: u8 = 1;
/// Header of a version 1 file.
pub const HEADER_LEN: usize = 112;
/// Header of a version 2 file.
pub const HEADER_V2_LEN: usize = 136;

/// The header's fields (magic, version and codec are implied).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub epoch: u64,
    pub inputs_root: Hash32,
    pub manifest_hash: Hash32,
    pub readings: u64,
    pub receipts: u64,
    /// Length of the compressed body.
    pub body_bytes: u64,
    /// Version 2: answer records, their total bytes, attestation records (zero in version 1).
    pub answers: u64,
    pub answer_bytes: u64,
    pub attestations: u64,
}

/// A file's header and records, checked for structure only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contents {
    pub header: Header,
    pub readings: Vec<SignedReading>,
    pub receipts: Vec<SignedReceipt>,
    pub answers: Vec<SignedAnswer>,
    pub attestations: Vec<SignedAttestation>,
}

impl Header {
    /// Version 2 when the file carries challenge evidence, else version 1.
    pub fn version(&self) -> u8 {
        if self.answers == 0 && self.answer_bytes == 0 && self.attestations == 0 {
            VERSION
        } else {
            VERSION_CHALLENGES
        }
    }

    /// The header's length in the file.
    pub fn header_len(&self) -> usize {
        if self.version() == VERSION {
            HEADER_LEN
        } else {
            HEADER_V2_LEN
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![0u8; self.header_len()];
        out[..8].copy_from_slice(&MAGIC);
        out[8] = self.version();
        out[9] = CODEC_GZIP;
        out[16..24].copy_from_slice(&self.epoch.to_le_bytes());
        out[24..56].copy_from_slice(&self.inputs_root);
        out[56..88].copy_from_slice(&self.manifest_hash);
        out[88..96].copy_from_slice(&self.readings.to_le_bytes());
        out[96..104].copy_from_slice(&self.receipts.to_le_bytes());
        out[104..112].copy_from_slice(&self.body_bytes.to_le_bytes());
        if self.version() == VERSION_CHALLENGES {
            out[112..120].copy_from_slice(&self.answers.to_le_bytes());
            out[120..128].copy_from_slice(&self.answer_bytes.to_le_bytes());
            out[128..136].copy_from_slice(&self.attestations.to_le_bytes());
        }
        out
    }

    /// The header at the start of `bytes` (the body is not looked at).
    pub fn parse(bytes: &[u8]) -> Result<Self, ArchiveError> {
        let h: &[u8; HEADER_LEN] = bytes
            .get(..HEADER_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(ArchiveError::TooShort(bytes.len()))?;
        let magic = array::<8>(h, 0);
        if magic != MAGIC {
            return Err(ArchiveError::BadMagic(magic));
        }
        if h[8] != VERSION && h[8] != VERSION_CHALLENGES {
            return Err(ArchiveError::Version(h[8]));
        }
        if h[9] != CODEC_GZIP {
            return Err(ArchiveError::Codec(h[9]));
        }
        if h[10..16].iter().any(|b| *b != 0) {
            return Err(ArchiveError::Reserved);
        }
        let u64_at = |at: usize| u64::from_le_bytes(array::<8>(h, at));
        let mut header = Self {
            epoch: u64_at(16),
            inputs_root: array::<32>(h, 24),
            manifest_hash: array::<32>(h, 56),
            readings: u64_at(88),
            receipts: u64_at(96),
            body_bytes: u64_at(104),
            answers: 0,
            answer_bytes: 0,
            attestations: 0,
        };
        if h[8] == VERSION_CHALLENGES {
            let v2 =
                bytes.get(HEADER_LEN..HEADER_V2_LEN).ok_or(ArchiveError::TooShort(bytes.len()))?;
            let at = |i: usize| {
                let mut x = [0u8; 8];
                x.copy_from_slice(&v2[i..i + 8]);
                u64::from_le_bytes(x)
            };
            header.answers = at(0);
            header.answer_bytes = at(8);
            header.attestations = at(16);
            // A version 2 file carries evidence; without it the writer uses version 1.
            if header.version() != VERSION_CHALLENGES {
                return Err(ArchiveError::Version(h[8]));
            }
        }
        Ok(header)
    }

    /// Bytes of the decompressed body the counts call for (`None` past `u64`).
    pub fn record_bytes(&self) -> Option<u64> {
        let r = self.readings.checked_mul(READING_RECORD as u64)?;
        let r = r.checked_add(self.receipts.checked_mul(RECEIPT_RECORD as u64)?)?;
        let r = r.checked_add(self.answer_bytes)?;
        r.checked_add(self.attestations.checked_mul(ATTESTATION_RECORD as u64)?)
    }
}

fn array<const N: usize>(h: &[u8; HEADER_LEN], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&h[at..at + N]);
    out
}

/// The file of `epoch` holding `readings` and `receipts` (already in canonical order).
pub fn encode(
    epoch: u64,
    inputs_root: Hash32,
    manifest_hash: Hash32,
    readings: &[SignedReading],
    receipts: &[SignedReceipt],
) -> std::io::Result<Vec<u8>> {
    encode_with(epoch, inputs_root, manifest_hash, readings, receipts, &[], &[])
}

/// [`encode`] with challenge answers and attestations (canonical order): version 2 when
/// there are any.
pub fn encode_with(
    epoch: u64,
    inputs_root: Hash32,
    manifest_hash: Hash32,
    readings: &[SignedReading],
    receipts: &[SignedReceipt],
    answers: &[SignedAnswer],
    attestations: &[SignedAttestation],
) -> std::io::Result<Vec<u8>> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    let mut record = Vec::with_capacity(RECEIPT_RECORD);
    for r in readings {
        record.clear();
        wire::reading_record(r, &mut record);
        gz.write_all(&record)?;
    }
    for r in receipts {
        record.clear();
        wire::receipt_record(r, &mut record);
        gz.write_all(&record)?;
    }
    let mut answer_bytes = 0u64;
    for a in answers {
        record.clear();
        challenge_wire::answer_record(a, &mut record);
        answer_bytes = answer_bytes.saturating_add(record.len() as u64);
        gz.write_all(&record)?;
    }
    for a in attestations {
        record.clear();
        challenge_wire::attestation_record(a, &mut record);
        gz.write_all(&record)?;
    }
    let body = gz.finish()?;
    let header = Header {
        epoch,
        inputs_root,
        manifest_hash,
        readings: readings.len() as u64,
        receipts: receipts.len() as u64,
        body_bytes: body.len() as u64,
        answers: answers.len() as u64,
        answer_bytes,
        attestations: attestations.len() as u64,
    };
    let mut out = header.to_bytes();
    out.extend_from_slice(&body);
    Ok(out)
}

/// The header and records of a file, checked for structure only (lengths, codec, message
/// encodings); [`super::verify`] checks everything else.
pub fn decode(bytes: &[u8]) -> Result<Contents, ArchiveError> {
    let header = Header::parse(bytes)?;
    let actual = bytes.len() as u64;
    let expected = header.body_bytes.saturating_add(header.header_len() as u64);
    if actual != expected {
        return Err(ArchiveError::Length { expected, actual });
    }
    let want = header.record_bytes().unwrap_or(u64::MAX);
    let mut decoder = GzDecoder::new(&bytes[header.header_len()..]);
    let mut body = Vec::new();
    // One byte more than the counts allow tells "too long" without inflating a bomb whole.
    decoder
        .by_ref()
        .take(want.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|e| ArchiveError::Body(e.to_string()))?;
    if body.len() as u64 != want {
        return Err(ArchiveError::RecordBytes { expected: want, actual: body.len() as u64 });
    }
    if !decoder.into_inner().is_empty() {
        return Err(ArchiveError::TrailingBody);
    }
    let short = ArchiveError::RecordBytes { expected: want, actual: body.len() as u64 };
    // The counts matched the body's length, so these splits are inside it.
    let size =
        |n: u64, record: usize| usize::try_from(n).unwrap_or(usize::MAX).saturating_mul(record);
    let (readings, rest) =
        body.split_at_checked(size(header.readings, READING_RECORD)).ok_or(short.clone())?;
    let (receipts, rest) =
        rest.split_at_checked(size(header.receipts, RECEIPT_RECORD)).ok_or(short.clone())?;
    let answer_bytes = usize::try_from(header.answer_bytes).unwrap_or(usize::MAX);
    let (answers, attestations) = rest.split_at_checked(answer_bytes).ok_or(short)?;
    let readings = readings
        .chunks_exact(READING_RECORD)
        .enumerate()
        .map(|(index, r)| {
            reading(r).ok_or(ArchiveError::Malformed { input: InputKind::Reading, index })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let receipts = receipts
        .chunks_exact(RECEIPT_RECORD)
        .enumerate()
        .map(|(index, r)| {
            receipt(r).ok_or(ArchiveError::Malformed { input: InputKind::Receipt, index })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let answers = challenge_records(answers, header.answers)?;
    let attestations = challenge_wire::parse_attestation_records(attestations)
        .map_err(|_| ArchiveError::ChallengeRecords("attestation records".into()))?;
    for (index, a) in attestations.iter().enumerate() {
        Attestation::decode(&a.message).map_err(|_| {
            ArchiveError::ChallengeRecords(format!("attestation {index} does not decode"))
        })?;
    }
    Ok(Contents { header, readings, receipts, answers, attestations })
}

/// Exactly `count` answer records whose messages decode.
fn challenge_records(bytes: &[u8], count: u64) -> Result<Vec<SignedAnswer>, ArchiveError> {
    if bytes.is_empty() && count == 0 {
        return Ok(Vec::new());
    }
    let items = challenge_wire::parse_answer_records(bytes, usize::try_from(count).unwrap_or(0))
        .map_err(|e| ArchiveError::ChallengeRecords(format!("answer records: {e:?}")))?;
    if items.len() as u64 != count {
        return Err(ArchiveError::ChallengeRecords(format!(
            "{} answer records; the header says {count}",
            items.len()
        )));
    }
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let a = item.map_err(|_| ArchiveError::ChallengeRecords(format!("answer {index}")))?;
        ChallengeAnswer::decode(&a.message).map_err(|_| {
            ArchiveError::ChallengeRecords(format!("answer {index} does not decode"))
        })?;
        out.push(a);
    }
    Ok(out)
}

/// `message[81] ‖ device_key[32] ‖ signature[64]`, if the message decodes.
fn reading(r: &[u8]) -> Option<SignedReading> {
    let (message, rest) = r.split_at_checked(EnergyReading::LEN)?;
    let (key, signature) = rest.split_at_checked(32)?;
    let signed = SignedReading {
        device_key: key.try_into().ok()?,
        message: message.try_into().ok()?,
        signature: signature.try_into().ok()?,
    };
    EnergyReading::decode(&signed.message).ok().map(|_| signed)
}

/// `message[145] ‖ device_key[32] ‖ device_signature[64] ‖ requester_signature[64]`.
fn receipt(r: &[u8]) -> Option<SignedReceipt> {
    let (message, rest) = r.split_at_checked(WorkReceipt::LEN)?;
    let (key, rest) = rest.split_at_checked(32)?;
    let (device_signature, requester_signature) = rest.split_at_checked(64)?;
    let signed = SignedReceipt {
        device_key: key.try_into().ok()?,
        message: message.try_into().ok()?,
        device_signature: device_signature.try_into().ok()?,
        requester_signature: requester_signature.try_into().ok()?,
    };
    WorkReceipt::decode(&signed.message).ok().map(|_| signed)
}

#[cfg(test)]
#[path = "size_tests.rs"]
mod size_tests;
