//! `open_round`: when a round cannot reach the threshold (a split vote), the authority opens
//! the next round of the epoch with no votes. Votes naming the old round are refused from
//! then on.

use anchor_lang::prelude::*;

use crate::errors::RewardsError;
use crate::events::RoundOpened;
use crate::state::{seeds, Config, EpochState, EpochStatus};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct OpenRoundArgs {
    pub epoch: u64,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: OpenRoundArgs)]
pub struct OpenRound<'info> {
    pub authority: Signer<'info>,
    #[account(
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = authority @ RewardsError::NotAuthority,
    )]
    pub config: Box<Account<'info, Config>>,
    #[account(
        mut,
        seeds = [seeds::EPOCH, config.key().as_ref(), &args.epoch.to_le_bytes()],
        bump = epoch_state.bump,
    )]
    pub epoch_state: Box<Account<'info, EpochState>>,
}

impl OpenRound<'_> {
    pub fn validate(&self) -> Result<()> {
        require!(self.epoch_state.status != EpochStatus::Final, RewardsError::EpochAlreadyFinal);
        Ok(())
    }
}

pub fn handler(ctx: Context<OpenRound>, args: OpenRoundArgs) -> Result<()> {
    let epoch_state = &mut ctx.accounts.epoch_state;
    let old_round = epoch_state.round;
    let discarded_votes = epoch_state.vote_count();
    let new_round = epoch_state.open_next_round()?;
    emit_cpi!(RoundOpened { epoch: args.epoch, old_round, new_round, discarded_votes });
    Ok(())
}
