//! The bounded parameters `initialize` sets and `set_params` may change.

use anchor_lang::prelude::*;
use gridmint_protocol::emission::{EmissionError, EmissionSchedule};
use gridmint_protocol::limits::{
    MAX_CHALLENGE_PERIOD_SECONDS, MAX_EPOCH_SECONDS, MAX_REPORT_GRACE_SECONDS,
};
use gridmint_protocol::rewards::{RewardError, RewardParams};

use crate::errors::RewardsError;

/// The emission schedule (PROTOCOL.md §2), in base units of the reward mint.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmissionParams {
    /// Emission of each epoch before the first decay step.
    pub initial_per_epoch: u64,
    /// Decay every `decay_interval_epochs`, in bps (0 = constant emission).
    pub decay_bps: u16,
    /// Epochs per decay step (`K`, at least 1).
    pub decay_interval_epochs: u64,
    /// Emission never decays below this (at most `initial_per_epoch`).
    pub floor_per_epoch: u64,
}

impl From<EmissionParams> for EmissionSchedule {
    fn from(p: EmissionParams) -> Self {
        EmissionSchedule {
            initial_per_epoch: p.initial_per_epoch,
            decay_bps: p.decay_bps,
            decay_interval_epochs: p.decay_interval_epochs,
            floor_per_epoch: p.floor_per_epoch,
        }
    }
}

/// The off-chain reward formula's parameters (PROTOCOL.md §3), stored on chain so that every
/// oracle applies the same values. The program itself never reads them.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub struct RewardFormulaParams {
    /// Share of the emission for the compute pool, in bps; the energy pool gets the rest.
    pub compute_pool_bps: u16,
    /// Extra weight of green-certified energy, in bps on top of 10,000 (at most 10,000).
    pub green_bonus_bps: u16,
    /// Creditable work units per whole staked token per epoch.
    pub work_per_staked_token: u64,
    /// Creditable energy (Wh) per whole staked token per epoch.
    pub wh_per_staked_token: u64,
    /// Largest plausible capacity factor over an epoch, in bps (at most 10,000).
    pub max_capacity_factor_bps: u16,
    /// Work units the green bonus can cover per Wh of matched clean energy.
    pub max_work_per_wh: u64,
}

impl From<RewardFormulaParams> for RewardParams {
    fn from(p: RewardFormulaParams) -> Self {
        RewardParams {
            compute_pool_bps: p.compute_pool_bps,
            green_bonus_bps: p.green_bonus_bps,
            work_per_staked_token: p.work_per_staked_token,
            wh_per_staked_token: p.wh_per_staked_token,
            max_capacity_factor_bps: p.max_capacity_factor_bps,
            max_work_per_wh: p.max_work_per_wh,
        }
    }
}

/// Everything `set_params` may change, as one value so that events carry the old and the new
/// set. The epoch length and genesis time are fixed at `initialize`: they define what epoch
/// `N` means, and moving them would change past epochs' boundaries and decay steps.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// Seconds after an epoch's end before oracles may report it (late readings).
    pub report_grace_seconds: i64,
    /// Seconds after finalization during which the authority may veto; the root becomes
    /// claimable when it has passed.
    pub challenge_period_seconds: i64,
    pub emission: EmissionParams,
    /// No epoch ever emits more than this, whatever the schedule says.
    pub hard_cap_per_epoch: u64,
    pub reward_formula: RewardFormulaParams,
}

impl Params {
    /// Bounds every parameter for a program whose epochs last `epoch_seconds`:
    /// - report grace in `[0, MAX_REPORT_GRACE_SECONDS]` and below the epoch length (an
    ///   epoch is then reportable before the next one ends, so reporting keeps pace);
    /// - challenge period in `(0, min(epoch_seconds, MAX_CHALLENGE_PERIOD_SECONDS)]`, and
    ///   strictly below the epoch length: epoch N+1 can only finalize once N's challenge
    ///   period is over, so a challenge period as long as an epoch could never catch up
    ///   after a delay;
    /// - a valid emission schedule (decay ≤ 10,000 bps, K ≥ 1, floor ≤ initial) and a
    ///   non-zero hard cap;
    /// - reward formula shares within their bounds.
    pub fn validate(&self, epoch_seconds: i64) -> Result<()> {
        require!(
            (0..=MAX_REPORT_GRACE_SECONDS).contains(&self.report_grace_seconds)
                && self.report_grace_seconds < epoch_seconds,
            RewardsError::InvalidReportGrace
        );
        require!(
            self.challenge_period_seconds > 0
                && self.challenge_period_seconds <= MAX_CHALLENGE_PERIOD_SECONDS
                && self.challenge_period_seconds < epoch_seconds,
            RewardsError::InvalidChallengePeriod
        );
        EmissionSchedule::from(self.emission).validate().map_err(emission_error)?;
        require!(self.hard_cap_per_epoch > 0, RewardsError::ZeroHardCap);
        RewardParams::from(self.reward_formula).validate().map_err(|e| match e {
            RewardError::ComputeShareAboveDenominator => error!(RewardsError::InvalidComputeShare),
            RewardError::GreenBonusTooLarge => error!(RewardsError::InvalidGreenBonus),
            _ => error!(RewardsError::InvalidCapacityFactor),
        })?;
        Ok(())
    }

    /// Whether replacing `self` by `new` may raise some epoch's emission. Conservative and
    /// field-wise, since `E(e)` grows with each of these: a higher initial emission, floor
    /// or hard cap, a smaller decay, or a longer decay interval (fewer decay steps by `e`).
    pub fn may_increase_emission(&self, new: &Params) -> bool {
        let (old_e, new_e) = (&self.emission, &new.emission);
        new_e.initial_per_epoch > old_e.initial_per_epoch
            || new_e.floor_per_epoch > old_e.floor_per_epoch
            || new.hard_cap_per_epoch > self.hard_cap_per_epoch
            || new_e.decay_bps < old_e.decay_bps
            || new_e.decay_interval_epochs > old_e.decay_interval_epochs
    }

    /// The emission of `epoch`: the schedule, capped by the hard cap.
    pub fn epoch_emission(&self, epoch: u64) -> Result<u64> {
        EmissionSchedule::from(self.emission)
            .epoch_emission(self.hard_cap_per_epoch, epoch)
            .map_err(emission_error)
    }
}

/// Bounds the immutable epoch length: `(0, MAX_EPOCH_SECONDS]`.
pub fn validate_epoch_seconds(epoch_seconds: i64) -> Result<()> {
    require!(
        epoch_seconds > 0 && epoch_seconds <= MAX_EPOCH_SECONDS,
        RewardsError::InvalidEpochLength
    );
    Ok(())
}

fn emission_error(e: EmissionError) -> Error {
    match e {
        EmissionError::DecayAboveDenominator => error!(RewardsError::InvalidDecay),
        EmissionError::ZeroDecayInterval => error!(RewardsError::InvalidDecayInterval),
        EmissionError::FloorAboveInitial => error!(RewardsError::FloorAboveInitial),
        EmissionError::ZeroEpochLength => error!(RewardsError::InvalidEpochLength),
        EmissionError::TimeOverflow => error!(RewardsError::ArithmeticOverflow),
    }
}
