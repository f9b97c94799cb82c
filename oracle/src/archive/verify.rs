//! The archive verifier: pure (bytes and a manifest in, a verdict out), so an auditor, a
//! peer and the oracle before it prunes run the very same checks, in this order:
//!
//! 1. structure ([`super::format::decode`]): header, lengths, gzip, whole records whose
//!    messages decode;
//! 2. with a manifest: the header's epoch, manifest hash and `inputs_root` are the manifest's;
//! 3. each kind strictly increasing by `(device_key, message)` (one copy per identity);
//! 4. every signature with `verify_strict` (receipts: device, then requester; answers: the
//!    device signature and the opening against `opening_hash`; attestations: the oracle's);
//! 5. the `inputs_root` of the records' identities (§9.8, §10.8) is the header's.
//!
//! Together: the file holds exactly the inputs the manifest commits, each as signed.

use gridmint_protocol::challenge::answer::SignedAnswer;
use gridmint_protocol::challenge::attestation::SignedAttestation;
use gridmint_protocol::challenge::signatures::{ingest_answer, verify_attestation};
use gridmint_protocol::crediting::root::inputs_root;
use gridmint_protocol::crediting::signatures::{verify_reading, verify_receipt};
use gridmint_protocol::crediting::{InputKind, RejectReason, SignedReading, SignedReceipt};
use gridmint_protocol::merkle::Hash32;
use gridmint_protocol::rewards::EpochManifest;

use super::format::{self, Contents, Header};
use super::ArchiveError;
use crate::epoch::hex;

/// A file that passed every check, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub header: Header,
    pub readings: Vec<SignedReading>,
    pub receipts: Vec<SignedReceipt>,
    pub answers: Vec<SignedAnswer>,
    pub attestations: Vec<SignedAttestation>,
}

/// Checks `bytes` (see the module docs); without `manifest` only the file's own
/// consistency is checked, and the caller must compare the header with a trusted manifest.
pub fn verify(bytes: &[u8], manifest: Option<&EpochManifest>) -> Result<Verified, ArchiveError> {
    let Contents { header, readings, receipts, answers, attestations } = format::decode(bytes)?;
    if let Some(m) = manifest {
        same("epoch", header.epoch.to_string(), m.epoch.to_string())?;
        same("manifest_hash", hex(&header.manifest_hash), hex(&m.hash()))?;
        same("inputs_root", hex(&header.inputs_root), hex(&m.inputs_root))?;
    }
    increasing(&readings, InputKind::Reading, |r| (r.device_key, r.message.to_vec()))?;
    increasing(&receipts, InputKind::Receipt, |r| (r.device_key, r.message.to_vec()))?;
    challenge_order(&answers, "answer", |a| (a.device_key, a.message.to_vec()))?;
    challenge_order(&attestations, "attestation", |a| (a.oracle_key, a.message.to_vec()))?;
    signatures(&readings, InputKind::Reading, verify_reading, SignedReading::identity)?;
    signatures(&receipts, InputKind::Receipt, verify_receipt, SignedReceipt::identity)?;
    challenge_checks(&answers, &attestations)?;
    let ids: Vec<Hash32> = readings
        .iter()
        .map(SignedReading::identity)
        .chain(receipts.iter().map(SignedReceipt::identity))
        .chain(answers.iter().map(SignedAnswer::identity))
        .chain(attestations.iter().map(SignedAttestation::identity))
        .collect();
    let computed = inputs_root(&ids);
    if computed != header.inputs_root {
        return Err(ArchiveError::RootMismatch {
            header: hex(&header.inputs_root),
            computed: hex(&computed),
        });
    }
    Ok(Verified { header, readings, receipts, answers, attestations })
}

/// Each challenge record's key is strictly greater than the one before it.
fn challenge_order<T, K: Ord>(
    items: &[T],
    kind: &'static str,
    key: impl Fn(&T) -> K,
) -> Result<(), ArchiveError> {
    match items.windows(2).position(|w| key(&w[0]) >= key(&w[1])) {
        Some(i) => Err(ArchiveError::ChallengeOrder { kind, index: i + 1 }),
        None => Ok(()),
    }
}

/// The checks every stored copy passed at ingest (§10.7): answers' device signatures and
/// openings, attestations' oracle signatures.
fn challenge_checks(
    answers: &[SignedAnswer],
    attestations: &[SignedAttestation],
) -> Result<(), ArchiveError> {
    for (index, a) in answers.iter().enumerate() {
        if let Err(e) = ingest_answer(a) {
            let (identity, reason) = (hex(&a.identity()), format!("{e:?}"));
            return Err(ArchiveError::ChallengeSignature {
                kind: "answer",
                index,
                identity,
                reason,
            });
        }
    }
    for (index, a) in attestations.iter().enumerate() {
        if let Err(e) = verify_attestation(a) {
            let (identity, reason) = (hex(&a.identity()), format!("{e:?}"));
            return Err(ArchiveError::ChallengeSignature {
                kind: "attestation",
                index,
                identity,
                reason,
            });
        }
    }
    Ok(())
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
