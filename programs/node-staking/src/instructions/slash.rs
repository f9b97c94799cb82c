//! `slash`: the slash authority takes `amount` from a node (active stake first, then pending)
//! into the treasury and jails the node. Works while paused.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::errors::NodeStakingError;
use crate::events::NodeSlashed;
use crate::state::{apply_slash, seeds, Config, Node};
use crate::utils::token::{reload_and_check_vault, transfer_from_vault};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct SlashArgs {
    pub amount: u64,
    /// Off-chain reason code, recorded in the event (see docs/node-staking.md).
    pub reason: u16,
}

#[event_cpi]
#[derive(Accounts)]
pub struct Slash<'info> {
    pub slash_authority: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = slash_authority @ NodeStakingError::NotSlashAuthority,
        has_one = stake_mint,
        has_one = vault,
        has_one = treasury,
    )]
    pub config: Box<Account<'info, Config>>,
    #[account(
        mut,
        seeds = [seeds::NODE, config.key().as_ref(), &node.node_id.to_le_bytes()],
        bump = node.bump,
        has_one = config,
    )]
    pub node: Box<Account<'info, Node>>,
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut)]
    pub treasury: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(address = config.stake_token_program)]
    pub token_program: Interface<'info, TokenInterface>,
}

pub fn handler<'info>(mut ctx: Context<'info, Slash<'info>>, args: SlashArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut ctx.accounts;
    let clock = accounts.config.clock();
    let config = &mut accounts.config;
    let outcome = accounts
        .node
        .apply_change(&clock, now, |node| apply_slash(node, config, args.amount, now))?;
    transfer_from_vault(
        &accounts.token_program.to_account_info(),
        &accounts.vault.to_account_info(),
        &accounts.stake_mint,
        &accounts.treasury.to_account_info(),
        &accounts.config.to_account_info(),
        accounts.config.bump,
        args.amount,
    )?;
    reload_and_check_vault(&mut accounts.vault, &accounts.config)?;
    let event = NodeSlashed {
        node: accounts.node.key(),
        node_id: accounts.node.node_id,
        amount: args.amount,
        from_active: outcome.from_active,
        from_pending: outcome.from_pending,
        reason: args.reason,
        slashed_by: accounts.slash_authority.key(),
        jailed_at: now,
    };
    emit_cpi!(event);
    Ok(())
}
