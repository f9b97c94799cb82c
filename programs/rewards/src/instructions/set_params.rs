//! `set_params`: the authority schedules a whole new parameter set (report grace, challenge
//! period, emission schedule, hard cap, reward formula) for the epochs from
//! `effective_epoch` on. Nothing changes for the epoch being reported or any before
//! `effective_epoch`; a set that may raise emission must also be announced at least one
//! epoch plus the longer challenge period before it starts (rules: `Config::check_schedule`).
//! Epoch length, genesis and the minimum challenge period are fixed at initialize.

use anchor_lang::prelude::*;

use crate::errors::RewardsError;
use crate::events::{ParamsActivated, ParamsScheduled};
use crate::state::{seeds, Config, Params, ScheduledParams};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct SetParamsArgs {
    /// The complete new set.
    pub params: Params,
    /// The first epoch it applies to; after `config.next_epoch`.
    pub effective_epoch: u64,
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
        let now = Clock::get()?.unix_timestamp;
        self.config.check_schedule(&args.params, args.effective_epoch, now).map(|_| ())
    }
}

pub fn handler(ctx: Context<SetParams>, args: SetParamsArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let config = &mut ctx.accounts.config;
    // A set that is due is promoted first: it is the one the new set replaces.
    let activated = config.promote_due_params(now);
    let starts_at = config.check_schedule(&args.params, args.effective_epoch, now)?;
    let old = config.params;
    config.scheduled_params =
        Some(ScheduledParams { params: args.params, effective_epoch: args.effective_epoch });
    if let Some(p) = activated {
        emit_cpi!(ParamsActivated { old: p.old, new: p.new, effective_epoch: p.effective_epoch });
    }
    emit_cpi!(ParamsScheduled {
        old,
        new: args.params,
        effective_epoch: args.effective_epoch,
        starts_at,
        may_increase_emission: old.may_increase_emission(&args.params),
    });
    Ok(())
}
