//! `request_unstake`: the operator moves active stake to pending. Pending stake stays in the
//! vault and stays slashable until withdrawn. Requests merge (see `Node::request_unstake`).
//! Allowed while paused and while jailed (exits are never blocked; the stake stays slashable
//! for the whole unbonding period).

use anchor_lang::prelude::*;

use crate::errors::NodeStakingError;
use crate::events::UnstakeRequested;
use crate::state::{seeds, Config, Node};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct RequestUnstakeArgs {
    pub amount: u64,
}

#[event_cpi]
#[derive(Accounts)]
pub struct RequestUnstake<'info> {
    pub operator: Signer<'info>,
    #[account(mut, seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    #[account(
        mut,
        seeds = [seeds::NODE, config.key().as_ref(), &node.node_id.to_le_bytes()],
        bump = node.bump,
        has_one = config,
        has_one = operator @ NodeStakingError::NotOperator,
    )]
    pub node: Box<Account<'info, Node>>,
}

pub fn handler(ctx: Context<RequestUnstake>, args: RequestUnstakeArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let config = &mut ctx.accounts.config;
    let node = &mut ctx.accounts.node;
    let min_stake = config.min_stake_in_force(node.kind, now);
    let unbonding = config.unbonding_seconds;
    node.apply_change(&config.clock(), now, |node| {
        node.request_unstake(args.amount, min_stake, now, unbonding)
    })?;
    config.sub_totals(args.amount, 0)?;
    config.add_totals(0, args.amount)?;
    let event = UnstakeRequested {
        node: node.key(),
        node_id: node.node_id,
        amount: args.amount,
        active_stake: node.active_stake,
        pending_stake: node.pending_stake,
        unlock_at: node.unlock_at,
    };
    emit_cpi!(event);
    Ok(())
}
