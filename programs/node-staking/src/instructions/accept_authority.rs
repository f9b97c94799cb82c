//! `accept_authority`: step two of the authority transfer; the proposed key signs.

use anchor_lang::prelude::*;

use crate::errors::NodeStakingError;
use crate::events::AuthorityTransferred;
use crate::state::{seeds, Config};

#[event_cpi]
#[derive(Accounts)]
pub struct AcceptAuthority<'info> {
    pub new_authority: Signer<'info>,
    #[account(mut, seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
}

impl AcceptAuthority<'_> {
    pub fn validate(&self) -> Result<()> {
        let pending = self.config.pending_authority.ok_or(NodeStakingError::NoPendingAuthority)?;
        require_keys_eq!(pending, self.new_authority.key(), NodeStakingError::NotPendingAuthority);
        Ok(())
    }
}

pub fn handler(ctx: Context<AcceptAuthority>) -> Result<()> {
    let config = &mut ctx.accounts.config;
    let old_authority = config.authority;
    let new_authority = ctx.accounts.new_authority.key();
    config.authority = new_authority;
    config.pending_authority = None;
    emit_cpi!(AuthorityTransferred { old_authority, new_authority });
    Ok(())
}
