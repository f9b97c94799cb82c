//! `set_oracles`: the authority replaces the oracle set and threshold. The set's version is
//! bumped, so every vote cast under the old version stops counting (it is dropped from an
//! epoch's tally at the next vote there).

use anchor_lang::prelude::*;

use crate::errors::RewardsError;
use crate::events::OracleSetUpdated;
use crate::state::{seeds, Config, OracleSet};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct SetOraclesArgs {
    /// 1..=16 distinct keys.
    pub oracles: Vec<Pubkey>,
    /// Votes needed to finalize: a strict majority of `oracles`.
    pub threshold: u8,
}

#[event_cpi]
#[derive(Accounts)]
pub struct SetOracles<'info> {
    pub authority: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = authority @ RewardsError::NotAuthority,
    )]
    pub config: Box<Account<'info, Config>>,
}

impl SetOracles<'_> {
    pub fn validate(&self, args: &SetOraclesArgs) -> Result<()> {
        OracleSet::validate_keys(&args.oracles, args.threshold)
    }
}

pub fn handler(ctx: Context<SetOracles>, args: SetOraclesArgs) -> Result<()> {
    let config = &mut ctx.accounts.config;
    let old = config.oracles;
    let new = old.replaced(&args.oracles, args.threshold)?;
    config.oracles = new;
    emit_cpi!(OracleSetUpdated {
        old_version: old.version,
        new_version: new.version,
        old_threshold: old.threshold,
        new_threshold: new.threshold,
        old_oracles: old.active().to_vec(),
        new_oracles: args.oracles,
    });
    Ok(())
}
