//! Compute-challenge parameters (PROTOCOL.md §10.1) and the per-epoch beacon account.
//!
//! The parameters live in the config's former reserved tail (12 of its 128 bytes), so the
//! config keeps its size and every existing account reads as "challenges disabled" (all
//! zero). They are copied into an epoch's beacon account when it is created, which fixes
//! them for that epoch.

use anchor_lang::prelude::*;
use gridmint_protocol::challenge::beacon::BeaconSet;
use gridmint_protocol::challenge::{ChallengeError, ChallengeParams, MAX_BEACONS};

use crate::errors::RewardsError;

/// `ChallengeParams` as stored in the config (Borsh, 12 bytes). All zero: disabled, as in a
/// config created before challenges existed.
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct ChallengeSettings {
    /// `N`: beacons per epoch, `1..=64`, and `epoch_seconds ≥ 2N`.
    pub beacons_per_epoch: u16,
    /// `R`: challenges per compute node per epoch, `0..=N`; 0 disables challenges.
    pub challenges_per_epoch: u16,
    /// `T`: seconds the kernel takes at the registered capacity, `1..=600`.
    pub target_seconds: u32,
    /// Hashing, signing and transport on top of `T`, `0..=600`.
    pub grace_seconds: u32,
}

impl ChallengeSettings {
    pub fn protocol(&self) -> ChallengeParams {
        ChallengeParams {
            beacons_per_epoch: self.beacons_per_epoch,
            challenges_per_epoch: self.challenges_per_epoch,
            target_seconds: self.target_seconds,
            grace_seconds: self.grace_seconds,
        }
    }

    /// Whether nodes are challenged at all (`R > 0`).
    pub fn enabled(&self) -> bool {
        self.challenges_per_epoch > 0
    }

    /// `T + grace`: a challenge's response window.
    pub fn response_seconds(&self) -> i64 {
        self.protocol().response_seconds()
    }

    /// The §10.1 bounds for epochs of `epoch_seconds`, and a response window that closes
    /// within `report_grace_seconds` (so the last beacon's challenges are judged before the
    /// epoch can be reported). The all-zero set (disabled, like a fresh config) is accepted.
    pub fn validate(&self, epoch_seconds: i64, report_grace_seconds: i64) -> Result<()> {
        if *self == Self::default() {
            return Ok(());
        }
        self.protocol().validate(epoch_seconds).map_err(challenge_error)?;
        require!(
            !self.enabled() || self.response_seconds() <= report_grace_seconds,
            RewardsError::ChallengeResponseExceedsReportGrace
        );
        Ok(())
    }
}

/// The beacon account of one epoch, PDA `[BEACONS, epoch LE]`: the 8-byte discriminator,
/// then exactly the Borsh layout of `gridmint_protocol::challenge::beacon::BeaconSet`
/// (3,093 bytes; packed, so the zero-copy view and the Borsh layout are the same bytes).
/// The program never materialises it: it writes the header bytes at creation and records
/// beacons with `beacon::record_in_place` on the raw data. No bump is stored (the layout
/// is the protocol's); the PDA is re-derived by each instruction.
#[account(zero_copy(unsafe))]
#[repr(C, packed)]
pub struct BeaconSetAccount {
    /// Layout version (`BEACON_SET_VERSION`, 1).
    pub version: u8,
    pub epoch: u64,
    pub beacons_per_epoch: u16,
    pub challenges_per_epoch: u16,
    pub target_seconds: u32,
    pub grace_seconds: u32,
    /// Entries `0..N` are used; `slot = 0` means not recorded.
    pub beacons: [BeaconEntry; MAX_BEACONS],
}

/// One recorded slot hash (`gridmint_protocol::challenge::beacon::Beacon`).
#[zero_copy(unsafe)]
#[repr(C, packed)]
pub struct BeaconEntry {
    pub slot: u64,
    pub recorded_at: i64,
    pub hash: [u8; 32],
}

impl BeaconSetAccount {
    /// Account space: discriminator + the protocol's `BeaconSet::LEN` (3,093).
    pub const SPACE: usize = 8 + BeaconSet::LEN;
}

/// Maps the protocol's challenge errors to program errors (one named error each).
pub fn challenge_error(e: ChallengeError) -> Error {
    match e {
        ChallengeError::BeaconsOutOfRange => error!(RewardsError::InvalidBeaconCount),
        ChallengeError::RateAboveBeacons => error!(RewardsError::ChallengesAboveBeacons),
        ChallengeError::TargetOutOfRange => error!(RewardsError::InvalidChallengeTarget),
        ChallengeError::GraceOutOfRange => error!(RewardsError::InvalidChallengeGrace),
        ChallengeError::EpochTooShort => error!(RewardsError::EpochTooShortForBeacons),
        ChallengeError::Clock => error!(RewardsError::ArithmeticOverflow),
        ChallengeError::BeaconIndex => error!(RewardsError::BeaconIndexOutOfRange),
        ChallengeError::AlreadyRecorded => error!(RewardsError::BeaconAlreadyRecorded),
        ChallengeError::OutsideWindow => error!(RewardsError::BeaconOutsideWindow),
        ChallengeError::ZeroSlot => error!(RewardsError::BeaconZeroSlot),
        ChallengeError::Malformed => error!(RewardsError::MalformedBeaconSet),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_view_is_the_protocol_layout() {
        // size_of measures the Rust layout; packed + repr(C) makes it the Borsh layout.
        assert_eq!(core::mem::size_of::<BeaconSetAccount>(), BeaconSet::LEN);
        assert_eq!(BeaconSetAccount::SPACE, 8 + 3_093);
    }
}
