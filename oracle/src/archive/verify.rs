//! The archive verifier: pure (bytes and a manifest in, a verdict out), so an auditor, a
//! peer and the oracle before it prunes run the very same checks, in this order:
//!
//! 1. structure ([`super::format::decode`]): header, lengths, gzip, whole records whose
//!    messages decode;
//! 2. with a manifest: the header's epoch, manifest hash and `inputs_root` are the manifest's;
//! 3. each kind strictly increasing by `(device_key, message)` (one copy per identity);
//! 4. every signature with `verify_strict` (receipts: device, then requester);
//! 5. the `inputs_root` of the records' identities (§9.8) is the header's.
//!
//! Together: the file holds exactly the inputs the manifest commits, each as signed.

use gridmint_protocol::crediting::root::inputs_root;
use gridmint_protocol::crediting::signatures::{verify_reading, verify_receipt};
use gridmint_protocol::crediting::{InputKind, RejectReason, SignedReading, SignedReceipt};
use gridmint_protocol::merkle::Hash32;
use gridmint_protocol::rewards::EpochManifest;

use super::format::{self, Header};
use super::ArchiveError;
use crate::epoch::hex;

/// A file that passed every check, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub header: Header,
    pub readings: Vec<SignedReading>,
    pub receipts: Vec<SignedReceipt>,
}

/// Checks `bytes` (see the module docs); without `manifest` only the file's own
/// consistency is checked, and the caller must compare the header with a trusted manifest.
pub fn verify(bytes: &[u8], manifest: Option<&EpochManifest>) -> Result<Verified, ArchiveError> {
    let (header, readings, receipts) = format::decode(bytes)?;
    if let Some(m) = manifest {
        same("epoch", header.epoch.to_string(), m.epoch.to_string())?;
        same("manifest_hash", hex(&header.manifest_hash), hex(&m.hash()))?;
        same("inputs_root", hex(&header.inputs_root), hex(&m.inputs_root))?;
    }
    increasing(&readings, InputKind::Reading, |r| (r.device_key, r.message.to_vec()))?;
    increasing(&receipts, InputKind::Receipt, |r| (r.device_key, r.message.to_vec()))?;
    signatures(&readings, InputKind::Reading, verify_reading, SignedReading::identity)?;
    signatures(&receipts, InputKind::Receipt, verify_receipt, SignedReceipt::identity)?;
    let ids: Vec<Hash32> = readings
        .iter()
        .map(SignedReading::identity)
        .chain(receipts.iter().map(SignedReceipt::identity))
        .collect();
    let computed = inputs_root(&ids);
    if computed != header.inputs_root {
        return Err(ArchiveError::RootMismatch {
            header: hex(&header.inputs_root),
            computed: hex(&computed),
        });
    }
    Ok(Verified { header, readings, receipts })
}

fn same(field: &'static str, archive: String, manifest: String) -> Result<(), ArchiveError> {
    if archive == manifest {
        Ok(())
    } else {
        Err(ArchiveError::Manifest { field, archive, manifest })
    }
}

/// Each item's key is strictly greater than the one before it.
fn increasing<T, K: Ord>(
    items: &[T],
    input: InputKind,
    key: impl Fn(&T) -> K,
) -> Result<(), ArchiveError> {
    match items.windows(2).position(|w| key(&w[0]) >= key(&w[1])) {
        Some(i) => Err(ArchiveError::Order { input, index: i + 1 }),
        None => Ok(()),
    }
}

/// Items per thread below which one thread checks everything.
const CHUNK_MIN: usize = 4_096;

/// The first item (lowest index) whose signatures fail, checked on every core.
fn signatures<T: Sync>(
    items: &[T],
    input: InputKind,
    check: fn(&T) -> Result<(), RejectReason>,
    identity: fn(&T) -> Hash32,
) -> Result<(), ArchiveError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = items.len().div_ceil(threads).max(CHUNK_MIN);
    let first = std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .enumerate()
            .map(|(n, part)| {
                s.spawn(move || {
                    part.iter()
                        .enumerate()
                        .find_map(|(i, item)| check(item).err().map(|e| (n * chunk + i, e)))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .find_map(|found| found)
    });
    match first {
        Some((index, reason)) => Err(ArchiveError::Signature {
            input,
            index,
            identity: hex(&identity(&items[index])),
            reason,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
