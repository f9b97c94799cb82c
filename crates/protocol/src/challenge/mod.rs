//! Compute challenges (PROTOCOL.md §10): unpredictable spot checks that a node's registered
//! compute capacity is real and online, judged identically by every oracle.
//!
//! - [`beacon`]: the per-epoch beacon account the crank fills with slot hashes, and the
//!   schedule (which node is challenged at which beacon) derived from it;
//! - [`matrix`]: kernel sizing from `compute_units_per_hour`, the matrices from the seed,
//!   the product-row Merkle tree, Fiat–Shamir row sampling, and the off-chain prover;
//! - [`answer`]: the device-signed answer (`GMCHAL\0\0`, §6.5) and its opening;
//! - [`attestation`]: the oracle-signed receipt attestation (`GMCHAT\0\0`, §6.6);
//! - [`verdict`]: pass/fail/void per challenge, the tally per node, and crediting with it.
//!
//! Everything is integer-only, allocation-bounded and free of clocks and hash maps, like
//! the crediting rules it feeds: the verdict is a pure function of the *set* of evidence.

pub mod answer;
pub mod attestation;
pub mod beacon;
pub mod matrix;
#[cfg(any(feature = "signing", test))]
pub mod signatures;
pub mod verdict;

#[cfg(test)]
mod tests;

use solana_sha256_hasher::hashv;

use crate::merkle::Hash32;

/// Most beacons an epoch can hold (the beacon account is sized for this many).
pub const MAX_BEACONS: usize = 64;
/// Rows each answer opens (`k`): a node that computed a fraction `f` of the rows passes one
/// challenge with probability `f^64` per commitment it tries (§10.6).
pub const SAMPLED_ROWS: usize = 64;
/// Smallest and largest inner dimension `d` (powers of two; `d` is a multiple of 32 so that
/// every matrix row starts on a SHA-256 block of the generator).
pub const MIN_DIM: u32 = 32;
pub const MAX_DIM: u32 = 4_096;
/// Most rows `m` of a challenge (`2^20`: a Merkle path has at most 20 hashes).
pub const MAX_ROWS: u32 = 1 << 20;
/// Bounds of the per-epoch challenge parameters.
pub const MAX_TARGET_SECONDS: u32 = 600;
pub const MAX_GRACE_SECONDS: u32 = 600;

/// The challenge parameters in force for an epoch (copied into its beacon account when the
/// account is created, so the oracles read them with the beacons).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChallengeParams {
    /// `N`: beacons per epoch, `1..=MAX_BEACONS`.
    pub beacons_per_epoch: u16,
    /// `R`: challenges per node per epoch, `0..=N` (0 disables challenges).
    pub challenges_per_epoch: u16,
    /// `T`: how long the kernel should take at the registered capacity, `1..=600` s.
    pub target_seconds: u32,
    /// Extra time for hashing, signing and transport, `0..=600` s.
    pub grace_seconds: u32,
}

/// Why a parameter set or a beacon is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeError {
    BeaconsOutOfRange,
    RateAboveBeacons,
    TargetOutOfRange,
    GraceOutOfRange,
    /// The epoch is shorter than `2 × N` seconds: beacon windows would be empty.
    EpochTooShort,
    /// The epoch's bounds do not fit the clock's arithmetic.
    Clock,
    /// No beacon with this index in this epoch.
    BeaconIndex,
    /// The beacon was already recorded.
    AlreadyRecorded,
    /// Outside the beacon's window `[due, due + window)`.
    OutsideWindow,
    /// Slot 0 marks an empty entry and is never recorded.
    ZeroSlot,
    /// The account bytes are not a beacon set of this version.
    Malformed,
}

impl ChallengeParams {
    /// The bounds of §10.1.
    pub fn validate(&self, epoch_seconds: i64) -> Result<(), ChallengeError> {
        let n = usize::from(self.beacons_per_epoch);
        if n == 0 || n > MAX_BEACONS {
            return Err(ChallengeError::BeaconsOutOfRange);
        }
        if self.challenges_per_epoch > self.beacons_per_epoch {
            return Err(ChallengeError::RateAboveBeacons);
        }
        if self.target_seconds == 0 || self.target_seconds > MAX_TARGET_SECONDS {
            return Err(ChallengeError::TargetOutOfRange);
        }
        if self.grace_seconds > MAX_GRACE_SECONDS {
            return Err(ChallengeError::GraceOutOfRange);
        }
        if epoch_seconds < i64::from(self.beacons_per_epoch).saturating_mul(2) {
            return Err(ChallengeError::EpochTooShort);
        }
        Ok(())
    }

    /// `T + grace`: a challenge's deadline is its beacon's `recorded_at` plus this.
    pub fn response_seconds(&self) -> i64 {
        i64::from(self.target_seconds).saturating_add(i64::from(self.grace_seconds))
    }
}

/// `H(parts…)`.
pub(crate) fn h(parts: &[&[u8]]) -> Hash32 {
    hashv(parts).to_bytes()
}

/// The first 8 bytes of `H(parts…)` as a little-endian `u64` (a uniform draw).
pub(crate) fn draw(parts: &[&[u8]]) -> u64 {
    let d = h(parts);
    let mut x = [0u8; 8];
    x.copy_from_slice(d.get(..8).unwrap_or(&[0; 8]));
    u64::from_le_bytes(x)
}
