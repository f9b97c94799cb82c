//! `unjail`: only the config authority releases a jailed node. `unjailed_at` records when, so
//! `report_fraud` refuses further evidence of the incident that was punished.

use anchor_lang::prelude::*;

use crate::errors::NodeStakingError;
use crate::events::NodeUnjailed;
use crate::state::{seeds, Config, Node};

#[event_cpi]
#[derive(Accounts)]
pub struct Unjail<'info> {
    pub authority: Signer<'info>,
    #[account(
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = authority @ NodeStakingError::NotAuthority,
    )]
    pub config: Box<Account<'info, Config>>,
    #[account(
        mut,
        seeds = [seeds::NODE, config.key().as_ref(), &node.node_id.to_le_bytes()],
        bump = node.bump,
        has_one = config,
    )]
    pub node: Box<Account<'info, Node>>,
}

impl Unjail<'_> {
    pub fn validate(&self) -> Result<()> {
        require!(self.node.jailed, NodeStakingError::NodeNotJailed);
        Ok(())
    }
}

pub fn handler(ctx: Context<Unjail>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let clock = ctx.accounts.config.clock();
    let node = &mut ctx.accounts.node;
    node.apply_change(&clock, now, |node| {
        node.jailed = false;
        node.unjailed_at = now;
        Ok(())
    })?;
    let event = NodeUnjailed {
        node: node.key(),
        node_id: node.node_id,
        authority: ctx.accounts.authority.key(),
        unjailed_at: now,
    };
    emit_cpi!(event);
    Ok(())
}
