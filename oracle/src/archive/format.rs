//! The archive file, version 1 (`docs/archive.md` is the specification):
//!
//! ```text
//! offset size
//!      0    8  magic "GMARCH\0\0"
//!      8    1  version = 1
//!      9    1  codec = 1 (gzip, RFC 1952)
//!     10    6  reserved, zero
//!     16    8  epoch (u64 LE)
//!     24   32  inputs_root (§9.8)
//!     56   32  manifest_hash (SHA-256 of the manifest's Borsh bytes, §5)
//!     88    8  reading count (u64 LE)
//!     96    8  receipt count (u64 LE)
//!    104    8  body length in bytes (u64 LE)
//!    112       body: one gzip member of the reading records, then the receipt records
//! ```
//!
//! Records are the ingest's binary records (177-byte readings, 305-byte receipts), each
//! kind strictly increasing by `(device_key, message)`: one copy per identity, in the order
//! of `canonical_readings`/`canonical_receipts`, so archives of the same copies are equal.

use std::io::{Read, Write};

use flate2::bufread::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use gridmint_protocol::crediting::{InputKind, SignedReading, SignedReceipt};
use gridmint_protocol::merkle::Hash32;
use gridmint_protocol::messages::{EnergyReading, WorkReceipt};

use super::ArchiveError;
use crate::ingest::wire::{self, READING_RECORD, RECEIPT_RECORD};

pub const MAGIC: [u8; 8] = *b"GMARCH\0\0";
pub const VERSION: u8 = 1;
/// The body is one gzip member.
pub const CODEC_GZIP: u8 = 1;
pub const HEADER_LEN: usize = 112;

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
}

impl Header {
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..8].copy_from_slice(&MAGIC);
        out[8] = VERSION;
        out[9] = CODEC_GZIP;
        out[16..24].copy_from_slice(&self.epoch.to_le_bytes());
        out[24..56].copy_from_slice(&self.inputs_root);
        out[56..88].copy_from_slice(&self.manifest_hash);
        out[88..96].copy_from_slice(&self.readings.to_le_bytes());
        out[96..104].copy_from_slice(&self.receipts.to_le_bytes());
        out[104..112].copy_from_slice(&self.body_bytes.to_le_bytes());
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
        if h[8] != VERSION {
            return Err(ArchiveError::Version(h[8]));
        }
        if h[9] != CODEC_GZIP {
            return Err(ArchiveError::Codec(h[9]));
        }
        if h[10..16].iter().any(|b| *b != 0) {
            return Err(ArchiveError::Reserved);
        }
        let u64_at = |at: usize| u64::from_le_bytes(array::<8>(h, at));
        Ok(Self {
            epoch: u64_at(16),
            inputs_root: array::<32>(h, 24),
            manifest_hash: array::<32>(h, 56),
            readings: u64_at(88),
            receipts: u64_at(96),
            body_bytes: u64_at(104),
        })
    }

    /// Bytes of the decompressed body the counts call for (`None` past `u64`).
    pub fn record_bytes(&self) -> Option<u64> {
        let r = self.readings.checked_mul(READING_RECORD as u64)?;
        r.checked_add(self.receipts.checked_mul(RECEIPT_RECORD as u64)?)
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
    let body = gz.finish()?;
    let header = Header {
        epoch,
        inputs_root,
        manifest_hash,
        readings: readings.len() as u64,
        receipts: receipts.len() as u64,
        body_bytes: body.len() as u64,
    };
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(&header.to_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

/// The header and records of a file, checked for structure only (lengths, codec, message
/// encodings); [`super::verify`] checks everything else.
pub fn decode(
    bytes: &[u8],
) -> Result<(Header, Vec<SignedReading>, Vec<SignedReceipt>), ArchiveError> {
    let header = Header::parse(bytes)?;
    let actual = bytes.len() as u64;
    let expected = header.body_bytes.saturating_add(HEADER_LEN as u64);
    if actual != expected {
        return Err(ArchiveError::Length { expected, actual });
    }
    let want = header.record_bytes().unwrap_or(u64::MAX);
    let mut decoder = GzDecoder::new(&bytes[HEADER_LEN..]);
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
    // The counts matched the body's length, so this split is inside it.
    let split =
        usize::try_from(header.readings).unwrap_or(usize::MAX).saturating_mul(READING_RECORD);
    let (readings, receipts) = body
        .split_at_checked(split)
        .ok_or(ArchiveError::RecordBytes { expected: want, actual: body.len() as u64 })?;
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
    Ok((header, readings, receipts))
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
