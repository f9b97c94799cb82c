#![allow(clippy::arithmetic_side_effects)] // test arithmetic on small known values

use super::*;

/// Genesis of the test clock; epochs last 100 s.
pub(crate) const GENESIS: i64 = 1_000;
pub(crate) const EPOCH: i64 = 100;

fn params() -> Params {
    Params {
        min_stake: [100, 200, 300],
        max_capacity: Capacity { energy_wp: 1_000_000, compute_units_per_hour: 1_000_000 },
        unbonding_seconds: UNBONDING_LOWER_BOUND_SECONDS + 1,
        slash_bps: 1_000,
        reporter_bounty_bps: 100,
        slash_authority: Pubkey::new_unique(),
        treasury: Pubkey::new_unique(),
    }
}

/// A config with min stakes `[1, 2, 3]` from epoch 0 on the test clock.
pub(crate) fn config() -> Config {
    Config {
        authority: Pubkey::new_unique(),
        pending_authority: None,
        stake_mint: Pubkey::new_unique(),
        stake_token_program: Pubkey::new_unique(),
        vault: Pubkey::new_unique(),
        treasury: Pubkey::new_unique(),
        slash_authority: Pubkey::new_unique(),
        genesis_time: GENESIS,
        epoch_seconds: EPOCH,
        min_stake: EpochScheduled::new([1, 2, 3]).into(),
        max_capacity: Capacity { energy_wp: 1_000, compute_units_per_hour: 1_000 },
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
    let cases: [Case; 9] = [
        (|p| p.min_stake[1] = 0, NodeStakingError::InvalidMinStake),
        (|p| p.max_capacity.energy_wp = 0, NodeStakingError::InvalidMaxCapacity),
        (|p| p.max_capacity.compute_units_per_hour = 0, NodeStakingError::InvalidMaxCapacity),
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
fn epoch_clock_bounds() {
    assert!(validate_epoch_clock(100, 1, 100).is_ok());
    assert!(validate_epoch_clock(100, MAX_EPOCH_SECONDS, 0).is_ok());
    let e = |err: NodeStakingError| u32::from(err);
    assert_eq!(code(validate_epoch_clock(100, 0, 0)), e(NodeStakingError::InvalidEpochLength));
    assert_eq!(code(validate_epoch_clock(100, -1, 0)), e(NodeStakingError::InvalidEpochLength));
    assert_eq!(
        code(validate_epoch_clock(100, MAX_EPOCH_SECONDS + 1, 0)),
        e(NodeStakingError::InvalidEpochLength)
    );
    assert_eq!(code(validate_epoch_clock(99, 10, 100)), e(NodeStakingError::GenesisInPast));
}

#[test]
fn params_round_trip_through_config() {
    let mut c = config();
    let p = params();
    c.set_params(&p, 0);
    assert_eq!(c.params(), p);
}

#[test]
fn min_stake_changes_take_effect_next_epoch() {
    let mut c = config();
    let mut p = c.params();
    // Before genesis: in force from epoch 0.
    p.min_stake = [10, 20, 30];
    c.set_params(&p, GENESIS - 1);
    assert_eq!(c.min_stake_for(NodeKind::Energy, 0), Some(20));
    assert_eq!(c.min_stake_in_force(NodeKind::Energy, GENESIS - 1), 20);
    assert_eq!(c.min_stake_effective_epoch(), 0);
    // During epoch 2: epoch 2 keeps the old value, epoch 3 gets the new one.
    p.min_stake = [11, 21, 31];
    c.set_params(&p, GENESIS + 2 * EPOCH + 5);
    assert_eq!(c.min_stake_in_force(NodeKind::Energy, GENESIS + 3 * EPOCH - 1), 20);
    assert_eq!(c.min_stake_in_force(NodeKind::Energy, GENESIS + 3 * EPOCH), 21);
    assert_eq!(c.min_stake_for(NodeKind::Hybrid, 2), Some(30));
    assert_eq!(c.min_stake_for(NodeKind::Hybrid, 3), Some(31));
    assert_eq!(c.min_stake_effective_epoch(), 3);
    assert_eq!(c.params().min_stake, [11, 21, 31]);
    // Changing another parameter leaves the schedule alone.
    let before = c.min_stake;
    p.slash_bps = 4_000;
    c.set_params(&p, GENESIS + 4 * EPOCH);
    assert_eq!(c.min_stake, before);
}

#[test]
fn next_epoch_is_zero_before_genesis() {
    let c = config();
    assert_eq!(c.next_epoch(GENESIS - 1), 0);
    assert_eq!(c.next_epoch(GENESIS), 1);
    assert_eq!(c.next_epoch(GENESIS + EPOCH), 2);
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
    assert_eq!(c.min_stake_for(NodeKind::Compute, 0), Some(1));
    assert_eq!(c.min_stake_for(NodeKind::Energy, 7), Some(2));
    assert_eq!(c.min_stake_in_force(NodeKind::Hybrid, 0), 3);
}
