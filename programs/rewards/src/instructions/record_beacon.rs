//! `record_beacon`: the permissionless crank (PROTOCOL.md §10.1). Copies the newest entry
//! of the `SlotHashes` sysvar (the parent slot and its hash) into beacon `index` of the
//! epoch's beacon account, stamped with the Clock's `unix_timestamp`, inside the beacon's
//! window and only once (rules: `gridmint_protocol::challenge::beacon::record_in_place`).
//! Works while the program is paused: beacons move no funds, and a missed window is lost.

use anchor_lang::prelude::*;
use gridmint_protocol::challenge::beacon::record_in_place;
use solana_sdk_ids::sysvar::slot_hashes;

use crate::errors::RewardsError;
use crate::events::BeaconRecorded;
use crate::state::{challenge_error, seeds, BeaconSetAccount, Config};

/// `SlotHashes` data: `u64` entry count, then `(slot u64, hash [u8; 32])` entries, newest
/// first. Only the count and the first entry are read (not the 512 entries).
const SLOT_HASHES_FIRST_ENTRY: core::ops::Range<usize> = 8..48;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct RecordBeaconArgs {
    pub epoch: u64,
    /// Beacon index, `< beacons_per_epoch` of the account.
    pub index: u16,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: RecordBeaconArgs)]
pub struct RecordBeacon<'info> {
    /// Owner and discriminator checked by `AccountLoader`; the seeds tie it to `args.epoch`.
    #[account(mut, seeds = [seeds::BEACONS, &args.epoch.to_le_bytes()], bump)]
    pub beacons: AccountLoader<'info, BeaconSetAccount>,
    /// Genesis and epoch length: the beacon windows.
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    /// CHECK: pinned to the `SlotHashes` sysvar address; read raw in the handler.
    #[account(address = slot_hashes::ID)]
    pub slot_hashes: UncheckedAccount<'info>,
}

/// The newest `(slot, hash)` of raw `SlotHashes` data.
pub fn newest_slot_hash(data: &[u8]) -> Result<(u64, [u8; 32])> {
    let count = data.get(..8).and_then(|b| <[u8; 8]>::try_from(b).ok()).map(u64::from_le_bytes);
    require!(count.is_some_and(|n| n > 0), RewardsError::SlotHashesEmpty);
    let entry = data.get(SLOT_HASHES_FIRST_ENTRY).ok_or(RewardsError::SlotHashesEmpty)?;
    let (slot, hash) = entry.split_at(8);
    let slot =
        u64::from_le_bytes(<[u8; 8]>::try_from(slot).map_err(|_| RewardsError::SlotHashesEmpty)?);
    let hash = <[u8; 32]>::try_from(hash).map_err(|_| RewardsError::SlotHashesEmpty)?;
    Ok((slot, hash))
}

pub fn handler(ctx: Context<RecordBeacon>, args: RecordBeaconArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let (slot, hash) = newest_slot_hash(&ctx.accounts.slot_hashes.try_borrow_data()?)?;
    let clock = ctx.accounts.config.clock();
    {
        let info = ctx.accounts.beacons.to_account_info();
        let mut data = info.try_borrow_mut_data()?;
        let set = data.get_mut(8..).ok_or(RewardsError::MalformedBeaconSet)?;
        record_in_place(set, &clock, args.index, now, slot, hash).map_err(challenge_error)?;
    }
    emit_cpi!(BeaconRecorded {
        epoch: args.epoch,
        index: args.index,
        slot,
        recorded_at: now,
        hash,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sysvar(entries: &[(u64, [u8; 32])]) -> Vec<u8> {
        let mut data = (entries.len() as u64).to_le_bytes().to_vec();
        for (slot, hash) in entries {
            data.extend(slot.to_le_bytes());
            data.extend(hash);
        }
        data
    }

    #[test]
    fn reads_the_newest_entry_only() {
        let data = sysvar(&[(9, [9; 32]), (8, [8; 32]), (7, [7; 32])]);
        assert_eq!(newest_slot_hash(&data).unwrap(), (9, [9; 32]));
    }

    #[test]
    fn empty_or_truncated_sysvar_is_refused() {
        let empty = error!(RewardsError::SlotHashesEmpty);
        assert_eq!(newest_slot_hash(&sysvar(&[])).unwrap_err(), empty);
        assert_eq!(newest_slot_hash(&[]).unwrap_err(), empty);
        let mut short = sysvar(&[(9, [9; 32])]);
        short.truncate(47);
        assert_eq!(newest_slot_hash(&short).unwrap_err(), empty);
    }
}
