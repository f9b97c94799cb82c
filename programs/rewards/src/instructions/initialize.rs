//! `initialize`: creates the config with the reward mint, epoch timing, emission schedule,
//! parameters and the first oracle set. Only the build-time deployment admin may call it, so
//! nobody can front-run initialisation between deploy and set-up. The reward mint must have
//! no supply yet, so that its supply is always exactly what `claim` minted.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenInterface};

use crate::constants::DEPLOY_ADMIN;
use crate::errors::RewardsError;
use crate::events::ConfigInitialized;
use crate::mint_policy::check_reward_mint;
use crate::state::{seeds, validate_epoch_seconds, ChallengeSettings, Config, OracleSet, Params};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct InitializeArgs {
    /// Config authority (may differ from the deployment admin, e.g. a multisig).
    pub authority: Pubkey,
    /// Start of epoch 0; not in the past.
    pub genesis_time: i64,
    /// Epoch length, in `(0, MAX_EPOCH_SECONDS]`. Fixed for the life of the program.
    pub epoch_seconds: i64,
    /// Floor of the challenge period for every later parameter set, in
    /// `[1, params.challenge_period_seconds]`. Fixed for the life of the program; a
    /// production deployment uses at least one day.
    pub min_challenge_period_seconds: i64,
    pub params: Params,
    /// The first oracle set (1..=16 distinct keys) and its strict-majority threshold.
    pub oracles: Vec<Pubkey>,
    pub threshold: u8,
}

#[event_cpi]
#[derive(Accounts)]
pub struct Initialize<'info> {
    #[account(mut, address = DEPLOY_ADMIN @ RewardsError::NotDeployAdmin)]
    pub deploy_admin: Signer<'info>,
    #[account(
        init,
        payer = deploy_admin,
        space = 8 + Config::INIT_SPACE,
        seeds = [seeds::CONFIG],
        bump,
    )]
    pub config: Box<Account<'info, Config>>,
    /// The PDA that mints rewards; it holds nothing. `check_reward_mint` requires it to be
    /// the reward mint's mint authority.
    /// CHECK: seeds and bump checked here.
    #[account(seeds = [seeds::MINT_AUTHORITY, config.key().as_ref()], bump)]
    pub mint_authority: UncheckedAccount<'info>,
    #[account(mint::token_program = token_program)]
    pub reward_mint: Box<InterfaceAccount<'info, Mint>>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

impl Initialize<'_> {
    pub fn validate(&self, args: &InitializeArgs) -> Result<()> {
        require_keys_neq!(args.authority, Pubkey::default(), RewardsError::InvalidAuthority);
        validate_epoch_seconds(args.epoch_seconds)?;
        let now = Clock::get()?.unix_timestamp;
        require!(args.genesis_time >= now, RewardsError::GenesisInPast);
        args.params.validate(args.epoch_seconds)?;
        require!(
            args.min_challenge_period_seconds >= 1
                && args.min_challenge_period_seconds <= args.params.challenge_period_seconds,
            RewardsError::InvalidMinChallengePeriod
        );
        OracleSet::validate_keys(&args.oracles, args.threshold)?;
        check_reward_mint(&self.reward_mint.to_account_info(), &self.mint_authority.key())?;
        require!(self.reward_mint.supply == 0, RewardsError::RewardMintHasSupply);
        Ok(())
    }
}

pub fn handler(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
    let oracles = OracleSet::default().replaced(&args.oracles, args.threshold)?;
    let config = &mut ctx.accounts.config;
    config.set_inner(Config {
        authority: args.authority,
        pending_authority: None,
        paused: false,
        reward_mint: ctx.accounts.reward_mint.key(),
        token_program: ctx.accounts.token_program.key(),
        genesis_time: args.genesis_time,
        epoch_seconds: args.epoch_seconds,
        min_challenge_period_seconds: args.min_challenge_period_seconds,
        params: args.params,
        scheduled_params: None,
        oracles,
        next_epoch: 0,
        last_final_total: 0,
        last_final_root: [0u8; 32],
        pending_root: None,
        claimable: Default::default(),
        total_claimed: 0,
        bump: ctx.bumps.config,
        mint_authority_bump: ctx.bumps.mint_authority,
        challenge: ChallengeSettings::default(),
        reserved: [0u8; 116],
    });
    emit_cpi!(ConfigInitialized {
        config: ctx.accounts.config.key(),
        authority: args.authority,
        reward_mint: ctx.accounts.reward_mint.key(),
        token_program: ctx.accounts.token_program.key(),
        mint_authority: ctx.accounts.mint_authority.key(),
        genesis_time: args.genesis_time,
        epoch_seconds: args.epoch_seconds,
        min_challenge_period_seconds: args.min_challenge_period_seconds,
        params: args.params,
        oracle_set_version: oracles.version,
        oracles: args.oracles,
        threshold: args.threshold,
    });
    Ok(())
}
