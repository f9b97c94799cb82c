//! `stake`: the operator tops up a node's active stake. Refused while paused or jailed.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::errors::NodeStakingError;
use crate::events::Staked;
use crate::state::{seeds, Config, Node};
use crate::utils::token::{reload_and_check_vault, transfer_to_vault};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct StakeArgs {
    pub amount: u64,
}

#[event_cpi]
#[derive(Accounts)]
pub struct Stake<'info> {
    pub operator: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = stake_mint,
        has_one = vault,
    )]
    pub config: Box<Account<'info, Config>>,
    #[account(
        mut,
        seeds = [seeds::NODE, config.key().as_ref(), &node.node_id.to_le_bytes()],
        bump = node.bump,
        has_one = config,
        has_one = operator @ NodeStakingError::NotOperator,
    )]
    pub node: Box<Account<'info, Node>>,
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(
        mut,
        token::mint = stake_mint,
        token::authority = operator,
        token::token_program = token_program,
    )]
    pub operator_token: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(address = config.stake_token_program)]
    pub token_program: Interface<'info, TokenInterface>,
}

impl Stake<'_> {
    pub fn validate(&self, args: &StakeArgs) -> Result<()> {
        require!(!self.config.paused, NodeStakingError::Paused);
        require!(!self.node.jailed, NodeStakingError::NodeJailed);
        require!(args.amount > 0, NodeStakingError::ZeroAmount);
        Ok(())
    }
}

pub fn handler<'info>(mut ctx: Context<'info, Stake<'info>>, args: StakeArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut ctx.accounts;
    let clock = accounts.config.clock();
    accounts.node.apply_change(&clock, now, |node| node.add_active(args.amount))?;
    accounts.config.add_totals(args.amount, 0)?;
    transfer_to_vault(
        &accounts.token_program.to_account_info(),
        &accounts.operator_token.to_account_info(),
        &accounts.stake_mint,
        &accounts.vault.to_account_info(),
        &accounts.operator.to_account_info(),
        args.amount,
    )?;
    reload_and_check_vault(&mut accounts.vault, &accounts.config)?;
    let event = Staked {
        node: accounts.node.key(),
        node_id: accounts.node.node_id,
        amount: args.amount,
        active_stake: accounts.node.active_stake,
    };
    emit_cpi!(event);
    Ok(())
}
