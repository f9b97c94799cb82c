//! `set_params`: the authority changes bounded parameters. Every field is optional; the
//! result is validated as a whole (`Params::validate`) and the event carries old and new.
//! A new minimum stake takes effect from the next epoch; everything else at once.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

use crate::errors::NodeStakingError;
use crate::events::ParamsUpdated;
use crate::state::{seeds, Capacity, Config, Params};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct SetParamsArgs {
    /// Takes effect from the next epoch (from epoch 0 before genesis).
    pub min_stake: Option<[u64; 3]>,
    /// Applies at once to new registrations and capacity updates; existing nodes keep
    /// their capacity even above a lowered maximum.
    pub max_capacity: Option<Capacity>,
    pub unbonding_seconds: Option<i64>,
    pub slash_bps: Option<u16>,
    pub reporter_bounty_bps: Option<u16>,
    pub slash_authority: Option<Pubkey>,
}

#[event_cpi]
#[derive(Accounts)]
pub struct SetParams<'info> {
    pub authority: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = authority @ NodeStakingError::NotAuthority,
    )]
    pub config: Box<Account<'info, Config>>,
    /// Optional new treasury: a token account of the stake mint under the stake token
    /// program, not the vault.
    #[account(
        constraint = new_treasury.mint == config.stake_mint @ NodeStakingError::InvalidTreasury,
        constraint = *new_treasury.to_account_info().owner == config.stake_token_program
            @ NodeStakingError::InvalidTreasury,
        constraint = new_treasury.key() != config.vault @ NodeStakingError::InvalidTreasury,
    )]
    pub new_treasury: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
}

impl SetParams<'_> {
    /// The parameters after applying `args` to the current ones.
    pub fn new_params(&self, args: &SetParamsArgs) -> Params {
        let old = self.config.params();
        Params {
            min_stake: args.min_stake.unwrap_or(old.min_stake),
            max_capacity: args.max_capacity.unwrap_or(old.max_capacity),
            unbonding_seconds: args.unbonding_seconds.unwrap_or(old.unbonding_seconds),
            slash_bps: args.slash_bps.unwrap_or(old.slash_bps),
            reporter_bounty_bps: args.reporter_bounty_bps.unwrap_or(old.reporter_bounty_bps),
            slash_authority: args.slash_authority.unwrap_or(old.slash_authority),
            treasury: self.new_treasury.as_ref().map_or(old.treasury, |t| t.key()),
        }
    }

    pub fn validate(&self, args: &SetParamsArgs) -> Result<()> {
        let new = self.new_params(args);
        require!(new != self.config.params(), NodeStakingError::NothingToUpdate);
        new.validate()
    }
}

pub fn handler(ctx: Context<SetParams>, args: SetParamsArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let new = ctx.accounts.new_params(&args);
    let old = ctx.accounts.config.params();
    ctx.accounts.config.set_params(&new, now);
    let min_stake_effective_epoch = ctx.accounts.config.min_stake_effective_epoch();
    emit_cpi!(ParamsUpdated { old, new, min_stake_effective_epoch });
    Ok(())
}
