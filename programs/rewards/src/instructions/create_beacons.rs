//! `create_beacons`: anyone creates an epoch's beacon account (PROTOCOL.md §10.1) and pays
//! its rent. The account copies the challenge parameters in force, which fixes them for the
//! epoch. Only for the current epoch or the next one (before genesis: epoch 0 within one
//! epoch length), never for an epoch that is over. A second create fails in the System
//! program (the account exists).

use anchor_lang::prelude::*;
use gridmint_protocol::challenge::beacon::{BEACONS_OFFSET, BEACON_SET_VERSION};

use crate::errors::RewardsError;
use crate::events::BeaconsCreated;
use crate::state::{challenge_error, seeds, BeaconSetAccount, Config};

/// End of the header (discriminator + the fields before the entries) in the account data.
const HEADER_END: usize = 8 + BEACONS_OFFSET;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct CreateBeaconsArgs {
    pub epoch: u64,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: CreateBeaconsArgs)]
pub struct CreateBeacons<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    #[account(
        init,
        payer = payer,
        space = BeaconSetAccount::SPACE,
        seeds = [seeds::BEACONS, &args.epoch.to_le_bytes()],
        bump,
    )]
    pub beacons: AccountLoader<'info, BeaconSetAccount>,
    pub system_program: Program<'info, System>,
}

impl CreateBeacons<'_> {
    pub fn validate(&self, args: &CreateBeaconsArgs) -> Result<()> {
        let config = &self.config;
        require!(config.challenge.enabled(), RewardsError::ChallengesDisabled);
        // Re-checked: the epoch length is fixed, but the set must be usable by the crank.
        config.challenge.protocol().validate(config.epoch_seconds).map_err(challenge_error)?;
        let now = Clock::get()?.unix_timestamp;
        require!(now < config.epoch_end(args.epoch)?, RewardsError::BeaconEpochOver);
        let start = config
            .clock()
            .start(args.epoch)
            .map_err(|_| error!(RewardsError::ArithmeticOverflow))?;
        // start(e) ≤ now + L  ⇔  e ≤ current epoch + 1.
        let horizon =
            now.checked_add(config.epoch_seconds).ok_or(RewardsError::ArithmeticOverflow)?;
        require!(start <= horizon, RewardsError::BeaconEpochTooFarAhead);
        Ok(())
    }
}

pub fn handler(ctx: Context<CreateBeacons>, args: CreateBeaconsArgs) -> Result<()> {
    let params = ctx.accounts.config.challenge;
    let info = ctx.accounts.beacons.to_account_info();
    {
        // The header of the Borsh layout; the 64 entries stay zero (not recorded). Written
        // as bytes: the 3 KiB set never lands on the stack.
        let mut data = info.try_borrow_mut_data()?;
        let mut header = [0u8; BEACONS_OFFSET];
        header[0] = BEACON_SET_VERSION;
        header[1..9].copy_from_slice(&args.epoch.to_le_bytes());
        header[9..11].copy_from_slice(&params.beacons_per_epoch.to_le_bytes());
        header[11..13].copy_from_slice(&params.challenges_per_epoch.to_le_bytes());
        header[13..17].copy_from_slice(&params.target_seconds.to_le_bytes());
        header[17..21].copy_from_slice(&params.grace_seconds.to_le_bytes());
        data.get_mut(8..HEADER_END)
            .ok_or(RewardsError::MalformedBeaconSet)?
            .copy_from_slice(&header);
    }
    emit_cpi!(BeaconsCreated {
        epoch: args.epoch,
        beacons: info.key(),
        payer: ctx.accounts.payer.key(),
        params,
    });
    Ok(())
}
