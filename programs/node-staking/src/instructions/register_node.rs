//! `register_node`: the operator registers a node with its initial stake (at least the
//! minimum for its kind, so no unstaked node ever exists) and binds its device key for good.
//! The device key co-signs, so nobody can squat someone else's key (bindings are permanent).

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::errors::NodeStakingError;
use crate::events::NodeRegistered;
use crate::state::{
    seeds, Capacity, Config, DeviceBinding, EpochViewState, Node, NodeKind, PendingCapacity,
    MAX_METADATA_URI_LEN, MAX_REGION_CODE,
};
use crate::utils::pda_account::{create_pda_account, write_account};
use crate::utils::token::{reload_and_check_vault, transfer_to_vault};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct RegisterNodeArgs {
    pub kind: NodeKind,
    pub capacity: Capacity,
    /// ISO 3166-1 numeric country code, 0 = unspecified.
    pub region: u16,
    /// At most `MAX_METADATA_URI_LEN` bytes.
    pub metadata_uri: String,
    /// Defaults to the operator.
    pub reward_recipient: Option<Pubkey>,
    /// Initial stake, at least the minimum for `kind` in force in the current epoch.
    pub stake: u64,
}

#[event_cpi]
#[derive(Accounts)]
pub struct RegisterNode<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    /// The device key being bound; must sign.
    pub device: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = stake_mint,
        has_one = vault,
    )]
    pub config: Box<Account<'info, Config>>,
    #[account(
        init,
        payer = operator,
        space = 8 + Node::INIT_SPACE,
        seeds = [seeds::NODE, config.key().as_ref(), &config.next_node_id.to_le_bytes()],
        bump,
    )]
    pub node: Box<Account<'info, Node>>,
    /// The binding PDA of `device`. The handler refuses it with `DeviceKeyAlreadyBound` if
    /// it already exists and otherwise creates it.
    /// CHECK: address checked by `seeds`; existence checked in the handler.
    #[account(
        mut,
        seeds = [seeds::DEVICE, config.key().as_ref(), device.key().as_ref()],
        bump,
    )]
    pub device_binding: UncheckedAccount<'info>,
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
    pub system_program: Program<'info, System>,
}

/// Shared by `register_node` and `update_node`.
pub fn validate_node_fields(
    region: u16,
    metadata_uri: &str,
    reward_recipient: Option<Pubkey>,
) -> Result<()> {
    require!(region <= MAX_REGION_CODE, NodeStakingError::InvalidRegion);
    require!(metadata_uri.len() <= MAX_METADATA_URI_LEN, NodeStakingError::MetadataUriTooLong);
    if let Some(recipient) = reward_recipient {
        require_keys_neq!(recipient, Pubkey::default(), NodeStakingError::InvalidRewardRecipient);
    }
    Ok(())
}

impl RegisterNode<'_> {
    pub fn validate(&self, args: &RegisterNodeArgs) -> Result<()> {
        require!(!self.config.paused, NodeStakingError::Paused);
        args.capacity.validate_for(args.kind)?;
        args.capacity.validate_max(&self.config.max_capacity)?;
        validate_node_fields(args.region, &args.metadata_uri, args.reward_recipient)?;
        require!(args.stake > 0, NodeStakingError::ZeroAmount);
        let now = Clock::get()?.unix_timestamp;
        require!(
            args.stake >= self.config.min_stake_in_force(args.kind, now),
            NodeStakingError::StakeBelowMinimum
        );
        let binding = &self.device_binding;
        require!(
            binding.owner != &crate::ID && binding.data_is_empty(),
            NodeStakingError::DeviceKeyAlreadyBound
        );
        Ok(())
    }
}

pub fn handler<'info>(
    mut ctx: Context<'info, RegisterNode<'info>>,
    args: RegisterNodeArgs,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut ctx.accounts;
    let config_key = accounts.config.key();
    let node_key = accounts.node.key();
    let device_key = accounts.device.key();
    let node_id = accounts.config.next_node_id;

    // State first (every checked step can still fail), tokens after.
    accounts.config.next_node_id =
        node_id.checked_add(1).ok_or(NodeStakingError::ArithmeticOverflow)?;
    accounts.config.add_totals(args.stake, 0)?;
    let reward_recipient = args.reward_recipient.unwrap_or(accounts.operator.key());
    accounts.node.set_inner(Node {
        config: config_key,
        node_id,
        operator: accounts.operator.key(),
        kind: args.kind,
        device_key,
        reward_recipient,
        region: args.region,
        capacity: args.capacity,
        has_pending_capacity: false,
        pending_capacity: PendingCapacity::default(),
        capacity_peak: args.capacity,
        capacity_lowered_at: 0,
        active_stake: args.stake,
        pending_stake: 0,
        unlock_at: 0,
        jailed: false,
        jailed_at: 0,
        unjailed_at: 0,
        registered_at: now,
        view: EpochViewState::default(),
        bump: ctx.bumps.node,
        reserved: [0; 64],
        metadata_uri: args.metadata_uri,
    });
    let clock = accounts.config.clock();
    accounts.node.init_view(&clock, now);

    let bump = [ctx.bumps.device_binding];
    let binding_seeds: &[&[u8]] = &[seeds::DEVICE, config_key.as_ref(), device_key.as_ref(), &bump];
    create_pda_account(
        &accounts.operator.to_account_info(),
        &accounts.device_binding.to_account_info(),
        &accounts.system_program.to_account_info(),
        8 + DeviceBinding::INIT_SPACE,
        binding_seeds,
    )?;
    write_account(
        &accounts.device_binding.to_account_info(),
        &DeviceBinding {
            config: config_key,
            device_key,
            node: node_key,
            node_id,
            bound_at: now,
            unbound_at: None,
            bump: ctx.bumps.device_binding,
            reserved: [0; 32],
        },
    )?;

    transfer_to_vault(
        &accounts.token_program.to_account_info(),
        &accounts.operator_token.to_account_info(),
        &accounts.stake_mint,
        &accounts.vault.to_account_info(),
        &accounts.operator.to_account_info(),
        args.stake,
    )?;
    reload_and_check_vault(&mut accounts.vault, &accounts.config)?;

    let node = &accounts.node;
    let event = NodeRegistered {
        node: node_key,
        node_id,
        operator: node.operator,
        kind: node.kind,
        device_key,
        reward_recipient,
        region: node.region,
        capacity: node.capacity,
        stake: args.stake,
        registered_at: now,
    };
    emit_cpi!(event);
    Ok(())
}
