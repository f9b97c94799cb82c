//! GridMint rewards: epoch emissions, an oracle quorum over cumulative reward roots, and
//! Merkle claims.
//!
//! Oracles attest each ended epoch as a Merkle root over every recipient's *cumulative*
//! rewards; a strict-majority quorum makes it final; after a challenge period (in which the
//! authority may veto) the root is claimable and anyone can crank a claim for a recipient
//! with one proof covering all past epochs. The normative formats are in `docs/PROTOCOL.md`,
//! the instruction reference in `docs/rewards.md`. `lib.rs` only dispatches; each
//! instruction lives in `instructions/`.

use anchor_lang::prelude::*;

pub mod constants;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod mint_policy;
pub mod state;

use instructions::*;

#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "GridMint rewards",
    project_url: "https://example.invalid/gridmint",
    contacts: "email:security@example.invalid",
    policy: "https://example.invalid/gridmint/blob/main/SECURITY.md",
    source_code: "https://example.invalid/gridmint"
}

declare_id!("9BV2MHWaBUPMfbiFshiRhYKPV2FHYBLDdDrkCQ7CZjFK");

#[program]
pub mod rewards {
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

    #[access_control(ctx.accounts.validate(&args))]
    pub fn set_oracles(ctx: Context<SetOracles>, args: SetOraclesArgs) -> Result<()> {
        instructions::set_oracles::handler(ctx, args)
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
    pub fn submit_report(ctx: Context<SubmitReport>, args: SubmitReportArgs) -> Result<()> {
        instructions::submit_report::handler(ctx, args)
    }

    #[access_control(ctx.accounts.validate())]
    pub fn open_round(ctx: Context<OpenRound>, args: OpenRoundArgs) -> Result<()> {
        instructions::open_round::handler(ctx, args)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn veto_epoch(ctx: Context<VetoEpoch>, args: VetoEpochArgs) -> Result<()> {
        instructions::veto_epoch::handler(ctx, args)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn claim(ctx: Context<Claim>, args: ClaimArgs) -> Result<()> {
        instructions::claim::handler(ctx, args)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn close_epoch(ctx: Context<CloseEpoch>, args: CloseEpochArgs) -> Result<()> {
        instructions::close_epoch::handler(ctx, args)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn set_challenge_params(
        ctx: Context<SetChallengeParams>,
        args: SetChallengeParamsArgs,
    ) -> Result<()> {
        instructions::set_challenge_params::handler(ctx, args)
    }

    #[access_control(ctx.accounts.validate(&args))]
    pub fn create_beacons(ctx: Context<CreateBeacons>, args: CreateBeaconsArgs) -> Result<()> {
        instructions::create_beacons::handler(ctx, args)
    }

    pub fn record_beacon(ctx: Context<RecordBeacon>, args: RecordBeaconArgs) -> Result<()> {
        instructions::record_beacon::handler(ctx, args)
    }
}
