//! `rotate_device_key`: the operator moves the node to a new device key, which co-signs. The
//! old binding stays, closed at the rotation time; the new key gets its own permanent binding.

use anchor_lang::prelude::*;

use crate::errors::NodeStakingError;
use crate::events::DeviceKeyRotated;
use crate::state::{seeds, Config, DeviceBinding, Node};
use crate::utils::pda_account::{create_pda_account, write_account};

#[event_cpi]
#[derive(Accounts)]
pub struct RotateDeviceKey<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    pub new_device: Signer<'info>,
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
    #[account(
        mut,
        seeds = [seeds::DEVICE, config.key().as_ref(), node.device_key.as_ref()],
        bump = old_binding.bump,
        has_one = node,
    )]
    pub old_binding: Box<Account<'info, DeviceBinding>>,
    /// The binding PDA of `new_device`. The handler refuses it with `DeviceKeyAlreadyBound`
    /// if it already exists and otherwise creates it.
    /// CHECK: address checked by `seeds`; existence checked in the handler.
    #[account(
        mut,
        seeds = [seeds::DEVICE, config.key().as_ref(), new_device.key().as_ref()],
        bump,
    )]
    pub new_binding: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

impl RotateDeviceKey<'_> {
    pub fn validate(&self) -> Result<()> {
        require!(!self.node.jailed, NodeStakingError::NodeJailed);
        let binding = &self.new_binding;
        require!(
            binding.owner != &crate::ID && binding.data_is_empty(),
            NodeStakingError::DeviceKeyAlreadyBound
        );
        Ok(())
    }
}

pub fn handler<'info>(mut ctx: Context<'info, RotateDeviceKey<'info>>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut ctx.accounts;
    let config_key = accounts.config.key();
    let node_key = accounts.node.key();
    let new_device_key = accounts.new_device.key();
    let old_device_key = accounts.node.device_key;

    let clock = accounts.config.clock();
    accounts.node.apply_change(&clock, now, |node| {
        node.device_key = new_device_key;
        Ok(())
    })?;
    accounts.old_binding.unbound_at = Some(now);

    let bump = [ctx.bumps.new_binding];
    let binding_seeds: &[&[u8]] =
        &[seeds::DEVICE, config_key.as_ref(), new_device_key.as_ref(), &bump];
    create_pda_account(
        &accounts.operator.to_account_info(),
        &accounts.new_binding.to_account_info(),
        &accounts.system_program.to_account_info(),
        8 + DeviceBinding::INIT_SPACE,
        binding_seeds,
    )?;
    write_account(
        &accounts.new_binding.to_account_info(),
        &DeviceBinding {
            config: config_key,
            device_key: new_device_key,
            node: node_key,
            node_id: accounts.node.node_id,
            bound_at: now,
            unbound_at: None,
            bump: ctx.bumps.new_binding,
            reserved: [0; 32],
        },
    )?;
    let event = DeviceKeyRotated {
        node: node_key,
        node_id: accounts.node.node_id,
        old_device_key,
        new_device_key,
        rotated_at: now,
    };
    emit_cpi!(event);
    Ok(())
}
