//! `close_node`: the operator closes a node with no stake (active and pending), not jailed,
//! and with no stake in its current and previous epoch views (the oracles may still read the
//! account for the epoch that just ended); the rent goes back to the operator. The device
//! binding stays forever, closed at this time.

use anchor_lang::prelude::*;

use crate::errors::NodeStakingError;
use crate::events::NodeClosed;
use crate::state::{seeds, Config, DeviceBinding, Node};

#[event_cpi]
#[derive(Accounts)]
pub struct CloseNode<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    #[account(
        mut,
        close = operator,
        seeds = [seeds::NODE, config.key().as_ref(), &node.node_id.to_le_bytes()],
        bump = node.bump,
        has_one = config,
        has_one = operator @ NodeStakingError::NotOperator,
    )]
    pub node: Box<Account<'info, Node>>,
    #[account(
        mut,
        seeds = [seeds::DEVICE, config.key().as_ref(), node.device_key.as_ref()],
        bump = device_binding.bump,
        has_one = node,
    )]
    pub device_binding: Box<Account<'info, DeviceBinding>>,
}

impl CloseNode<'_> {
    pub fn validate(&self) -> Result<()> {
        require!(!self.node.jailed, NodeStakingError::NodeJailed);
        require!(self.node.active_stake == 0, NodeStakingError::NodeHasActiveStake);
        require!(self.node.pending_stake == 0, NodeStakingError::NodeHasPendingStake);
        Ok(())
    }
}

pub fn handler(ctx: Context<CloseNode>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let clock = ctx.accounts.config.clock();
    ctx.accounts.node.apply_change(&clock, now, |node| {
        require!(!node.still_earning(), NodeStakingError::NodeStillEarning);
        Ok(())
    })?;
    ctx.accounts.device_binding.unbound_at = Some(now);
    let node = &ctx.accounts.node;
    let event = NodeClosed {
        node: node.key(),
        node_id: node.node_id,
        operator: node.operator,
        device_key: node.device_key,
        closed_at: now,
    };
    emit_cpi!(event);
    Ok(())
}
