//! GridMint node-staking: the node registry and its stake.
//!
//! Operators register edge-compute and clean-energy nodes with a permanent device-key
//! binding, stake the GridMint token behind them, and leave through an unbonding period long
//! enough for late fraud to be slashed. Each node keeps per-epoch views of what it counted as
//! (`docs/PROTOCOL.md` §8) on the epoch clock it shares with the rewards program, and the
//! config authority keeps the registry of compute-work requesters. See `docs/node-staking.md` for the instruction
//! reference. `lib.rs` only dispatches; each instruction lives in `instructions/`.

use anchor_lang::prelude::*;

pub mod constants;
pub mod errors;
pub mod events;
pub mod fraud;
pub mod instructions;
pub mod mint_policy;
pub mod state;
pub mod utils;

use instructions::{
    accept_authority::*, close_node::*, initialize::*, pause::*, register_node::*,
    register_requester::*, report_fraud::*, request_unstake::*, retire_requester::*,
    rotate_device_key::*, set_params::*, slash::*, stake::*, transfer_authority::*, unjail::*,
    unpause::*, update_node::*, withdraw::*,
};

#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "GridMint node-staking",
    project_url: "https://example.invalid/gridmint",
    contacts: "email:security@example.invalid",
    policy: "https://example.invalid/gridmint/blob/main/SECURITY.md",
    source_code: "https://example.invalid/gridmint"
}

declare_id!("FQWPvQdUuQAeduf46XEivoKAtV5Aduac9BFNcD5tPCmK");

#[program]
pub mod node_staking {
    use super::*;

    #[access_control(ctx.accounts.validate(&args))]
    pub fn initialize(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
        instructions::initialize::handler(ctx, args)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn transfer_authority(
        ctx: Context<TransferAuthority>,
        args: TransferAuthorityArgs,
    ) -> Result<()> {
        instructions::transfer_authority::handler(ctx, args)
    }

    #[access_control(ctx.accounts.validate())]
    pub fn accept_authority(ctx: Context<AcceptAuthority>) -> Result<()> {
        instructions::accept_authority::handler(ctx)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn set_params(ctx: Context<SetParams>, args: SetParamsArgs) -> Result<()> {
        instructions::set_params::handler(ctx, args)
    }

    #[access_control(ctx.accounts.validate())]
    pub fn pause(ctx: Context<Pause>) -> Result<()> {
        instructions::pause::handler(ctx)
    }

    #[access_control(ctx.accounts.validate())]
    pub fn unpause(ctx: Context<Unpause>) -> Result<()> {
        instructions::unpause::handler(ctx)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn register_node<'info>(
        ctx: Context<'info, RegisterNode<'info>>,
        args: RegisterNodeArgs,
    ) -> Result<()> {
        instructions::register_node::handler(ctx, args)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn update_node(ctx: Context<UpdateNode>, args: UpdateNodeArgs) -> Result<()> {
        instructions::update_node::handler(ctx, args)
    }

    #[access_control(ctx.accounts.validate())]
    pub fn rotate_device_key<'info>(ctx: Context<'info, RotateDeviceKey<'info>>) -> Result<()> {
        instructions::rotate_device_key::handler(ctx)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn stake<'info>(ctx: Context<'info, Stake<'info>>, args: StakeArgs) -> Result<()> {
        instructions::stake::handler(ctx, args)
    }

    pub fn request_unstake(ctx: Context<RequestUnstake>, args: RequestUnstakeArgs) -> Result<()> {
        instructions::request_unstake::handler(ctx, args)
    }

    pub fn withdraw<'info>(ctx: Context<'info, Withdraw<'info>>) -> Result<()> {
        instructions::withdraw::handler(ctx)
    }

    #[access_control(ctx.accounts.validate())]
    pub fn close_node(ctx: Context<CloseNode>) -> Result<()> {
        instructions::close_node::handler(ctx)
    }

    pub fn slash<'info>(ctx: Context<'info, Slash<'info>>, args: SlashArgs) -> Result<()> {
        instructions::slash::handler(ctx, args)
    }

    #[access_control(ctx.accounts.validate())]
    pub fn unjail(ctx: Context<Unjail>) -> Result<()> {
        instructions::unjail::handler(ctx)
    }

    pub fn report_fraud<'info>(
        ctx: Context<'info, ReportFraud<'info>>,
        args: ReportFraudArgs,
    ) -> Result<()> {
        instructions::report_fraud::handler(ctx, args)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn register_requester(
        ctx: Context<RegisterRequester>,
        args: RegisterRequesterArgs,
    ) -> Result<()> {
        instructions::register_requester::handler(ctx, args)
    }

    pub fn retire_requester(
        ctx: Context<RetireRequester>,
        args: RetireRequesterArgs,
    ) -> Result<()> {
        instructions::retire_requester::handler(ctx, args)
    }
}
