//! Events, emitted with `emit_cpi!` on every state change. Admin changes carry the old and
//! the new values.

use anchor_lang::prelude::*;

use crate::state::{ChallengeSettings, ClaimableRoot, Params, Report};

#[event]
pub struct ConfigInitialized {
    pub config: Pubkey,
    pub authority: Pubkey,
    pub reward_mint: Pubkey,
    pub token_program: Pubkey,
    pub mint_authority: Pubkey,
    pub genesis_time: i64,
    pub epoch_seconds: i64,
    pub min_challenge_period_seconds: i64,
    pub params: Params,
    pub oracle_set_version: u32,
    pub oracles: Vec<Pubkey>,
    pub threshold: u8,
}

#[event]
pub struct AuthorityTransferProposed {
    pub authority: Pubkey,
    pub old_pending: Option<Pubkey>,
    pub new_pending: Option<Pubkey>,
}

#[event]
pub struct AuthorityTransferred {
    pub old_authority: Pubkey,
    pub new_authority: Pubkey,
}

/// `set_params` scheduled `new` for the epochs from `effective_epoch` on.
#[event]
pub struct ParamsScheduled {
    /// The set `new` replaces: current, in force for `effective_epoch − 1`.
    pub old: Params,
    pub new: Params,
    pub effective_epoch: u64,
    /// Start of `effective_epoch`.
    pub starts_at: i64,
    /// Whether `new` may raise some epoch's emission (then it was checked against the delay).
    pub may_increase_emission: bool,
}

/// The scheduled set became the current one (emitted by the instruction that promoted it).
#[event]
pub struct ParamsActivated {
    pub old: Params,
    pub new: Params,
    pub effective_epoch: u64,
}

#[event]
pub struct PauseChanged {
    pub authority: Pubkey,
    pub old_paused: bool,
    pub new_paused: bool,
}

#[event]
pub struct OracleSetUpdated {
    pub old_version: u32,
    pub new_version: u32,
    pub old_threshold: u8,
    pub new_threshold: u8,
    pub old_oracles: Vec<Pubkey>,
    pub new_oracles: Vec<Pubkey>,
}

#[event]
pub struct ReportSubmitted {
    pub epoch: u64,
    pub round: u32,
    pub oracle: Pubkey,
    pub oracle_set_version: u32,
    pub report: Report,
    /// Votes (including this one) that agree with this report.
    pub agreeing: u8,
    pub threshold: u8,
    /// Votes under an older oracle-set version were dropped before this one was counted.
    pub stale_votes_dropped: bool,
}

#[event]
pub struct EpochFinalized {
    pub epoch: u64,
    pub round: u32,
    pub report: Report,
    pub previous_total: u64,
    /// Increase of the cumulative total paid by this epoch.
    pub increase: u64,
    /// The epoch's scheduled emission (the bound on `increase`).
    pub emission: u64,
    pub finalized_at: i64,
    pub claimable_at: i64,
}

#[event]
pub struct RoundOpened {
    pub epoch: u64,
    pub old_round: u32,
    pub new_round: u32,
    /// Votes the closed round held.
    pub discarded_votes: u32,
}

#[event]
pub struct EpochVetoed {
    pub epoch: u64,
    pub vetoed_round: u32,
    pub new_round: u32,
    pub vetoed_report: Report,
    pub reason: [u8; 32],
    /// Final total and root the config returned to (the previous epoch's).
    pub restored_total: u64,
    pub restored_root: [u8; 32],
}

#[event]
pub struct RootClaimable {
    pub root: ClaimableRoot,
}

#[event]
pub struct Claimed {
    pub recipient: Pubkey,
    pub token_account: Pubkey,
    /// Epoch of the root the proof was checked against.
    pub root_epoch: u64,
    /// Cumulative amount proven.
    pub cumulative: u64,
    /// Paid now (0 for a replay).
    pub amount: u64,
    pub claimed_total: u64,
    pub program_total_claimed: u64,
}

#[event]
pub struct EpochClosed {
    pub epoch: u64,
    pub rent_payer: Pubkey,
    pub lamports: u64,
}

/// `set_challenge_params` changed the challenge parameters for beacon accounts created from
/// now on.
#[event]
pub struct ChallengeParamsUpdated {
    pub authority: Pubkey,
    pub old: ChallengeSettings,
    pub new: ChallengeSettings,
}

/// `create_beacons` created an epoch's beacon account with the parameters in force.
#[event]
pub struct BeaconsCreated {
    pub epoch: u64,
    pub beacons: Pubkey,
    pub payer: Pubkey,
    pub params: ChallengeSettings,
}

/// `record_beacon` stored beacon `index` of `epoch`: the newest `SlotHashes` entry.
#[event]
pub struct BeaconRecorded {
    pub epoch: u64,
    pub index: u16,
    pub slot: u64,
    pub recorded_at: i64,
    pub hash: [u8; 32],
}
