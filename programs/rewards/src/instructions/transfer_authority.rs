//! `transfer_authority`: step one of the two-step authority transfer. The current authority
//! proposes a new one (or cancels with `None`); nothing changes until it accepts.

use anchor_lang::prelude::*;

use crate::errors::RewardsError;
use crate::events::AuthorityTransferProposed;
use crate::state::{seeds, Config};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct TransferAuthorityArgs {
    /// The proposed authority, or `None` to cancel a pending proposal.
    pub new_authority: Option<Pubkey>,
}

#[event_cpi]
#[derive(Accounts)]
pub struct TransferAuthority<'info> {
    pub authority: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = authority @ RewardsError::NotAuthority,
    )]
    pub config: Box<Account<'info, Config>>,
}

impl TransferAuthority<'_> {
    pub fn validate(&self, args: &TransferAuthorityArgs) -> Result<()> {
        match args.new_authority {
            Some(key) => require_keys_neq!(key, Pubkey::default(), RewardsError::InvalidAuthority),
            None => {
                require!(self.config.pending_authority.is_some(), RewardsError::NoPendingAuthority)
            }
        }
        Ok(())
    }
}

pub fn handler(ctx: Context<TransferAuthority>, args: TransferAuthorityArgs) -> Result<()> {
    let config = &mut ctx.accounts.config;
    let old_pending = config.pending_authority;
    config.pending_authority = args.new_authority;
    emit_cpi!(AuthorityTransferProposed {
        authority: ctx.accounts.authority.key(),
        old_pending,
        new_pending: args.new_authority,
    });
    Ok(())
}
