//! `set_params`: the authority replaces the bounded parameters (report grace, challenge
//! period, emission schedule, hard cap, reward formula). Epoch length and genesis are fixed.
//! The new values apply to every vote and finalization from now on, including the epoch
//! currently being reported; a running challenge period keeps the end it was given.

use anchor_lang::prelude::*;

use crate::errors::RewardsError;
use crate::events::ParamsUpdated;
use crate::state::{seeds, Config, Params};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct SetParamsArgs {
    pub params: Params,
}

#[event_cpi]
#[derive(Accounts)]
pub struct SetParams<'info> {
    pub authority: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = authority @ RewardsError::NotAuthority,
    )]
    pub config: Box<Account<'info, Config>>,
}

impl SetParams<'_> {
    pub fn validate(&self, args: &SetParamsArgs) -> Result<()> {
        require!(args.params != self.config.params, RewardsError::NothingToUpdate);
        args.params.validate(self.config.epoch_seconds)
    }
}

pub fn handler(ctx: Context<SetParams>, args: SetParamsArgs) -> Result<()> {
    let config = &mut ctx.accounts.config;
    let old = config.params;
    config.params = args.params;
    emit_cpi!(ParamsUpdated { old, new: args.params });
    Ok(())
}
