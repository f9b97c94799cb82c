//! `set_challenge_params`: the authority sets the compute-challenge parameters (PROTOCOL.md
//! §10.1) that beacon accounts created from now on copy. An epoch whose beacon account
//! exists keeps the parameters it was created with. The all-zero set disables challenges
//! again (as in a config created before they existed).

use anchor_lang::prelude::*;

use crate::errors::RewardsError;
use crate::events::ChallengeParamsUpdated;
use crate::state::{seeds, ChallengeSettings, Config};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct SetChallengeParamsArgs {
    pub params: ChallengeSettings,
}

#[event_cpi]
#[derive(Accounts)]
pub struct SetChallengeParams<'info> {
    pub authority: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = authority @ RewardsError::NotAuthority,
    )]
    pub config: Box<Account<'info, Config>>,
}

impl SetChallengeParams<'_> {
    /// §10.1 bounds, and `T + grace` within the report grace of the current parameter set
    /// and of a scheduled one (whichever is shorter), so a challenge issued at the last
    /// beacon is judged before its epoch can be reported.
    pub fn validate(&self, args: &SetChallengeParamsArgs) -> Result<()> {
        let config = &self.config;
        let report_grace =
            config.scheduled_params.map_or(config.params.report_grace_seconds, |s| {
                s.params.report_grace_seconds.min(config.params.report_grace_seconds)
            });
        args.params.validate(config.epoch_seconds, report_grace)?;
        require!(args.params != config.challenge, RewardsError::NothingToUpdate);
        Ok(())
    }
}

pub fn handler(ctx: Context<SetChallengeParams>, args: SetChallengeParamsArgs) -> Result<()> {
    let config = &mut ctx.accounts.config;
    let old = config.challenge;
    config.challenge = args.params;
    emit_cpi!(ChallengeParamsUpdated {
        authority: ctx.accounts.authority.key(),
        old,
        new: args.params,
    });
    Ok(())
}
