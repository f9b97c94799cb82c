//! `initialize`: creates the config and the stake vault. Only the build-time deployment admin
//! may call it, so nobody can front-run initialisation between deploy and set-up.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::DEPLOY_ADMIN;
use crate::errors::NodeStakingError;
use crate::events::ConfigInitialized;
use crate::mint_policy::check_stake_mint;
use crate::state::{seeds, validate_epoch_clock, Capacity, Config, MinStakeSchedule, Params};
use gridmint_protocol::views::EpochScheduled;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct InitializeArgs {
    /// Config authority (may differ from the deployment admin, e.g. a multisig).
    pub authority: Pubkey,
    pub slash_authority: Pubkey,
    /// Start of epoch 0, not in the past; the same as the rewards program's.
    pub genesis_time: i64,
    /// Epoch length in `(0, MAX_EPOCH_SECONDS]`; the same as the rewards program's.
    pub epoch_seconds: i64,
    /// Minimum stake per node kind (Compute, Energy, Hybrid); each > 0.
    pub min_stake: [u64; 3],
    /// Largest capacity a node may declare, per field; each > 0.
    pub max_capacity: Capacity,
    pub unbonding_seconds: i64,
    pub slash_bps: u16,
    pub reporter_bounty_bps: u16,
}

#[event_cpi]
#[derive(Accounts)]
pub struct Initialize<'info> {
    #[account(mut, address = DEPLOY_ADMIN @ NodeStakingError::NotDeployAdmin)]
    pub deploy_admin: Signer<'info>,
    #[account(
        init,
        payer = deploy_admin,
        space = 8 + Config::INIT_SPACE,
        seeds = [seeds::CONFIG],
        bump,
    )]
    pub config: Box<Account<'info, Config>>,
    #[account(mint::token_program = token_program)]
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(
        init,
        payer = deploy_admin,
        seeds = [seeds::VAULT, config.key().as_ref()],
        bump,
        token::mint = stake_mint,
        token::authority = config,
        token::token_program = token_program,
    )]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Receives slashed stake. Deserialized before `vault` is created, so it can never be
    /// the vault itself.
    #[account(token::mint = stake_mint, token::token_program = token_program)]
    pub treasury: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

impl Initialize<'_> {
    pub fn params(&self, args: &InitializeArgs) -> Params {
        Params {
            min_stake: args.min_stake,
            max_capacity: args.max_capacity,
            unbonding_seconds: args.unbonding_seconds,
            slash_bps: args.slash_bps,
            reporter_bounty_bps: args.reporter_bounty_bps,
            slash_authority: args.slash_authority,
            treasury: self.treasury.key(),
        }
    }

    pub fn validate(&self, args: &InitializeArgs) -> Result<()> {
        require_keys_neq!(args.authority, Pubkey::default(), NodeStakingError::InvalidAuthority);
        let now = Clock::get()?.unix_timestamp;
        validate_epoch_clock(args.genesis_time, args.epoch_seconds, now)?;
        self.params(args).validate()?;
        check_stake_mint(&self.stake_mint.to_account_info())
    }
}

pub fn handler(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
    let params = ctx.accounts.params(&args);
    let config_key = ctx.accounts.config.key();
    let config = &mut ctx.accounts.config;
    config.set_inner(Config {
        authority: args.authority,
        pending_authority: None,
        stake_mint: ctx.accounts.stake_mint.key(),
        stake_token_program: ctx.accounts.token_program.key(),
        vault: ctx.accounts.vault.key(),
        treasury: params.treasury,
        slash_authority: params.slash_authority,
        genesis_time: args.genesis_time,
        epoch_seconds: args.epoch_seconds,
        min_stake: MinStakeSchedule::from(EpochScheduled::new(params.min_stake)),
        max_capacity: params.max_capacity,
        unbonding_seconds: params.unbonding_seconds,
        slash_bps: params.slash_bps,
        reporter_bounty_bps: params.reporter_bounty_bps,
        paused: false,
        next_node_id: 1,
        total_active: 0,
        total_pending: 0,
        total_slashed: 0,
        bump: ctx.bumps.config,
        vault_bump: ctx.bumps.vault,
        reserved: [0; 128],
    });
    emit_cpi!(ConfigInitialized {
        config: config_key,
        authority: args.authority,
        stake_mint: ctx.accounts.stake_mint.key(),
        stake_token_program: ctx.accounts.token_program.key(),
        vault: ctx.accounts.vault.key(),
        genesis_time: args.genesis_time,
        epoch_seconds: args.epoch_seconds,
        params,
    });
    Ok(())
}
