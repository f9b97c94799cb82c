//! One epoch's reporting state: the current round's votes (one slot per oracle of the set
//! version they were cast under) and, once final, the agreed report.

use anchor_lang::prelude::*;
use solana_sha256_hasher::hashv;

use crate::errors::RewardsError;
use crate::state::MAX_ORACLES;

/// What the oracles attest for an epoch; a quorum must agree on every field.
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct Report {
    /// Merkle root over every recipient's cumulative rewards (PROTOCOL.md §4).
    pub root: [u8; 32],
    /// Sum of all leaves: everything ever earned up to and including this epoch.
    pub cumulative_total: u64,
    /// Number of leaves.
    pub recipient_count: u64,
    /// SHA-256 of the epoch manifest (PROTOCOL.md §5).
    pub manifest_hash: [u8; 32],
}

impl Report {
    /// The value stored per vote: `H(root ‖ cumulative_total LE ‖ recipient_count LE ‖
    /// manifest_hash)`. Two votes agree iff their hashes are equal.
    pub fn vote_hash(&self) -> [u8; 32] {
        hashv(&[
            &self.root,
            &self.cumulative_total.to_le_bytes(),
            &self.recipient_count.to_le_bytes(),
            &self.manifest_hash,
        ])
        .to_bytes()
    }
}

#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub enum EpochStatus {
    /// Collecting votes in `round` (also after a veto, in a new round).
    #[default]
    Voting,
    /// A quorum agreed on `report`.
    Final,
}

/// Epoch state, PDA `[EPOCH, config, epoch LE]`, created by the first report of the epoch
/// (the reporting oracle pays the rent and gets it back through `close_epoch`).
#[account]
#[derive(InitSpace, Debug, PartialEq, Eq)]
pub struct EpochState {
    pub config: Pubkey,
    pub epoch: u64,
    pub status: EpochStatus,
    /// Current round; votes name it and only count in it.
    pub round: u32,
    /// The oracle-set version the stored votes were cast under.
    pub votes_set_version: u32,
    /// Bit `i` set: oracle slot `i` voted in this round under `votes_set_version`.
    pub voted_mask: u16,
    /// Vote hash per oracle slot (meaningful where `voted_mask` is set).
    pub votes: [[u8; 32]; MAX_ORACLES],
    /// The agreed report (when `Final`).
    pub report: Report,
    /// `cumulative_total` of the previous finalized epoch at finalization (restored by a veto).
    pub previous_total: u64,
    /// Root of the previous finalized epoch at finalization (restored by a veto).
    pub previous_root: [u8; 32],
    pub finalized_at: i64,
    /// End of the challenge period (when `Final`).
    pub claimable_at: i64,
    pub veto_count: u32,
    /// Reason given by the last veto (e.g. the hash of a published incident note).
    pub last_veto_reason: [u8; 32],
    /// Who paid the rent; `close_epoch` returns it there.
    pub rent_payer: Pubkey,
    pub bump: u8,
    /// Room for future fields; zero.
    pub reserved: [u8; 32],
}

/// The outcome of recording one vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VoteTally {
    /// Whether older votes were dropped because the oracle set changed.
    pub reset_stale_votes: bool,
    /// Votes (including this one) for the same report in this round and set version.
    pub agreeing: u8,
}

impl EpochState {
    /// Whether the account was just created (never written).
    pub fn is_new(&self) -> bool {
        self.config == Pubkey::default()
    }

    /// Records the vote of oracle `slot` under oracle-set `set_version` and counts the votes
    /// that agree with it. Votes stored under another version are dropped first (slots mean
    /// other keys after a change). A second vote by the same slot in the round is refused.
    pub fn record_vote(
        &mut self,
        slot: usize,
        set_version: u32,
        vote: [u8; 32],
    ) -> Result<VoteTally> {
        let bit = u32::try_from(slot)
            .ok()
            .and_then(|s| 1u16.checked_shl(s))
            .filter(|_| slot < MAX_ORACLES)
            .ok_or(RewardsError::NotAnOracle)?;
        let reset_stale_votes = self.votes_set_version != set_version;
        if reset_stale_votes {
            self.clear_votes();
            self.votes_set_version = set_version;
        }
        require!(self.voted_mask & bit == 0, RewardsError::AlreadyVoted);
        self.voted_mask |= bit;
        if let Some(stored) = self.votes.get_mut(slot) {
            *stored = vote;
        }
        let agreeing =
            self.votes.iter().enumerate().filter(|(i, v)| self.voted(*i) && **v == vote).count();
        Ok(VoteTally { reset_stale_votes, agreeing: u8::try_from(agreeing).unwrap_or(u8::MAX) })
    }

    fn voted(&self, slot: usize) -> bool {
        u32::try_from(slot)
            .ok()
            .and_then(|s| 1u16.checked_shl(s))
            .is_some_and(|b| self.voted_mask & b != 0)
    }

    /// Number of votes in the current round (under `votes_set_version`).
    pub fn vote_count(&self) -> u32 {
        self.voted_mask.count_ones()
    }

    pub fn clear_votes(&mut self) {
        self.voted_mask = 0;
        self.votes = [[0u8; 32]; MAX_ORACLES];
    }

    /// Starts the next round with no votes. Returns the new round.
    pub fn open_next_round(&mut self) -> Result<u32> {
        self.round = self.round.checked_add(1).ok_or(RewardsError::ArithmeticOverflow)?;
        self.clear_votes();
        Ok(self.round)
    }

    /// Marks the epoch final with `report` at `now`, claimable after `challenge_seconds`.
    pub fn finalize(
        &mut self,
        report: Report,
        previous_total: u64,
        previous_root: [u8; 32],
        now: i64,
        challenge_seconds: i64,
    ) -> Result<()> {
        self.status = EpochStatus::Final;
        self.report = report;
        self.previous_total = previous_total;
        self.previous_root = previous_root;
        self.finalized_at = now;
        self.claimable_at =
            now.checked_add(challenge_seconds).ok_or(RewardsError::ArithmeticOverflow)?;
        Ok(())
    }

    /// Reopens a vetoed epoch in a new round. Returns the new round.
    pub fn reopen_after_veto(&mut self, reason: [u8; 32]) -> Result<u32> {
        self.status = EpochStatus::Voting;
        self.report = Report::default();
        self.finalized_at = 0;
        self.claimable_at = 0;
        self.veto_count = self.veto_count.checked_add(1).ok_or(RewardsError::ArithmeticOverflow)?;
        self.last_veto_reason = reason;
        self.open_next_round()
    }
}
