//! `veto_epoch`: within the challenge period of the last finalized epoch, the authority
//! rejects its report. The epoch reopens in a new round, the config returns to the previous
//! epoch's total and root, and the vetoed root never becomes claimable. Because epoch N+1
//! cannot finalize before N's challenge period is over, nothing later has to be unwound.
//! Works while paused.

use anchor_lang::prelude::*;

use crate::errors::RewardsError;
use crate::events::EpochVetoed;
use crate::state::{seeds, Config, EpochState, EpochStatus};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct VetoEpochArgs {
    pub epoch: u64,
    /// SHA-256 of the Borsh correction document that applies to the epoch (PROTOCOL.md §9.7),
    /// or zero for "recompute with the same inputs".
    pub reason: [u8; 32],
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: VetoEpochArgs)]
pub struct VetoEpoch<'info> {
    pub authority: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = authority @ RewardsError::NotAuthority,
    )]
    pub config: Box<Account<'info, Config>>,
    #[account(
        mut,
        seeds = [seeds::EPOCH, config.key().as_ref(), &args.epoch.to_le_bytes()],
        bump = epoch_state.bump,
    )]
    pub epoch_state: Box<Account<'info, EpochState>>,
}

impl VetoEpoch<'_> {
    pub fn validate(&self, args: &VetoEpochArgs) -> Result<()> {
        require!(self.epoch_state.status == EpochStatus::Final, RewardsError::EpochNotFinal);
        let now = Clock::get()?.unix_timestamp;
        let pending = self.config.pending_root.ok_or(RewardsError::ChallengePeriodOver)?;
        require!(
            pending.root.epoch == args.epoch && now < pending.claimable_at,
            RewardsError::ChallengePeriodOver
        );
        Ok(())
    }
}

pub fn handler(ctx: Context<VetoEpoch>, args: VetoEpochArgs) -> Result<()> {
    let config = &mut ctx.accounts.config;
    let epoch_state = &mut ctx.accounts.epoch_state;
    let vetoed_round = epoch_state.round;
    let vetoed_report = epoch_state.report;
    config.pending_root = None;
    config.next_epoch = args.epoch;
    config.last_final_total = epoch_state.previous_total;
    config.last_final_root = epoch_state.previous_root;
    let new_round = epoch_state.reopen_after_veto(args.reason)?;
    emit_cpi!(EpochVetoed {
        epoch: args.epoch,
        vetoed_round,
        new_round,
        vetoed_report,
        reason: args.reason,
        restored_total: config.last_final_total,
        restored_root: config.last_final_root,
    });
    Ok(())
}
