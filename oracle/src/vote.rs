//! Voting: `submit_report` through the chain trait, with the intent persisted first.
//!
//! Rules, in order: read the config (own slot, set version) and the epoch state (round,
//! votes); if this slot already voted in this round under this set, compare — the same hash
//! is done, a different one is a **determinism alarm** (two computations of one epoch
//! differ: never retried, an operator must look). Otherwise write the intent for
//! `(epoch, round, set_version)` and send it. An intent already stored for that key (a
//! restart between writing and confirming) is sent again byte for byte when it is the same
//! result, and not at all when the result changed since — it may still be in flight — so
//! this oracle never has two different reports in play in one round. Transport failures retry with backoff, each send over a
//! fresh blockhash; program errors that mean "not now" are returned for the driver to act on.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anchor_lang::{AnchorDeserialize, AnchorSerialize};
use gridmint_protocol::merkle::Hash32;
use gridmint_protocol::rewards::EpochReport;
use gridmint_sdk::chain::{Chain, ChainError, ChainExt, Keypair};
use gridmint_sdk::rewards::{EpochState, EpochStatus, SubmitReportArgs};
use gridmint_sdk::vote::{vote_instructions, ComputeBudget};
use solana_signer::Signer;

use crate::metrics::Metrics;
use crate::store::{Store, StoreError, VoteRow, VoteStatus};

/// What a vote attempt ended in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VoteOutcome {
    /// Landed now.
    Sent { signature: String, round: u32 },
    /// This slot's vote for this round is already on chain and equal.
    AlreadyVoted { round: u32 },
    /// The epoch is final already.
    Final,
    /// The chain holds a different vote of ours for this round.
    DeterminismAlarm { round: u32, ours: Hash32, on_chain: Hash32 },
    /// This round's stored intent (written before a restart) differs from the result now:
    /// it may still land, so no second report is sent in this round.
    IntentDiffers { round: u32 },
    /// The key is not in the current oracle set.
    NotAnOracle,
    /// The program refused for a reason that passes with time or a new round (its name).
    NotNow(String),
}

/// Labels of vote outcomes in metrics: [`VoteOutcome::label`]'s values, and `error`.
pub const VOTE_OUTCOMES: [&str; 8] = [
    "sent",
    "already_voted",
    "final",
    "determinism_alarm",
    "intent_differs",
    "not_an_oracle",
    "not_now",
    "error",
];

impl VoteOutcome {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Sent { .. } => "sent",
            Self::AlreadyVoted { .. } => "already_voted",
            Self::Final => "final",
            Self::DeterminismAlarm { .. } => "determinism_alarm",
            Self::IntentDiffers { .. } => "intent_differs",
            Self::NotAnOracle => "not_an_oracle",
            Self::NotNow(_) => "not_now",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VoteError {
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("rewards config not found")]
    NoConfig,
    #[error("stored vote intent is corrupt")]
    CorruptIntent,
}

/// Program errors after which retrying the same vote later can succeed.
const NOT_NOW: &[&str] = &[
    "EpochNotEnded",
    "ReportGraceNotOver",
    "EpochOutOfOrder",
    "PreviousEpochInChallenge",
    "WrongRound",
    "EpochAlreadyFinal",
    "Paused",
];

pub struct Voter {
    pub chain: Arc<dyn Chain>,
    pub store: Arc<Store>,
    pub keypair: Arc<Keypair>,
    pub budget: ComputeBudget,
    /// Sends per vote before giving up on transport errors.
    pub attempts: u32,
    pub backoff: Duration,
    pub metrics: Arc<Metrics>,
}

fn args_of(report: &EpochReport, round: u32) -> SubmitReportArgs {
    SubmitReportArgs {
        epoch: report.epoch,
        round,
        root: report.root,
        cumulative_total: report.cumulative_total,
        recipient_count: report.recipient_count,
        manifest_hash: report.manifest_hash,
    }
}

/// The hash `submit_report` stores for `report`.
pub fn vote_hash(report: &EpochReport) -> Hash32 {
    args_of(report, 0).report().vote_hash()
}

/// This slot's vote in `state` under `set_version`, if any.
fn on_chain_vote(state: &EpochState, slot: usize, set_version: u32) -> Option<Hash32> {
    let bit = 1u16.checked_shl(u32::try_from(slot).ok()?)?;
    (state.votes_set_version == set_version && state.voted_mask & bit != 0)
        .then(|| state.votes.get(slot).copied())
        .flatten()
}

impl Voter {
    /// Votes for `report` in the epoch's current round (see the module docs).
    pub async fn vote(&self, report: &EpochReport) -> Result<VoteOutcome, VoteError> {
        let outcome = self.vote_once(report).await;
        self.metrics.vote(outcome.as_ref().map_or("error", VoteOutcome::label));
        outcome
    }

    async fn vote_once(&self, report: &EpochReport) -> Result<VoteOutcome, VoteError> {
        let me = self.keypair.pubkey();
        let config = self.chain.rewards_config().await?.account.ok_or(VoteError::NoConfig)?;
        let Some(slot) = config.oracles.slot_of(&me) else { return Ok(VoteOutcome::NotAnOracle) };
        let set_version = config.oracles.version;
        let state = self.chain.epoch_state(report.epoch).await?.account;
        if state.as_ref().is_some_and(|s| s.status == EpochStatus::Final) {
            return Ok(VoteOutcome::Final);
        }
        let round = state.as_ref().map_or(0, |s| s.round);
        let ours = vote_hash(report);
        if let Some(outcome) = self.compare(state.as_ref(), slot, set_version, round, ours).await? {
            return Ok(outcome);
        }

        let args = args_of(report, round);
        let mut bytes = Vec::new();
        args.serialize(&mut bytes).map_err(|_| VoteError::CorruptIntent)?;
        let intent = self
            .store
            .save_vote_intent(&VoteRow {
                epoch: report.epoch,
                round,
                set_version,
                vote_hash: ours,
                report: bytes,
                status: VoteStatus::Intent,
                signature: None,
            })
            .await?;
        let stored = Instant::now();
        if intent.vote_hash != ours {
            // The earlier intent may still be in flight; sending ours too could put two
            // results of this oracle in play. Wait for the round to change instead.
            tracing::warn!(
                epoch = report.epoch,
                round,
                "result changed since this round's vote intent; not voting again this round"
            );
            return Ok(VoteOutcome::IntentDiffers { round });
        }
        let args = SubmitReportArgs::try_from_slice(&intent.report)
            .map_err(|_| VoteError::CorruptIntent)?;
        let outcome = self.send(args, slot, set_version, intent.vote_hash).await;
        if let Ok(VoteOutcome::Sent { .. }) = outcome {
            self.metrics.vote_confirmed(stored.elapsed());
        }
        outcome
    }

    /// The outcome when the chain already holds this slot's vote for the round.
    async fn compare(
        &self,
        state: Option<&EpochState>,
        slot: usize,
        set_version: u32,
        round: u32,
        ours: Hash32,
    ) -> Result<Option<VoteOutcome>, VoteError> {
        let Some(on_chain) = state.and_then(|s| on_chain_vote(s, slot, set_version)) else {
            return Ok(None);
        };
        let epoch = state.map_or(0, |s| s.epoch);
        if on_chain == ours {
            self.store.confirm_vote(epoch, round, set_version, None).await?;
            return Ok(Some(VoteOutcome::AlreadyVoted { round }));
        }
        // Our earlier vote of this round, from inputs held then: the result moved since (a
        // late input), which is not a determinism failure.
        let intent = self.store.vote(epoch, round, set_version).await?;
        if intent.is_some_and(|i| i.vote_hash == on_chain) {
            self.store.confirm_vote(epoch, round, set_version, None).await?;
            return Ok(Some(VoteOutcome::IntentDiffers { round }));
        }
        tracing::error!(
            epoch,
            round,
            ours = %crate::epoch::hex(&ours),
            on_chain = %crate::epoch::hex(&on_chain),
            "DETERMINISM ALARM: this oracle's vote on chain differs from its result; not retrying"
        );
        Ok(Some(VoteOutcome::DeterminismAlarm { round, ours, on_chain }))
    }

    async fn send(
        &self,
        args: SubmitReportArgs,
        slot: usize,
        set_version: u32,
        sent_hash: Hash32,
    ) -> Result<VoteOutcome, VoteError> {
        let (epoch, round) = (args.epoch, args.round);
        let ixs = vote_instructions(&self.keypair.pubkey(), args, self.budget);
        let mut delay = self.backoff;
        let mut last = None;
        for attempt in 1..=self.attempts.max(1) {
            match self.chain.send_transaction(&ixs, &self.keypair, &[]).await {
                Ok(signature) => {
                    let signature = signature.to_string();
                    self.store
                        .confirm_vote(epoch, round, set_version, Some(signature.clone()))
                        .await?;
                    tracing::info!(epoch, round, %signature, "vote landed");
                    return Ok(VoteOutcome::Sent { signature, round });
                }
                Err(e) => {
                    let name = e.program_error().map(|p| p.name.clone());
                    match name.as_deref() {
                        Some("AlreadyVoted") => {
                            // An earlier send landed (e.g. before a restart): compare.
                            let state = self.chain.epoch_state(epoch).await?.account;
                            let outcome = self
                                .compare(state.as_ref(), slot, set_version, round, sent_hash)
                                .await?;
                            return Ok(outcome.unwrap_or(VoteOutcome::AlreadyVoted { round }));
                        }
                        Some("NotAnOracle") => return Ok(VoteOutcome::NotAnOracle),
                        Some(n) if NOT_NOW.contains(&n) => {
                            return Ok(VoteOutcome::NotNow(n.into()))
                        }
                        Some(_) => return Err(e.into()),
                        None if matches!(e, ChainError::Transport(_)) => {
                            tracing::warn!(epoch, attempt, error = %e, "vote not sent; retrying");
                            last = Some(e);
                            // A retry delay, growing: the RPC node may be overloaded.
                            tokio::time::sleep(delay).await;
                            delay = delay.saturating_mul(2);
                        }
                        None => return Err(e.into()),
                    }
                }
            }
        }
        Err(last.map_or(VoteError::NoConfig, VoteError::Chain))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_counts_as_voted_only_under_the_current_set_version() {
        let mut state = EpochState {
            config: Default::default(),
            epoch: 1,
            status: EpochStatus::Voting,
            round: 0,
            votes_set_version: 2,
            voted_mask: 0b100,
            votes: [[0; 32]; gridmint_sdk::rewards::MAX_ORACLES],
            report: Default::default(),
            previous_total: 0,
            previous_root: [0; 32],
            finalized_at: 0,
            claimable_at: 0,
            veto_count: 0,
            last_veto_reason: [0; 32],
            rent_payer: Default::default(),
            bump: 0,
            reserved: [0; 32],
        };
        state.votes[2] = [7; 32];
        assert_eq!(on_chain_vote(&state, 2, 2), Some([7; 32]));
        assert_eq!(on_chain_vote(&state, 2, 3), None, "stale set version");
        assert_eq!(on_chain_vote(&state, 1, 2), None, "another slot");
        assert_eq!(on_chain_vote(&state, 99, 2), None, "out of range");
    }

    #[test]
    fn the_vote_hash_ignores_the_round() {
        let report = EpochReport {
            epoch: 1,
            root: [1; 32],
            cumulative_total: 5,
            recipient_count: 2,
            manifest_hash: [3; 32],
        };
        assert_eq!(vote_hash(&report), args_of(&report, 9).report().vote_hash());
    }
}
