//! `unpause`: the authority lifts a pause.

use anchor_lang::prelude::*;

use crate::errors::NodeStakingError;
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
        has_one = authority @ NodeStakingError::NotAuthority,
    )]
    pub config: Box<Account<'info, Config>>,
}

impl Unpause<'_> {
    pub fn validate(&self) -> Result<()> {
        require!(self.config.paused, NodeStakingError::NotPaused);
        Ok(())
    }
}

pub fn handler(ctx: Context<Unpause>) -> Result<()> {
    ctx.accounts.config.paused = false;
    emit_cpi!(PauseChanged {
        authority: ctx.accounts.authority.key(),
        old_paused: true,
        new_paused: false,
    });
    Ok(())
}
