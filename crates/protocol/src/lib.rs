//! GridMint's shared protocol: wire formats, hashing, Merkle trees and reward math.
//!
//! Everything here is normative (see `docs/PROTOCOL.md`), deterministic, free of floating
//! point and safe to compile for SBF: the programs, the oracle and the SDK all use it, so a
//! root or a signed message means the same thing everywhere.
#![forbid(unsafe_code)]

pub mod challenge;
pub mod crediting;
pub mod deployment;
pub mod ed25519;
pub mod emission;
pub mod fraud;
pub mod limits;
pub mod merkle;
pub mod messages;
pub mod mint_policy;
pub mod rewards;
pub mod views;
