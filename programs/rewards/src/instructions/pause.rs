//! `pause`: the authority stops `submit_report` (no epoch can finalize) and `claim` (nothing
//! is minted). Administration, `open_round`, `veto_epoch` and `close_epoch` keep working, so
//! an incident can be handled while paused. Challenge periods keep running.

use anchor_lang::prelude::*;

use crate::errors::RewardsError;
use crate::events::PauseChanged;
use crate::state::{seeds, Config};

#[event_cpi]
#[derive(Accounts)]
pub struct Pause<'info> {
    pub authority: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = authority @ RewardsError::NotAuthority,
    )]
    pub config: Box<Account<'info, Config>>,
}

impl Pause<'_> {
    pub fn validate(&self) -> Result<()> {
        require!(!self.config.paused, RewardsError::AlreadyPaused);
        Ok(())
    }
}

pub fn handler(ctx: Context<Pause>) -> Result<()> {
    ctx.accounts.config.paused = true;
    emit_cpi!(PauseChanged {
        authority: ctx.accounts.authority.key(),
        old_paused: false,
        new_paused: true
    });
    Ok(())
}
