//! Client side of the node-staking program: PDAs, one instruction builder per instruction
//! (wrapping Anchor's generated `accounts::X` and `instruction::X`, with the event-CPI
//! accounts filled in) and account decoding.
//!
//! Builders derive every PDA themselves; callers pass only the keys a PDA cannot give
//! (signers, the stake mint, token accounts, the token program). Submodules: [`layout`]
//! (byte offsets of node fields), [`views`] (per-epoch readings for the oracle) and
//! [`requesters`] (compute-work requesters).

mod layout;
mod requesters;
mod views;

pub use layout::*;
pub use requesters::*;
pub use views::*;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{AccountDeserialize, InstructionData, ToAccountMetas};
use node_staking::state::seeds;

pub use node_staking::events;
pub use node_staking::instructions::initialize::InitializeArgs;
pub use node_staking::instructions::register_node::RegisterNodeArgs;
pub use node_staking::instructions::set_params::SetParamsArgs;
pub use node_staking::instructions::update_node::UpdateNodeArgs;
use node_staking::instructions::{
    request_unstake::RequestUnstakeArgs, slash::SlashArgs, stake::StakeArgs,
    transfer_authority::TransferAuthorityArgs,
};
pub use node_staking::state::{
    Capacity, Config, DeviceBinding, EpochViewState, MinStakeSchedule, Node, NodeKind, Params,
    PendingCapacity,
};
pub use node_staking::ID as PROGRAM_ID;

use node_staking::{accounts, instruction};

// ---------------------------------------------------------------------------------------------
// PDAs

/// The config singleton `[CONFIG]`.
pub fn config_pda() -> (Pubkey, u8) {
    Pubkey::find_program_address(&[seeds::CONFIG], &PROGRAM_ID)
}

/// The config address.
pub fn config_address() -> Pubkey {
    config_pda().0
}

/// The stake vault `[VAULT, config]`.
pub fn vault_pda(config: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[seeds::VAULT, config.as_ref()], &PROGRAM_ID)
}

/// A node `[NODE, config, node_id (u64 LE)]`.
pub fn node_pda(config: &Pubkey, node_id: u64) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[seeds::NODE, config.as_ref(), &node_id.to_le_bytes()],
        &PROGRAM_ID,
    )
}

/// The binding of a device key `[DEVICE, config, device_key]`.
pub fn device_binding_pda(config: &Pubkey, device_key: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[seeds::DEVICE, config.as_ref(), device_key.as_ref()],
        &PROGRAM_ID,
    )
}

/// Anchor's event-CPI authority of this program.
pub fn event_authority_pda() -> (Pubkey, u8) {
    crate::events::event_authority_pda(&PROGRAM_ID)
}

fn node_address(node_id: u64) -> Pubkey {
    node_pda(&config_address(), node_id).0
}

fn event_authority() -> Pubkey {
    event_authority_pda().0
}

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    crate::events::build_instruction(PROGRAM_ID, accounts, data)
}

// ---------------------------------------------------------------------------------------------
// Instruction builders

/// `initialize`, signed by the deployment admin (who pays for config and vault).
pub fn initialize(
    deploy_admin: &Pubkey,
    stake_mint: &Pubkey,
    treasury: &Pubkey,
    token_program: &Pubkey,
    args: InitializeArgs,
) -> Instruction {
    let config = config_address();
    build(
        accounts::Initialize {
            deploy_admin: *deploy_admin,
            config,
            stake_mint: *stake_mint,
            vault: vault_pda(&config).0,
            treasury: *treasury,
            token_program: *token_program,
            system_program: solana_sdk_ids::system_program::ID,
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::Initialize { args },
    )
}

/// `transfer_authority`: propose `new_authority`, or cancel with `None`.
pub fn transfer_authority(authority: &Pubkey, new_authority: Option<Pubkey>) -> Instruction {
    build(
        accounts::TransferAuthority {
            authority: *authority,
            config: config_address(),
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::TransferAuthority { args: TransferAuthorityArgs { new_authority } },
    )
}

/// `accept_authority`, signed by the proposed authority.
pub fn accept_authority(new_authority: &Pubkey) -> Instruction {
    build(
        accounts::AcceptAuthority {
            new_authority: *new_authority,
            config: config_address(),
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::AcceptAuthority {},
    )
}

/// `set_params`; `new_treasury` replaces the treasury token account when given.
pub fn set_params(
    authority: &Pubkey,
    args: SetParamsArgs,
    new_treasury: Option<Pubkey>,
) -> Instruction {
    build(
        accounts::SetParams {
            authority: *authority,
            config: config_address(),
            new_treasury,
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::SetParams { args },
    )
}

/// `pause`.
pub fn pause(authority: &Pubkey) -> Instruction {
    build(
        accounts::Pause {
            authority: *authority,
            config: config_address(),
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::Pause {},
    )
}

/// `unpause`.
pub fn unpause(authority: &Pubkey) -> Instruction {
    build(
        accounts::Unpause {
            authority: *authority,
            config: config_address(),
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::Unpause {},
    )
}

/// The token accounts a staking instruction moves tokens with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StakeTokens {
    pub stake_mint: Pubkey,
    pub token_program: Pubkey,
    /// The operator's token account (source for register/stake, destination for withdraw).
    pub operator_token: Pubkey,
}

/// `register_node`. `node_id` must be the config's current `next_node_id`; operator and
/// device sign.
pub fn register_node(
    operator: &Pubkey,
    device: &Pubkey,
    node_id: u64,
    tokens: &StakeTokens,
    args: RegisterNodeArgs,
) -> Instruction {
    let config = config_address();
    build(
        accounts::RegisterNode {
            operator: *operator,
            device: *device,
            config,
            node: node_pda(&config, node_id).0,
            device_binding: device_binding_pda(&config, device).0,
            stake_mint: tokens.stake_mint,
            operator_token: tokens.operator_token,
            vault: vault_pda(&config).0,
            token_program: tokens.token_program,
            system_program: solana_sdk_ids::system_program::ID,
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::RegisterNode { args },
    )
}

/// `update_node`, signed by the operator.
pub fn update_node(operator: &Pubkey, node_id: u64, args: UpdateNodeArgs) -> Instruction {
    build(
        accounts::UpdateNode {
            operator: *operator,
            config: config_address(),
            node: node_address(node_id),
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::UpdateNode { args },
    )
}

/// `rotate_device_key` from `old_device` to `new_device` (which signs with the operator).
pub fn rotate_device_key(
    operator: &Pubkey,
    node_id: u64,
    old_device: &Pubkey,
    new_device: &Pubkey,
) -> Instruction {
    let config = config_address();
    build(
        accounts::RotateDeviceKey {
            operator: *operator,
            new_device: *new_device,
            config,
            node: node_pda(&config, node_id).0,
            old_binding: device_binding_pda(&config, old_device).0,
            new_binding: device_binding_pda(&config, new_device).0,
            system_program: solana_sdk_ids::system_program::ID,
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::RotateDeviceKey {},
    )
}

/// `stake` (top-up), signed by the operator.
pub fn stake(operator: &Pubkey, node_id: u64, tokens: &StakeTokens, amount: u64) -> Instruction {
    let config = config_address();
    build(
        accounts::Stake {
            operator: *operator,
            config,
            node: node_pda(&config, node_id).0,
            stake_mint: tokens.stake_mint,
            operator_token: tokens.operator_token,
            vault: vault_pda(&config).0,
            token_program: tokens.token_program,
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::Stake { args: StakeArgs { amount } },
    )
}

/// `request_unstake`, signed by the operator.
pub fn request_unstake(operator: &Pubkey, node_id: u64, amount: u64) -> Instruction {
    build(
        accounts::RequestUnstake {
            operator: *operator,
            config: config_address(),
            node: node_address(node_id),
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::RequestUnstake { args: RequestUnstakeArgs { amount } },
    )
}

/// `withdraw` all unlocked pending stake to `tokens.operator_token`.
pub fn withdraw(operator: &Pubkey, node_id: u64, tokens: &StakeTokens) -> Instruction {
    let config = config_address();
    build(
        accounts::Withdraw {
            operator: *operator,
            config,
            node: node_pda(&config, node_id).0,
            stake_mint: tokens.stake_mint,
            vault: vault_pda(&config).0,
            destination: tokens.operator_token,
            token_program: tokens.token_program,
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::Withdraw {},
    )
}

/// `close_node`; `device_key` is the node's current device key.
pub fn close_node(operator: &Pubkey, node_id: u64, device_key: &Pubkey) -> Instruction {
    let config = config_address();
    build(
        accounts::CloseNode {
            operator: *operator,
            config,
            node: node_pda(&config, node_id).0,
            device_binding: device_binding_pda(&config, device_key).0,
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::CloseNode {},
    )
}

/// Accounts of `slash` that are not PDAs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlashTokens {
    pub stake_mint: Pubkey,
    pub token_program: Pubkey,
    pub treasury: Pubkey,
}

/// `slash`, signed by the slash authority.
pub fn slash(
    slash_authority: &Pubkey,
    node_id: u64,
    tokens: &SlashTokens,
    amount: u64,
    reason: u16,
) -> Instruction {
    let config = config_address();
    build(
        accounts::Slash {
            slash_authority: *slash_authority,
            config,
            node: node_pda(&config, node_id).0,
            stake_mint: tokens.stake_mint,
            vault: vault_pda(&config).0,
            treasury: tokens.treasury,
            token_program: tokens.token_program,
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::Slash { args: SlashArgs { amount, reason } },
    )
}

/// `unjail`, signed by the config authority.
pub fn unjail(authority: &Pubkey, node_id: u64) -> Instruction {
    build(
        accounts::Unjail {
            authority: *authority,
            config: config_address(),
            node: node_address(node_id),
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::Unjail {},
    )
}

// ---------------------------------------------------------------------------------------------
// Account decoding

/// Decodes an Anchor account of type `T` (discriminator checked) from raw account data.
pub fn decode_account<T: AccountDeserialize>(data: &[u8]) -> anchor_lang::Result<T> {
    T::try_deserialize(&mut &data[..])
}

/// Decodes the config account.
pub fn decode_config(data: &[u8]) -> anchor_lang::Result<Config> {
    decode_account(data)
}

/// Decodes a node account.
pub fn decode_node(data: &[u8]) -> anchor_lang::Result<Node> {
    decode_account(data)
}

/// Decodes a device-binding account.
pub fn decode_device_binding(data: &[u8]) -> anchor_lang::Result<DeviceBinding> {
    decode_account(data)
}
