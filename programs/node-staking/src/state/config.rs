//! The program's singleton configuration and its bounded parameters.

use anchor_lang::prelude::*;
use gridmint_protocol::deployment::BPS_DENOMINATOR;
use gridmint_protocol::limits::{MAX_UNBONDING_SECONDS, UNBONDING_LOWER_BOUND_SECONDS};

use crate::errors::NodeStakingError;
use crate::state::NodeKind;

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
    /// Minimum active stake per node kind, indexed by `NodeKind::index()`.
    pub min_stake: [u64; 3],
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
    pub min_stake: [u64; 3],
    pub unbonding_seconds: i64,
    pub slash_bps: u16,
    pub reporter_bounty_bps: u16,
    pub slash_authority: Pubkey,
    pub treasury: Pubkey,
}

impl Params {
    /// Bounds every parameter: non-zero minimum stakes, an unbonding period that outlasts
    /// epoch + report grace + challenge period of the rewards program (so late fraud can still
    /// be slashed) but stays finite, `reporter_bounty_bps < slash_bps <= 10_000`, and real keys.
    pub fn validate(&self) -> Result<()> {
        require!(self.min_stake.iter().all(|&m| m > 0), NodeStakingError::InvalidMinStake);
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
    /// The parameters currently in force.
    pub fn params(&self) -> Params {
        Params {
            min_stake: self.min_stake,
            unbonding_seconds: self.unbonding_seconds,
            slash_bps: self.slash_bps,
            reporter_bounty_bps: self.reporter_bounty_bps,
            slash_authority: self.slash_authority,
            treasury: self.treasury,
        }
    }

    /// Replaces the parameters (validated by the caller with [`Params::validate`]).
    pub fn set_params(&mut self, params: &Params) {
        self.min_stake = params.min_stake;
        self.unbonding_seconds = params.unbonding_seconds;
        self.slash_bps = params.slash_bps;
        self.reporter_bounty_bps = params.reporter_bounty_bps;
        self.slash_authority = params.slash_authority;
        self.treasury = params.treasury;
    }

    /// Minimum active stake for a node of `kind`.
    pub fn min_stake_for(&self, kind: NodeKind) -> u64 {
        // `index()` is always < NodeKind::COUNT == min_stake.len().
        self.min_stake.get(kind.index()).copied().unwrap_or(u64::MAX)
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
mod tests {
    use super::*;

    fn params() -> Params {
        Params {
            min_stake: [100, 200, 300],
            unbonding_seconds: UNBONDING_LOWER_BOUND_SECONDS + 1,
            slash_bps: 1_000,
            reporter_bounty_bps: 100,
            slash_authority: Pubkey::new_unique(),
            treasury: Pubkey::new_unique(),
        }
    }

    fn config() -> Config {
        Config {
            authority: Pubkey::new_unique(),
            pending_authority: None,
            stake_mint: Pubkey::new_unique(),
            stake_token_program: Pubkey::new_unique(),
            vault: Pubkey::new_unique(),
            treasury: Pubkey::new_unique(),
            slash_authority: Pubkey::new_unique(),
            min_stake: [1, 2, 3],
            unbonding_seconds: MAX_UNBONDING_SECONDS,
            slash_bps: 5_000,
            reporter_bounty_bps: 1_000,
            paused: false,
            next_node_id: 1,
            total_active: 0,
            total_pending: 0,
            total_slashed: 0,
            bump: 255,
            vault_bump: 254,
            reserved: [0; 128],
        }
    }

    fn code(r: Result<()>) -> u32 {
        match r {
            Err(anchor_lang::error::Error::AnchorError(e)) => e.error_code_number,
            other => panic!("expected an anchor error, got {other:?}"),
        }
    }

    #[test]
    fn valid_params_pass() {
        assert!(params().validate().is_ok());
        let mut p = params();
        p.unbonding_seconds = MAX_UNBONDING_SECONDS;
        p.slash_bps = 10_000;
        p.reporter_bounty_bps = 9_999;
        assert!(p.validate().is_ok());
    }

    #[test]
    fn each_bound_is_enforced() {
        type Case = (fn(&mut Params), NodeStakingError);
        let cases: [Case; 7] = [
            (|p| p.min_stake[1] = 0, NodeStakingError::InvalidMinStake),
            (
                |p| p.unbonding_seconds = UNBONDING_LOWER_BOUND_SECONDS,
                NodeStakingError::InvalidUnbondingPeriod,
            ),
            (
                |p| p.unbonding_seconds = MAX_UNBONDING_SECONDS + 1,
                NodeStakingError::InvalidUnbondingPeriod,
            ),
            (|p| p.slash_bps = 10_001, NodeStakingError::InvalidSlashBps),
            (|p| p.reporter_bounty_bps = p.slash_bps, NodeStakingError::BountyNotBelowSlash),
            (
                |p| {
                    p.slash_bps = 0;
                    p.reporter_bounty_bps = 0
                },
                NodeStakingError::BountyNotBelowSlash,
            ),
            (|p| p.slash_authority = Pubkey::default(), NodeStakingError::InvalidSlashAuthority),
        ];
        for (mutate, expected) in cases {
            let mut p = params();
            mutate(&mut p);
            assert_eq!(code(p.validate()), u32::from(expected), "{expected:?}");
        }
    }

    #[test]
    fn params_round_trip_through_config() {
        let mut c = config();
        let p = params();
        c.set_params(&p);
        assert_eq!(c.params(), p);
    }

    #[test]
    fn fraud_penalty_rounds_down_and_splits() {
        let c = config();
        let pen = c.fraud_penalty(1_999).unwrap();
        assert_eq!(pen, FraudPenalty { slashed: 999, bounty: 199, to_treasury: 800 });
        let pen = c.fraud_penalty(u64::MAX).unwrap();
        assert_eq!(pen.slashed, u64::MAX / 2);
        assert_eq!(pen.bounty, u64::MAX / 10);
        assert_eq!(pen.slashed, pen.bounty + pen.to_treasury);
    }

    #[test]
    fn totals_are_checked() {
        let mut c = config();
        c.add_totals(u64::MAX, 5).unwrap();
        assert!(c.add_totals(1, 0).is_err());
        assert!(c.required_vault_balance().is_err());
        c.sub_totals(u64::MAX, 5).unwrap();
        assert!(c.sub_totals(0, 1).is_err());
    }

    #[test]
    fn vault_invariant_is_at_least() {
        let mut c = config();
        c.add_totals(70, 30).unwrap();
        assert!(c.check_vault_invariant(100).is_ok());
        assert!(c.check_vault_invariant(1_000).is_ok());
        assert_eq!(
            code(c.check_vault_invariant(99)),
            u32::from(NodeStakingError::VaultInvariantViolated)
        );
    }

    #[test]
    fn min_stake_by_kind() {
        let c = config();
        assert_eq!(c.min_stake_for(NodeKind::Compute), 1);
        assert_eq!(c.min_stake_for(NodeKind::Energy), 2);
        assert_eq!(c.min_stake_for(NodeKind::Hybrid), 3);
    }
}
