//! `pause`: the authority stops `register_node`, `stake` and `update_node`. Exits
//! (`request_unstake`, `withdraw`, `close_node`), key rotation, slashing and admin keep working.

use anchor_lang::prelude::*;

use crate::errors::NodeStakingError;
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
        has_one = authority @ NodeStakingError::NotAuthority,
    )]
    pub config: Box<Account<'info, Config>>,
}

impl Pause<'_> {
    pub fn validate(&self) -> Result<()> {
        require!(!self.config.paused, NodeStakingError::AlreadyPaused);
        Ok(())
    }
}

pub fn handler(ctx: Context<Pause>) -> Result<()> {
    ctx.accounts.config.paused = true;
    emit_cpi!(PauseChanged {
        authority: ctx.accounts.authority.key(),
        old_paused: false,
        new_paused: true,
    });
    Ok(())
}
