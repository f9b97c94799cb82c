//! The program's singleton configuration: parameters (current and scheduled), oracle set,
//! finalization progress, claim accounting and the ring of claimable roots.

use anchor_lang::prelude::*;
use gridmint_protocol::emission::EpochClock;

use crate::errors::RewardsError;
use crate::state::{
    ChallengeSettings, ClaimableRoot, OracleSet, Params, PendingRoot, RootRing, ScheduledParams,
};

/// Singleton config, PDA `[CONFIG]`.
#[account]
#[derive(InitSpace, Debug, PartialEq, Eq)]
pub struct Config {
    /// Admin: parameters, oracle set, pause, rounds, vetoes, authority transfer.
    pub authority: Pubkey,
    /// Proposed new authority (two-step transfer); `None` when no transfer is under way.
    pub pending_authority: Option<Pubkey>,
    /// While set, `submit_report` and `claim` are refused (see docs/rewards.md).
    pub paused: bool,
    /// The reward token; its mint authority is the PDA `[MINT_AUTHORITY, config]`.
    pub reward_mint: Pubkey,
    /// Owner program of `reward_mint` (SPL Token or Token-2022).
    pub token_program: Pubkey,
    /// Start of epoch 0 (fixed at initialize).
    pub genesis_time: i64,
    /// Epoch length in seconds (fixed at initialize).
    pub epoch_seconds: i64,
    /// Floor of `challenge_period_seconds` for every later parameter set (fixed at
    /// initialize): the authority can never shorten the window for vetoes below it.
    pub min_challenge_period_seconds: i64,
    /// The current parameter set: in force for every epoch before the scheduled set's.
    pub params: Params,
    /// A set for the epochs from its `effective_epoch` on, until promoted to `params`.
    pub scheduled_params: Option<ScheduledParams>,
    pub oracles: OracleSet,
    /// The epoch that finalizes next (epochs finalize in order, starting at 0).
    pub next_epoch: u64,
    /// `cumulative_total` of the last finalized epoch (0 before the first).
    pub last_final_total: u64,
    /// Root of the last finalized epoch (zero before the first).
    pub last_final_root: [u8; 32],
    /// The last finalized epoch while its challenge period runs.
    pub pending_root: Option<PendingRoot>,
    /// Roots that can be claimed against.
    pub claimable: RootRing,
    /// Sum of every amount ever paid by `claim`.
    pub total_claimed: u64,
    pub bump: u8,
    pub mint_authority_bump: u8,
    /// Compute-challenge parameters for beacon accounts created from now on (PROTOCOL.md
    /// §10.1); all zero (disabled) until `set_challenge_params`. Taken from the former
    /// reserved tail: the account keeps its size and older accounts read as disabled.
    pub challenge: ChallengeSettings,
    /// Room for future fields; zero.
    pub reserved: [u8; 116],
}

impl Config {
    pub fn clock(&self) -> EpochClock {
        EpochClock { genesis_time: self.genesis_time, epoch_seconds: self.epoch_seconds }
    }

    /// End of `epoch` (exclusive).
    pub fn epoch_end(&self, epoch: u64) -> Result<i64> {
        self.clock().end(epoch).map_err(|_| error!(RewardsError::ArithmeticOverflow))
    }

    /// Moves the pending root into the claimable ring once its challenge period has passed.
    /// Returns the root that became claimable, if any.
    pub fn promote_matured_root(&mut self, now: i64) -> Option<ClaimableRoot> {
        let pending = self.pending_root.filter(|p| now >= p.claimable_at)?;
        self.claimable.push(pending.root);
        self.pending_root = None;
        Some(pending.root)
    }

    /// Whether the previous epoch's challenge period still runs at `now`.
    pub fn in_challenge(&self, now: i64) -> bool {
        self.pending_root.is_some_and(|p| now < p.claimable_at)
    }

    /// Records a payout of `amount` against a root whose reported total is `root_total`:
    /// the sum of all payouts may never exceed the total of the root a claim uses.
    pub fn record_claim(&mut self, amount: u64, root_total: u64) -> Result<()> {
        let total =
            self.total_claimed.checked_add(amount).ok_or(RewardsError::ArithmeticOverflow)?;
        require!(total <= root_total, RewardsError::ClaimExceedsRootTotal);
        self.total_claimed = total;
        Ok(())
    }
}
