//! `retire_requester`: the config authority ends a requester's registration. Its work counts
//! up to `retired_epoch - 1`; `retired_epoch` must be at least the next epoch (never
//! retroactive) and at least its first epoch. A requester is retired once, for good.

use anchor_lang::prelude::*;

use crate::errors::NodeStakingError;
use crate::events::RequesterRetired;
use crate::state::{seeds, Config, Requester};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct RetireRequesterArgs {
    /// The first epoch the requester no longer counts in.
    pub retired_epoch: u64,
}

#[event_cpi]
#[derive(Accounts)]
pub struct RetireRequester<'info> {
    pub authority: Signer<'info>,
    #[account(
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = authority @ NodeStakingError::NotAuthority,
    )]
    pub config: Box<Account<'info, Config>>,
    #[account(
        mut,
        seeds = [seeds::REQUESTER, config.key().as_ref(), requester.key.as_ref()],
        bump = requester.bump,
        has_one = config,
    )]
    pub requester: Box<Account<'info, Requester>>,
}

pub fn handler(ctx: Context<RetireRequester>, args: RetireRequesterArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let earliest = ctx.accounts.config.next_epoch(now);
    let requester = &mut ctx.accounts.requester;
    let old_retired_epoch = requester.retired_epoch;
    requester.retire(args.retired_epoch, earliest)?;
    emit_cpi!(RequesterRetired {
        requester: requester.key(),
        key: requester.key,
        old_retired_epoch,
        new_retired_epoch: requester.retired_epoch,
        authority: ctx.accounts.authority.key(),
    });
    Ok(())
}
