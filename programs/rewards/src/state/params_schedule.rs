//! Parameters per epoch: `set_params` never changes the set in force for an epoch that may
//! already be reported; it schedules a whole new set for the epochs from `effective_epoch`
//! on. The config holds the current set and at most one scheduled set; the scheduled set is
//! promoted to current lazily, by the first instruction that needs the parameters once no
//! epoch before `effective_epoch` can be finalized again (see [`Config::due_params`]).

use anchor_lang::prelude::*;

use crate::errors::RewardsError;
use crate::state::{Config, Params};

/// A parameter set waiting for its first epoch.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScheduledParams {
    pub params: Params,
    /// The first epoch the set applies to.
    pub effective_epoch: u64,
}

/// A promotion of the scheduled set: `old` was current, `new` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamsPromotion {
    pub old: Params,
    pub new: Params,
    pub effective_epoch: u64,
}

impl Config {
    /// The parameters in force for `epoch`: the scheduled set from its effective epoch on,
    /// the current set before it.
    pub fn params_for(&self, epoch: u64) -> &Params {
        match &self.scheduled_params {
            Some(s) if epoch >= s.effective_epoch => &s.params,
            _ => &self.params,
        }
    }

    /// The scheduled set, if it is due for promotion at `now`: every epoch before its
    /// effective epoch is final (`next_epoch ≥ effective_epoch`) and none of them can be
    /// vetoed any more (the last final epoch is at or after `effective_epoch`, or its
    /// challenge period is over). A veto moves `next_epoch` back to the vetoed epoch, so
    /// promoting earlier could apply the new set to an epoch before `effective_epoch`.
    pub fn due_params(&self, now: i64) -> Option<ScheduledParams> {
        let scheduled = self.scheduled_params?;
        let all_before_final = self.next_epoch >= scheduled.effective_epoch;
        let vetoable_before = self
            .pending_root
            .is_some_and(|p| now < p.claimable_at && p.root.epoch < scheduled.effective_epoch);
        (all_before_final && !vetoable_before).then_some(scheduled)
    }

    /// Promotes the scheduled set to current when it is due. `params_for` returns the same
    /// set for every epoch that can still be reported, before and after.
    pub fn promote_due_params(&mut self, now: i64) -> Option<ParamsPromotion> {
        let due = self.due_params(now)?;
        let old = self.params;
        self.params = due.params;
        self.scheduled_params = None;
        Some(ParamsPromotion { old, new: due.params, effective_epoch: due.effective_epoch })
    }

    /// Checks a schedule of `new` from `effective_epoch` at `now`, against the state after
    /// promoting a due set (so it can run before the promotion, in `validate`):
    /// - bounds of every parameter, and the challenge period not below the minimum;
    /// - a report grace at least the compute challenges' `T + grace` (when enabled);
    /// - no other set scheduled (`ParamsAlreadyScheduled`), and `new` differs from the
    ///   current set, the one it replaces (`NothingToUpdate`);
    /// - `effective_epoch > next_epoch`: the epoch being reported keeps its set;
    /// - a set that may raise emission starts no earlier than `now + epoch_seconds +
    ///   max(old, new challenge period)` (`IncreaseTooSoon`). Lowering is not delayed.
    ///
    /// Returns the start of `effective_epoch`.
    pub fn check_schedule(&self, new: &Params, effective_epoch: u64, now: i64) -> Result<i64> {
        new.validate(self.epoch_seconds)?;
        require!(
            new.challenge_period_seconds >= self.min_challenge_period_seconds,
            RewardsError::ChallengePeriodBelowMinimum
        );
        // Compute challenges must be judged before an epoch is reported (§10.1).
        require!(
            !self.challenge.enabled()
                || self.challenge.response_seconds() <= new.report_grace_seconds,
            RewardsError::ChallengeResponseExceedsReportGrace
        );
        let (current, pending) = match self.due_params(now) {
            Some(due) => (due.params, None),
            None => (self.params, self.scheduled_params),
        };
        require!(pending.is_none(), RewardsError::ParamsAlreadyScheduled);
        require!(*new != current, RewardsError::NothingToUpdate);
        require!(effective_epoch > self.next_epoch, RewardsError::EffectiveEpochTooEarly);
        let starts_at = self
            .clock()
            .start(effective_epoch)
            .map_err(|_| error!(RewardsError::ArithmeticOverflow))?;
        if current.may_increase_emission(new) {
            let challenge = current.challenge_period_seconds.max(new.challenge_period_seconds);
            let earliest = now
                .checked_add(self.epoch_seconds)
                .and_then(|t| t.checked_add(challenge))
                .ok_or(RewardsError::ArithmeticOverflow)?;
            require!(starts_at >= earliest, RewardsError::IncreaseTooSoon);
        }
        Ok(starts_at)
    }
}
