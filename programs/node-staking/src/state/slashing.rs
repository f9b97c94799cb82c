//! Pure slashing math, shared by `slash` and the fraud-proof path (`report_fraud`).

use anchor_lang::prelude::*;

use crate::errors::NodeStakingError;
use crate::state::{Config, Node};

/// Splits a slash of `amount` over a node's stake: active stake first, then pending stake.
/// Returns `(from_active, from_pending)`; fails with `SlashExceedsStake` if the node holds
/// less than `amount` in total.
pub fn slash_split(active: u64, pending: u64, amount: u64) -> Result<(u64, u64)> {
    let from_active = active.min(amount);
    let from_pending =
        amount.checked_sub(from_active).ok_or(NodeStakingError::ArithmeticOverflow)?;
    require!(from_pending <= pending, NodeStakingError::SlashExceedsStake);
    Ok((from_active, from_pending))
}

/// What a slash took from a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlashOutcome {
    pub from_active: u64,
    pub from_pending: u64,
}

/// Applies a slash of `amount` to the node and the config totals and jails the node at `now`.
/// The caller moves `amount` tokens out of the vault and then checks the vault invariant.
/// Either every field changes or none does.
pub fn apply_slash(
    node: &mut Node,
    config: &mut Config,
    amount: u64,
    now: i64,
) -> Result<SlashOutcome> {
    require!(amount > 0, NodeStakingError::ZeroAmount);
    let (from_active, from_pending) = slash_split(node.active_stake, node.pending_stake, amount)?;
    let total_active =
        config.total_active.checked_sub(from_active).ok_or(NodeStakingError::ArithmeticOverflow)?;
    let total_pending = config
        .total_pending
        .checked_sub(from_pending)
        .ok_or(NodeStakingError::ArithmeticOverflow)?;
    let total_slashed =
        config.total_slashed.checked_add(amount).ok_or(NodeStakingError::ArithmeticOverflow)?;
    // Cannot underflow: slash_split bounded both parts by the node's balances.
    let active_stake =
        node.active_stake.checked_sub(from_active).ok_or(NodeStakingError::ArithmeticOverflow)?;
    let pending_stake =
        node.pending_stake.checked_sub(from_pending).ok_or(NodeStakingError::ArithmeticOverflow)?;

    config.total_active = total_active;
    config.total_pending = total_pending;
    config.total_slashed = total_slashed;
    node.active_stake = active_stake;
    node.pending_stake = pending_stake;
    node.jailed = true;
    node.jailed_at = now;
    Ok(SlashOutcome { from_active, from_pending })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::node::tests::{cap, node};
    use crate::state::NodeKind;

    #[test]
    fn split_takes_active_first() {
        assert_eq!(slash_split(100, 50, 30).unwrap(), (30, 0));
        assert_eq!(slash_split(100, 50, 100).unwrap(), (100, 0));
        assert_eq!(slash_split(100, 50, 120).unwrap(), (100, 20));
        assert_eq!(slash_split(100, 50, 150).unwrap(), (100, 50));
        assert_eq!(slash_split(0, 50, 10).unwrap(), (0, 10));
        assert!(slash_split(100, 50, 151).is_err());
        assert!(slash_split(u64::MAX, u64::MAX, u64::MAX).is_ok());
    }

    fn config(active: u64, pending: u64) -> Config {
        let mut c = crate::state::config::tests::config();
        c.total_active = active;
        c.total_pending = pending;
        c
    }

    #[test]
    fn apply_updates_node_totals_and_jails() {
        let mut n = node(NodeKind::Compute, cap(0, 1));
        n.active_stake = 100;
        n.pending_stake = 50;
        let mut c = config(1_100, 60);
        let out = apply_slash(&mut n, &mut c, 120, 77).unwrap();
        assert_eq!(out, SlashOutcome { from_active: 100, from_pending: 20 });
        assert_eq!((n.active_stake, n.pending_stake), (0, 30));
        assert_eq!((c.total_active, c.total_pending, c.total_slashed), (1_000, 40, 120));
        assert!(n.jailed);
        assert_eq!(n.jailed_at, 77);
    }

    #[test]
    fn failed_slash_changes_nothing() {
        let mut n = node(NodeKind::Compute, cap(0, 1));
        n.active_stake = 100;
        let mut c = config(100, 0);
        let (n0, c0) = (n.clone(), c.clone());
        assert!(apply_slash(&mut n, &mut c, 101, 1).is_err());
        assert!(apply_slash(&mut n, &mut c, 0, 1).is_err());
        // Totals smaller than the node's stake (corrupt state) are caught, not wrapped.
        let mut small = config(10, 0);
        assert!(apply_slash(&mut n, &mut small, 50, 1).is_err());
        assert_eq!(small, config_with_same_keys(&small, 10, 0));
        assert_eq!((n, c), (n0, c0));
    }

    fn config_with_same_keys(c: &Config, active: u64, pending: u64) -> Config {
        let mut copy = c.clone();
        copy.total_active = active;
        copy.total_pending = pending;
        copy
    }
}
