//! The program's singleton configuration and its bounded parameters.

use anchor_lang::prelude::*;
use gridmint_protocol::deployment::BPS_DENOMINATOR;
use gridmint_protocol::emission::EpochClock;
use gridmint_protocol::limits::{
    MAX_EPOCH_SECONDS, MAX_UNBONDING_SECONDS, UNBONDING_LOWER_BOUND_SECONDS,
};
use gridmint_protocol::views::EpochScheduled;

use crate::errors::NodeStakingError;
use crate::state::{Capacity, MinStakeSchedule, NodeKind};

/// Singleton config, PDA `[CONFIG]`.
#[account]
#[derive(InitSpace, Debug, PartialEq, Eq)]
pub struct Config {
    /// Admin: parameters, pause, unjail, authority transfer.
    pub authority: Pubkey,
    /// Proposed new authority (two-step transfer); `None` when no transfer is under way.
    pub pending_authority: Option<Pubkey>,
    /// The stake token (SPL Token or an allow-listed Token-2022 mint).
    pub stake_mint: Pubkey,
    /// Owner program of `stake_mint`, `vault` and `treasury`.
    pub stake_token_program: Pubkey,
    /// Stake vault, PDA `[VAULT, config]`, token authority = this config.
    pub vault: Pubkey,
    /// Token account of the stake mint that receives slashed stake.
    pub treasury: Pubkey,
    /// The only key allowed to call `slash` (the fraud-proof path has its own checks).
    pub slash_authority: Pubkey,
    /// Start of epoch 0 (unix seconds). Immutable; equal to the rewards program's.
    pub genesis_time: i64,
    /// Epoch length, in `(0, MAX_EPOCH_SECONDS]`. Immutable; equal to the rewards program's.
    pub epoch_seconds: i64,
    /// Minimum active stake per node kind (indexed by `NodeKind::index()`) per epoch: a
    /// change takes effect from the next epoch (see [`Config::min_stake_for`]).
    pub min_stake: MinStakeSchedule,
    /// Largest capacity `register_node` and `update_node` accept, per field (each > 0).
    pub max_capacity: Capacity,
    /// Seconds between an unstake request and the earliest withdrawal. Always in
    /// `(UNBONDING_LOWER_BOUND_SECONDS, MAX_UNBONDING_SECONDS]`.
    pub unbonding_seconds: i64,
    /// Share of a node's stake slashed by a proven fraud, in bps.
    pub slash_bps: u16,
    /// Share of a node's stake paid to the fraud reporter, in bps (`< slash_bps`).
    pub reporter_bounty_bps: u16,
    /// While set, `register_node`, `stake` and `update_node` are refused.
    pub paused: bool,
    /// Id the next registered node gets. Starts at 1, so 0 never names a node.
    pub next_node_id: u64,
    /// Sum of `active_stake` over all nodes.
    pub total_active: u64,
    /// Sum of `pending_stake` over all nodes.
    pub total_pending: u64,
    /// Total ever moved from the vault to the treasury (and to reporters) by slashing.
    pub total_slashed: u64,
    pub bump: u8,
    pub vault_bump: u8,
    /// Room for future fields; zero.
    pub reserved: [u8; 128],
}

/// The parameters `initialize` sets and `set_params` may change, as one value so events can
/// carry the old and the new set.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// The latest minimum stakes set (in force from the epoch after they were set).
    pub min_stake: [u64; 3],
    pub max_capacity: Capacity,
    pub unbonding_seconds: i64,
    pub slash_bps: u16,
    pub reporter_bounty_bps: u16,
    pub slash_authority: Pubkey,
    pub treasury: Pubkey,
}

impl Params {
    /// Bounds every parameter: non-zero minimum stakes, a maximum capacity with both fields
    /// non-zero, an unbonding period that outlasts
    /// epoch + report grace + challenge period of the rewards program (so late fraud can still
    /// be slashed) but stays finite, `reporter_bounty_bps < slash_bps <= 10_000`, and real keys.
    pub fn validate(&self) -> Result<()> {
        require!(self.min_stake.iter().all(|&m| m > 0), NodeStakingError::InvalidMinStake);
        require!(
            self.max_capacity.energy_wp > 0 && self.max_capacity.compute_units_per_hour > 0,
            NodeStakingError::InvalidMaxCapacity
        );
        require!(
            self.unbonding_seconds > UNBONDING_LOWER_BOUND_SECONDS
                && self.unbonding_seconds <= MAX_UNBONDING_SECONDS,
            NodeStakingError::InvalidUnbondingPeriod
        );
        require!(u64::from(self.slash_bps) <= BPS_DENOMINATOR, NodeStakingError::InvalidSlashBps);
        require!(self.reporter_bounty_bps < self.slash_bps, NodeStakingError::BountyNotBelowSlash);
        require_keys_neq!(
            self.slash_authority,
            Pubkey::default(),
            NodeStakingError::InvalidSlashAuthority
        );
        Ok(())
    }
}

/// Bounds the immutable epoch clock: `0 < epoch_seconds <= MAX_EPOCH_SECONDS`
/// (`InvalidEpochLength`) and genesis not before `now` (`GenesisInPast`), as in the rewards
/// program.
pub fn validate_epoch_clock(genesis_time: i64, epoch_seconds: i64, now: i64) -> Result<()> {
    require!(
        epoch_seconds > 0 && epoch_seconds <= MAX_EPOCH_SECONDS,
        NodeStakingError::InvalidEpochLength
    );
    require!(genesis_time >= now, NodeStakingError::GenesisInPast);
    Ok(())
}

/// How a fraud penalty on a stake splits (all rounded down: the operator never loses more
/// than the configured share).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FraudPenalty {
    /// `stake * slash_bps / 10_000`, taken from the node.
    pub slashed: u64,
    /// `stake * reporter_bounty_bps / 10_000`, paid to the reporter.
    pub bounty: u64,
    /// `slashed - bounty`, paid to the treasury.
    pub to_treasury: u64,
}

impl Config {
    /// The epoch clock shared with the rewards program.
    pub fn clock(&self) -> EpochClock {
        EpochClock { genesis_time: self.genesis_time, epoch_seconds: self.epoch_seconds }
    }

    /// The first epoch a change made at `now` may take effect in: the next epoch, or epoch 0
    /// before genesis.
    pub fn next_epoch(&self, now: i64) -> u64 {
        match self.clock().epoch_at(now) {
            Ok(Some(epoch)) => epoch.saturating_add(1),
            _ => 0,
        }
    }

    /// The current parameters; `min_stake` is the latest value set.
    pub fn params(&self) -> Params {
        Params {
            min_stake: self.min_stake.next,
            max_capacity: self.max_capacity,
            unbonding_seconds: self.unbonding_seconds,
            slash_bps: self.slash_bps,
            reporter_bounty_bps: self.reporter_bounty_bps,
            slash_authority: self.slash_authority,
            treasury: self.treasury,
        }
    }

    /// Replaces the parameters at `now` (validated by the caller with [`Params::validate`]).
    /// A new minimum stake takes effect from the next epoch (from epoch 0 before genesis).
    pub fn set_params(&mut self, params: &Params, now: i64) {
        if params.min_stake != self.min_stake.next {
            let mut schedule = EpochScheduled::from(self.min_stake);
            schedule.set(params.min_stake, &self.clock(), now);
            self.min_stake = schedule.into();
        }
        self.max_capacity = params.max_capacity;
        self.unbonding_seconds = params.unbonding_seconds;
        self.slash_bps = params.slash_bps;
        self.reporter_bounty_bps = params.reporter_bounty_bps;
        self.slash_authority = params.slash_authority;
        self.treasury = params.treasury;
    }

    /// The first epoch `params().min_stake` is in force.
    pub fn min_stake_effective_epoch(&self) -> u64 {
        if self.min_stake.next_from == EpochScheduled::<[u64; 3]>::NONE {
            self.min_stake.current_from
        } else {
            self.min_stake.next_from
        }
    }

    /// Minimum active stake of a node of `kind` during `epoch`, if this config still knows it
    /// (exact when read in `[end(epoch), start(epoch + 2))` and during `epoch` itself).
    pub fn min_stake_for(&self, kind: NodeKind, epoch: u64) -> Option<u64> {
        let values = EpochScheduled::from(self.min_stake).value_for(epoch)?;
        values.get(kind.index()).copied()
    }

    /// Minimum active stake of a node of `kind` in force at `now` (epoch 0 before genesis).
    pub fn min_stake_in_force(&self, kind: NodeKind, now: i64) -> u64 {
        let epoch = self.clock().epoch_at(now).ok().flatten().unwrap_or(0);
        // The value of the current epoch is always known; the fallback is unreachable.
        self.min_stake_for(kind, epoch)
            .or_else(|| self.min_stake.current.get(kind.index()).copied())
            .unwrap_or(u64::MAX)
    }

    /// Split of a fraud penalty on `stake` (a node's active + pending stake).
    pub fn fraud_penalty(&self, stake: u64) -> Result<FraudPenalty> {
        let slashed = bps_of(stake, self.slash_bps)?;
        let bounty = bps_of(stake, self.reporter_bounty_bps)?;
        let to_treasury =
            slashed.checked_sub(bounty).ok_or(NodeStakingError::ArithmeticOverflow)?;
        Ok(FraudPenalty { slashed, bounty, to_treasury })
    }

    /// Totals after adding `active` and `pending` (checked).
    pub fn add_totals(&mut self, active: u64, pending: u64) -> Result<()> {
        self.total_active =
            self.total_active.checked_add(active).ok_or(NodeStakingError::ArithmeticOverflow)?;
        self.total_pending =
            self.total_pending.checked_add(pending).ok_or(NodeStakingError::ArithmeticOverflow)?;
        Ok(())
    }

    /// Totals after removing `active` and `pending` (checked).
    pub fn sub_totals(&mut self, active: u64, pending: u64) -> Result<()> {
        self.total_active =
            self.total_active.checked_sub(active).ok_or(NodeStakingError::ArithmeticOverflow)?;
        self.total_pending =
            self.total_pending.checked_sub(pending).ok_or(NodeStakingError::ArithmeticOverflow)?;
        Ok(())
    }

    /// Tokens the vault must hold at least: `total_active + total_pending`.
    pub fn required_vault_balance(&self) -> Result<u64> {
        self.total_active
            .checked_add(self.total_pending)
            .ok_or_else(|| NodeStakingError::ArithmeticOverflow.into())
    }

    /// The vault invariant: the vault holds at least what is recorded as staked ("≥", because
    /// anyone can send tokens to the vault).
    pub fn check_vault_invariant(&self, vault_amount: u64) -> Result<()> {
        require!(
            vault_amount >= self.required_vault_balance()?,
            NodeStakingError::VaultInvariantViolated
        );
        Ok(())
    }
}

/// `amount * bps / 10_000`, rounded down, with a u128 intermediate.
pub fn bps_of(amount: u64, bps: u16) -> Result<u64> {
    let product = u128::from(amount)
        .checked_mul(u128::from(bps))
        .ok_or(NodeStakingError::ArithmeticOverflow)?;
    let quotient = product
        .checked_div(u128::from(BPS_DENOMINATOR))
        .ok_or(NodeStakingError::ArithmeticOverflow)?;
    u64::try_from(quotient).map_err(|_| NodeStakingError::ArithmeticOverflow.into())
}

#[cfg(test)]
pub(crate) mod tests;
