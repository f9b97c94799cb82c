//! `withdraw`: after `unlock_at`, the operator takes all pending stake out of the vault to a
//! token account of their choice. Never blocked by a pause or a jail.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::errors::NodeStakingError;
use crate::events::Withdrawn;
use crate::state::{seeds, Config, Node};
use crate::utils::token::{reload_and_check_vault, transfer_from_vault};

#[event_cpi]
#[derive(Accounts)]
pub struct Withdraw<'info> {
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
    #[account(mut)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, token::mint = stake_mint, token::token_program = token_program)]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(address = config.stake_token_program)]
    pub token_program: Interface<'info, TokenInterface>,
}

pub fn handler<'info>(mut ctx: Context<'info, Withdraw<'info>>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut ctx.accounts;
    let clock = accounts.config.clock();
    let amount = accounts.node.apply_change(&clock, now, |node| node.withdraw(now))?;
    accounts.config.sub_totals(0, amount)?;
    transfer_from_vault(
        &accounts.token_program.to_account_info(),
        &accounts.vault.to_account_info(),
        &accounts.stake_mint,
        &accounts.destination.to_account_info(),
        &accounts.config.to_account_info(),
        accounts.config.bump,
        amount,
    )?;
    reload_and_check_vault(&mut accounts.vault, &accounts.config)?;
    let event = Withdrawn {
        node: accounts.node.key(),
        node_id: accounts.node.node_id,
        amount,
        destination: accounts.destination.key(),
    };
    emit_cpi!(event);
    Ok(())
}
