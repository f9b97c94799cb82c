//! `submit_report`: an oracle of the current set votes for an epoch's report in the epoch's
//! current round. When `threshold` votes under the current set version agree on every field,
//! the epoch is final and its challenge period starts.
//!
//! A vote is accepted only when it could finalize: the epoch has ended and its report grace
//! has passed, every earlier epoch is final, the previous epoch's challenge period is over,
//! `cumulative_total` does not decrease and grows by at most the epoch's emission (hard cap
//! included). So an increase above the emission never finalizes, and a veto never has to
//! unwind a later epoch. The first vote of an epoch creates its account (the oracle pays).
//!
//! Report grace, emission cap and challenge period are those in force for the reported
//! epoch (`Config::params_for`); a scheduled set that is due is promoted here.

use anchor_lang::prelude::*;

use crate::errors::RewardsError;
use crate::events::{EpochFinalized, ParamsActivated, ReportSubmitted, RootClaimable};
use crate::state::{seeds, ClaimableRoot, Config, EpochState, EpochStatus, PendingRoot, Report};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct SubmitReportArgs {
    pub epoch: u64,
    /// Must equal the epoch's current round.
    pub round: u32,
    pub root: [u8; 32],
    pub cumulative_total: u64,
    pub recipient_count: u64,
    pub manifest_hash: [u8; 32],
}

impl SubmitReportArgs {
    pub fn report(&self) -> Report {
        Report {
            root: self.root,
            cumulative_total: self.cumulative_total,
            recipient_count: self.recipient_count,
            manifest_hash: self.manifest_hash,
        }
    }
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: SubmitReportArgs)]
pub struct SubmitReport<'info> {
    /// Must be in the current oracle set (checked in `validate`); pays for a new epoch account.
    #[account(mut)]
    pub oracle: Signer<'info>,
    #[account(mut, seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    #[account(
        init_if_needed,
        payer = oracle,
        space = 8 + EpochState::INIT_SPACE,
        seeds = [seeds::EPOCH, config.key().as_ref(), &args.epoch.to_le_bytes()],
        bump,
    )]
    pub epoch_state: Box<Account<'info, EpochState>>,
    pub system_program: Program<'info, System>,
}

impl SubmitReport<'_> {
    pub fn validate(&self, args: &SubmitReportArgs) -> Result<()> {
        let config = &self.config;
        require!(!config.paused, RewardsError::Paused);
        require!(config.oracles.slot_of(&self.oracle.key()).is_some(), RewardsError::NotAnOracle);

        let now = Clock::get()?.unix_timestamp;
        let params = config.params_for(args.epoch);
        let end = config.epoch_end(args.epoch)?;
        require!(now >= end, RewardsError::EpochNotEnded);
        let open_at =
            end.checked_add(params.report_grace_seconds).ok_or(RewardsError::ArithmeticOverflow)?;
        require!(now >= open_at, RewardsError::ReportGraceNotOver);
        require!(args.epoch >= config.next_epoch, RewardsError::EpochAlreadyFinal);
        require!(self.epoch_state.status != EpochStatus::Final, RewardsError::EpochAlreadyFinal);
        require!(args.epoch == config.next_epoch, RewardsError::EpochOutOfOrder);
        require!(!config.in_challenge(now), RewardsError::PreviousEpochInChallenge);
        require!(args.round == self.epoch_state.round, RewardsError::WrongRound);

        require!(
            args.cumulative_total >= config.last_final_total,
            RewardsError::CumulativeTotalDecreased
        );
        let increase = args
            .cumulative_total
            .checked_sub(config.last_final_total)
            .ok_or(RewardsError::CumulativeTotalDecreased)?;
        require!(increase <= params.epoch_emission(args.epoch)?, RewardsError::EmissionExceeded);
        Ok(())
    }
}

pub fn handler(ctx: Context<SubmitReport>, args: SubmitReportArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let config = &mut ctx.accounts.config;
    let epoch_state = &mut ctx.accounts.epoch_state;
    if epoch_state.is_new() {
        epoch_state.config = config.key();
        epoch_state.epoch = args.epoch;
        epoch_state.rent_payer = ctx.accounts.oracle.key();
        epoch_state.bump = ctx.bumps.epoch_state;
    }

    // The previous epoch's challenge period is over (validated): its root becomes claimable,
    // and a parameter set effective from this epoch on becomes current.
    let promoted = config.promote_matured_root(now);
    let activated = config.promote_due_params(now);
    let params = *config.params_for(args.epoch);

    let oracles = config.oracles;
    let slot = oracles.slot_of(&ctx.accounts.oracle.key()).ok_or(RewardsError::NotAnOracle)?;
    let report = args.report();
    let tally = epoch_state.record_vote(slot, oracles.version, report.vote_hash())?;
    let round = epoch_state.round;

    let finalized = if tally.agreeing >= oracles.threshold {
        let emission = params.epoch_emission(args.epoch)?;
        let previous_total = config.last_final_total;
        let increase = report
            .cumulative_total
            .checked_sub(previous_total)
            .ok_or(RewardsError::CumulativeTotalDecreased)?;
        require!(increase <= emission, RewardsError::EmissionExceeded);
        epoch_state.finalize(
            report,
            previous_total,
            config.last_final_root,
            now,
            params.challenge_period_seconds,
        )?;
        config.next_epoch = args.epoch.checked_add(1).ok_or(RewardsError::ArithmeticOverflow)?;
        config.last_final_total = report.cumulative_total;
        config.last_final_root = report.root;
        config.pending_root = Some(PendingRoot {
            root: ClaimableRoot {
                epoch: args.epoch,
                root: report.root,
                cumulative_total: report.cumulative_total,
            },
            claimable_at: epoch_state.claimable_at,
        });
        Some(EpochFinalized {
            epoch: args.epoch,
            round,
            report,
            previous_total,
            increase,
            emission,
            finalized_at: now,
            claimable_at: epoch_state.claimable_at,
        })
    } else {
        None
    };

    if let Some(root) = promoted {
        emit_cpi!(RootClaimable { root });
    }
    if let Some(p) = activated {
        emit_cpi!(ParamsActivated { old: p.old, new: p.new, effective_epoch: p.effective_epoch });
    }
    emit_cpi!(ReportSubmitted {
        epoch: args.epoch,
        round,
        oracle: ctx.accounts.oracle.key(),
        oracle_set_version: oracles.version,
        report,
        agreeing: tally.agreeing,
        threshold: oracles.threshold,
        stale_votes_dropped: tally.reset_stale_votes,
    });
    if let Some(event) = finalized {
        emit_cpi!(event);
    }
    Ok(())
}
