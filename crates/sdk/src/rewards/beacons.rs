//! Compute-challenge beacons (PROTOCOL.md §10.1) on the client side: the beacon account's
//! PDA, the three instruction builders and decoding into the protocol's `BeaconSet`.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::Discriminator;
use rewards::state::seeds;

pub use gridmint_protocol::challenge::beacon::{Beacon, BeaconSet};
pub use rewards::instructions::{CreateBeaconsArgs, RecordBeaconArgs, SetChallengeParamsArgs};
pub use rewards::state::{BeaconSetAccount, ChallengeSettings};

use super::{build, config_address, event_authority, PROGRAM_ID};
use rewards::{accounts, instruction};

/// An epoch's beacon account `[BEACONS, epoch (u64 LE)]`.
pub fn beacons_pda(epoch: u64) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[seeds::BEACONS, &epoch.to_le_bytes()], &PROGRAM_ID)
}

/// `set_challenge_params`: the parameters beacon accounts created from now on copy.
pub fn set_challenge_params(authority: &Pubkey, params: ChallengeSettings) -> Instruction {
    build(
        accounts::SetChallengeParams {
            authority: *authority,
            config: config_address(),
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::SetChallengeParams { args: SetChallengeParamsArgs { params } },
    )
}

/// `create_beacons` for `epoch` (the current or the next one); `payer` pays the rent.
pub fn create_beacons(payer: &Pubkey, epoch: u64) -> Instruction {
    build(
        accounts::CreateBeacons {
            payer: *payer,
            config: config_address(),
            beacons: beacons_pda(epoch).0,
            system_program: solana_sdk_ids::system_program::ID,
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::CreateBeacons { args: CreateBeaconsArgs { epoch } },
    )
}

/// `record_beacon`: crank beacon `index` of `epoch` (inside its window). Needs no signer
/// but the fee payer.
pub fn record_beacon(epoch: u64, index: u16) -> Instruction {
    build(
        accounts::RecordBeacon {
            beacons: beacons_pda(epoch).0,
            config: config_address(),
            slot_hashes: solana_sdk_ids::sysvar::slot_hashes::ID,
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::RecordBeacon { args: RecordBeaconArgs { epoch, index } },
    )
}

/// Why beacon account data does not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BeaconsDecodeError {
    /// Not the `BeaconSetAccount` discriminator.
    Discriminator,
    /// Wrong length or version (`BeaconSet::decode`).
    Malformed,
}

impl std::fmt::Display for BeaconsDecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Discriminator => f.write_str("not a beacon account (discriminator)"),
            Self::Malformed => f.write_str("beacon account of another length or version"),
        }
    }
}

impl std::error::Error for BeaconsDecodeError {}

/// Decodes a beacon account's data (discriminator, then the protocol's Borsh `BeaconSet`).
pub fn decode_beacons(data: &[u8]) -> Result<BeaconSet, BeaconsDecodeError> {
    let disc = BeaconSetAccount::DISCRIMINATOR;
    let body = data.strip_prefix(disc).ok_or(BeaconsDecodeError::Discriminator)?;
    BeaconSet::decode(body).map_err(|_| BeaconsDecodeError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridmint_protocol::challenge::ChallengeParams;

    fn params() -> ChallengeParams {
        ChallengeParams {
            beacons_per_epoch: 4,
            challenges_per_epoch: 2,
            target_seconds: 1,
            grace_seconds: 29,
        }
    }

    #[test]
    fn decodes_what_the_program_writes() {
        let set = BeaconSet::new(7, &params(), 14_400).unwrap();
        let mut data = BeaconSetAccount::DISCRIMINATOR.to_vec();
        data.extend(anchor_lang::prelude::borsh::to_vec(&set).unwrap());
        assert_eq!(data.len(), BeaconSetAccount::SPACE);
        assert_eq!(decode_beacons(&data), Ok(set));
    }

    #[test]
    fn refuses_other_accounts() {
        let set = BeaconSet::new(7, &params(), 14_400).unwrap();
        let body = anchor_lang::prelude::borsh::to_vec(&set).unwrap();
        let mut wrong = [0u8; 8].to_vec();
        wrong.extend(&body);
        assert_eq!(decode_beacons(&wrong), Err(BeaconsDecodeError::Discriminator));
        let mut short = BeaconSetAccount::DISCRIMINATOR.to_vec();
        short.extend(&body[..100]);
        assert_eq!(decode_beacons(&short), Err(BeaconsDecodeError::Malformed));
    }

    #[test]
    fn pda_uses_the_program_seeds() {
        let (address, _) = beacons_pda(3);
        let expected =
            Pubkey::find_program_address(&[b"beacons", &3u64.to_le_bytes()], &PROGRAM_ID).0;
        assert_eq!(address, expected);
        assert_ne!(beacons_pda(4).0, address);
    }
}
