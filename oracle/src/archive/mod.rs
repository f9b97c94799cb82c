//! Per-epoch archive files: the inputs an epoch's `inputs_root` commits (§9.8), kept as one
//! compressed file per finalized epoch that anyone can fetch and check against the
//! manifest, so the store may drop them once the manifest can no longer be disputed.
//!
//! - [`format`]: the file (`epoch-<e>.gmar`: a 112-byte header, or 136 bytes in version 2
//!   with challenge evidence, then a gzip member of the binary records), specified in
//!   `docs/archive.md`.
//! - [`verify`]: the pure verifier (every signature with `verify_strict`, canonical order,
//!   identities, `inputs_root`, and the header against the finalized manifest).
//! - [`build`]: which stored inputs a manifest commits (the close's own `considered` set).
//! - [`prune`]: which rows of an archived epoch later closes still read, and the deletion.
//! - [`task`]: the [`Archiver`] beside the epoch loop: write, fetch from peers, prune.
//! - [`http`]: `GET /v1/epochs/{e}/archive`; [`cli`]: `gridmint-oracle archive verify`;
//!   [`setup`]: the `[archive]` config.

pub mod build;
pub mod cli;
pub mod format;
pub mod http;
pub mod prune;
pub mod setup;
pub mod task;
pub mod verify;

pub use format::{Header, HEADER_LEN, HEADER_V2_LEN, MAGIC, VERSION, VERSION_CHALLENGES};
pub use task::{ArchiveSettings, Archiver, PassSummary};
pub use verify::{verify, Verified};

use gridmint_protocol::crediting::{CreditError, InputKind, RejectReason};
use gridmint_sdk::chain::ChainError;

use crate::epoch::gather::GatherError;
use crate::store::StoreError;

/// Why an archive is refused. Every check of [`verify`] has its own variant, so a verifier
/// says exactly what is wrong with a file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    #[error("archive is {0} bytes, shorter than its header (112 bytes; 136 in version 2)")]
    TooShort(usize),
    #[error("not a GridMint archive (magic {0:02x?})")]
    BadMagic([u8; 8]),
    #[error("archive format version {0} is not supported (this build reads versions 1 and 2)")]
    Version(u8),
    #[error("unknown body codec {0} (version 1 knows 1: gzip)")]
    Codec(u8),
    #[error("reserved header bytes are not zero")]
    Reserved,
    #[error("archive is {actual} bytes; its header says {expected}")]
    Length { expected: u64, actual: u64 },
    #[error("compressed body is corrupt: {0}")]
    Body(String),
    #[error("compressed body continues after its gzip member")]
    TrailingBody,
    #[error("records take {actual} bytes; the header's counts say {expected}")]
    RecordBytes { expected: u64, actual: u64 },
    #[error("{input:?} {index} does not decode")]
    Malformed { input: InputKind, index: usize },
    #[error("{input:?} {index} is not after the one before it in canonical order")]
    Order { input: InputKind, index: usize },
    #[error("{input:?} {index} ({identity}) fails verify_strict: {reason:?}")]
    Signature { input: InputKind, index: usize, identity: String, reason: RejectReason },
    #[error("challenge evidence is malformed: {0}")]
    ChallengeRecords(String),
    #[error("{kind} {index} is not after the one before it in canonical order")]
    ChallengeOrder { kind: &'static str, index: usize },
    #[error("{kind} {index} ({identity}) fails its ingest checks: {reason}")]
    ChallengeSignature { kind: &'static str, index: usize, identity: String, reason: String },
    #[error("the records' inputs_root is {computed}; the header says {header}")]
    RootMismatch { header: String, computed: String },
    #[error("the archive's {field} is {archive}; the manifest's is {manifest}")]
    Manifest { field: &'static str, archive: String, manifest: String },
}

/// Why an archive pass stopped (it is retried next pass).
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Gather(#[from] GatherError),
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error("crediting refused the stored inputs: {0:?}")]
    Credit(CreditError),
    #[error(transparent)]
    Snapshot(#[from] crate::epoch::snapshot::CorruptSnapshot),
    #[error("archive task failed: {0}")]
    Task(String),
    #[error("rewards config not found: is the deployment initialised and the RPC right?")]
    NoConfig,
    #[error("archive file: {0}")]
    Io(#[from] std::io::Error),
}

/// The file name of `epoch`'s archive.
pub fn file_name(epoch: u64) -> String {
    format!("epoch-{epoch}.gmar")
}
