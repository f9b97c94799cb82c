//! `close_epoch`: anyone may close the account of a final epoch once a later epoch is final
//! too (by then its challenge period is long over and nothing reads it); the rent goes back
//! to the oracle that created it.

use anchor_lang::prelude::*;

use crate::errors::RewardsError;
use crate::events::EpochClosed;
use crate::state::{seeds, Config, EpochState, EpochStatus};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct CloseEpochArgs {
    pub epoch: u64,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: CloseEpochArgs)]
pub struct CloseEpoch<'info> {
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    #[account(
        mut,
        close = rent_payer,
        seeds = [seeds::EPOCH, config.key().as_ref(), &args.epoch.to_le_bytes()],
        bump = epoch_state.bump,
        has_one = rent_payer @ RewardsError::WrongRentPayer,
    )]
    pub epoch_state: Box<Account<'info, EpochState>>,
    /// CHECK: only receives lamports; `has_one` above checks it is the stored rent payer.
    #[account(mut)]
    pub rent_payer: UncheckedAccount<'info>,
}

impl CloseEpoch<'_> {
    pub fn validate(&self, args: &CloseEpochArgs) -> Result<()> {
        require!(self.epoch_state.status == EpochStatus::Final, RewardsError::EpochNotSuperseded);
        let later_final =
            args.epoch.checked_add(1).is_some_and(|next| next < self.config.next_epoch);
        require!(later_final, RewardsError::EpochNotSuperseded);
        Ok(())
    }
}

pub fn handler(ctx: Context<CloseEpoch>, args: CloseEpochArgs) -> Result<()> {
    let lamports = ctx.accounts.epoch_state.to_account_info().lamports();
    emit_cpi!(EpochClosed {
        epoch: args.epoch,
        rent_payer: ctx.accounts.rent_payer.key(),
        lamports
    });
    Ok(())
}
