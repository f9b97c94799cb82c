//! `update_node`: the operator changes metadata, reward recipient, region or capacity.
//! Capacity decreases apply at once; increases only after the unbonding period (so a node
//! cannot inflate its capacity right before a reading and leave before fraud is proven), and
//! never above the deployment's `max_capacity`.

use anchor_lang::prelude::*;

use crate::errors::NodeStakingError;
use crate::events::NodeUpdated;
use crate::instructions::register_node::validate_node_fields;
use crate::state::{seeds, Capacity, Config, Node};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct UpdateNodeArgs {
    pub metadata_uri: Option<String>,
    pub reward_recipient: Option<Pubkey>,
    pub region: Option<u16>,
    /// The requested capacity (see `Node::request_capacity`).
    pub capacity: Option<Capacity>,
}

#[event_cpi]
#[derive(Accounts)]
pub struct UpdateNode<'info> {
    pub operator: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
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

impl UpdateNode<'_> {
    pub fn validate(&self, args: &UpdateNodeArgs) -> Result<()> {
        require!(!self.config.paused, NodeStakingError::Paused);
        require!(!self.node.jailed, NodeStakingError::NodeJailed);
        require!(*args != UpdateNodeArgs::default(), NodeStakingError::NothingToUpdate);
        if let Some(capacity) = args.capacity {
            capacity.validate_for(self.node.kind)?;
            capacity.validate_max(&self.config.max_capacity)?;
        }
        validate_node_fields(
            args.region.unwrap_or(0),
            args.metadata_uri.as_deref().unwrap_or(""),
            args.reward_recipient,
        )
    }
}

pub fn handler(ctx: Context<UpdateNode>, args: UpdateNodeArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let unbonding = ctx.accounts.config.unbonding_seconds;
    let clock = ctx.accounts.config.clock();
    let node_key = ctx.accounts.node.key();
    let node = &mut ctx.accounts.node;
    // The old values are read after rolling, so a matured increase counts as old capacity.
    let (old_capacity, old_metadata_uri, old_reward_recipient, old_region) =
        node.apply_change(&clock, now, |node| {
            let old =
                (node.capacity, node.metadata_uri.clone(), node.reward_recipient, node.region);
            if let Some(capacity) = args.capacity {
                node.request_capacity(capacity, now, unbonding)?;
            }
            if let Some(uri) = args.metadata_uri {
                node.metadata_uri = uri;
            }
            if let Some(recipient) = args.reward_recipient {
                node.reward_recipient = recipient;
            }
            if let Some(region) = args.region {
                node.region = region;
            }
            Ok(old)
        })?;
    let event = NodeUpdated {
        node: node_key,
        node_id: node.node_id,
        old_metadata_uri,
        new_metadata_uri: node.metadata_uri.clone(),
        old_reward_recipient,
        new_reward_recipient: node.reward_recipient,
        old_region,
        new_region: node.region,
        old_capacity,
        capacity_in_force: node.capacity,
        pending_capacity: node.pending_capacity(),
    };
    emit_cpi!(event);
    Ok(())
}
