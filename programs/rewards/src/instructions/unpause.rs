//! `unpause`: the authority lets `submit_report` and `claim` run again.

use anchor_lang::prelude::*;

use crate::errors::RewardsError;
use crate::events::PauseChanged;
use crate::state::{seeds, Config};

#[event_cpi]
#[derive(Accounts)]
pub struct Unpause<'info> {
    pub authority: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = authority @ RewardsError::NotAuthority,
    )]
    pub config: Box<Account<'info, Config>>,
}

impl Unpause<'_> {
    pub fn validate(&self) -> Result<()> {
        require!(self.config.paused, RewardsError::NotPaused);
        Ok(())
    }
}

pub fn handler(ctx: Context<Unpause>) -> Result<()> {
    ctx.accounts.config.paused = false;
    emit_cpi!(PauseChanged {
        authority: ctx.accounts.authority.key(),
        old_paused: true,
        new_paused: false
    });
    Ok(())
}
