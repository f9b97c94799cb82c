//! A registered node: its operator, device key, declared capacity and stake.

use anchor_lang::prelude::*;

use crate::errors::NodeStakingError;
use crate::state::{Capacity, NodeKind, PendingCapacity};

/// Longest metadata URI, in bytes.
pub const MAX_METADATA_URI_LEN: usize = 128;
/// Largest region code: ISO 3166-1 numeric country codes are 1..=999; 0 means "unspecified".
pub const MAX_REGION_CODE: u16 = 999;

/// A node, PDA `[NODE, config, node_id.to_le_bytes()]`.
#[account]
#[derive(InitSpace, Debug, PartialEq, Eq)]
pub struct Node {
    pub config: Pubkey,
    /// Sequential id from `Config::next_node_id` (never reused, never 0).
    pub node_id: u64,
    pub operator: Pubkey,
    pub kind: NodeKind,
    /// The device key currently bound to this node (see `DeviceBinding`).
    pub device_key: Pubkey,
    /// Owner of the token account rewards are paid to (default: the operator).
    pub reward_recipient: Pubkey,
    /// ISO 3166-1 numeric country code, 0 = unspecified (at most `MAX_REGION_CODE`).
    pub region: u16,
    #[max_len(MAX_METADATA_URI_LEN)]
    pub metadata_uri: String,
    /// Capacity in force.
    pub capacity: Capacity,
    /// A scheduled increase; it is applied lazily by every instruction that touches the node
    /// once `effective_at <= now` (readers use [`Node::max_capacity_in_force`]).
    pub pending_capacity: Option<PendingCapacity>,
    /// Field-wise maximum of every capacity that has ever been in force.
    pub capacity_peak: Capacity,
    /// Time of the last capacity decrease; 0 if never.
    pub capacity_lowered_at: i64,
    /// Stake backing the node; slashable.
    pub active_stake: u64,
    /// Stake requested for withdrawal; still slashable until withdrawn.
    pub pending_stake: u64,
    /// Earliest withdrawal time of `pending_stake` (all requests merge into one; see
    /// [`Node::request_unstake`]). 0 when nothing was ever requested.
    pub unlock_at: i64,
    pub jailed: bool,
    /// Time of the last jailing (0 if never jailed).
    pub jailed_at: i64,
    pub registered_at: i64,
    pub bump: u8,
    /// Room for future fields; zero.
    pub reserved: [u8; 64],
}

/// The outcome of a capacity update: what is in force now and what is scheduled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapacityChange {
    pub in_force: Capacity,
    pub pending: Option<PendingCapacity>,
}

impl Node {
    /// The most lenient (field-wise largest) capacity that may have been in force at any time
    /// in `[from, to]`: the peak if a decrease happened after `from`, else the current capacity,
    /// raised by a pending increase that is effective by `to`.
    pub fn max_capacity_in_force(&self, from: i64, to: i64) -> Capacity {
        let base = if from < self.capacity_lowered_at { self.capacity_peak } else { self.capacity };
        match self.pending_capacity {
            Some(p) if p.effective_at <= to => base.max(p.capacity),
            _ => base,
        }
    }

    /// Applies a pending increase whose time has come. Returns true if anything changed.
    pub fn apply_matured_capacity(&mut self, now: i64) -> bool {
        match self.pending_capacity {
            Some(p) if p.effective_at <= now => {
                self.capacity = p.capacity;
                self.capacity_peak = self.capacity_peak.max(p.capacity);
                self.pending_capacity = None;
                true
            }
            _ => false,
        }
    }

    /// Requests a capacity change at `now`. Field-wise decreases apply at once (recording
    /// `capacity_lowered_at`); field-wise increases are scheduled for `now + unbonding_seconds`
    /// and replace any earlier scheduled increase. A request equal to the current capacity
    /// cancels a scheduled increase. Call [`Node::apply_matured_capacity`] first.
    pub fn request_capacity(
        &mut self,
        new: Capacity,
        now: i64,
        unbonding_seconds: i64,
    ) -> Result<CapacityChange> {
        new.validate_for(self.kind)?;
        let lowered = self.capacity.min(new);
        if self.capacity.exceeds_in_any_field(&lowered) {
            self.capacity = lowered;
            self.capacity_lowered_at = now;
        }
        self.pending_capacity = if new.exceeds_in_any_field(&lowered) {
            let effective_at =
                now.checked_add(unbonding_seconds).ok_or(NodeStakingError::ArithmeticOverflow)?;
            Some(PendingCapacity { capacity: new, effective_at })
        } else {
            None
        };
        Ok(CapacityChange { in_force: self.capacity, pending: self.pending_capacity })
    }

    /// Adds a top-up to the active stake.
    pub fn add_active(&mut self, amount: u64) -> Result<()> {
        self.active_stake =
            self.active_stake.checked_add(amount).ok_or(NodeStakingError::ArithmeticOverflow)?;
        Ok(())
    }

    /// Moves `amount` from active to pending stake. The rule: `0 < amount <= active`, and what
    /// stays active is either zero (full exit) or at least `min_stake`. Requests merge: the
    /// amount adds to the pending stake and `unlock_at` moves to `now + unbonding_seconds`,
    /// never earlier than it already was, so every pending token waits the full period.
    pub fn request_unstake(
        &mut self,
        amount: u64,
        min_stake: u64,
        now: i64,
        unbonding_seconds: i64,
    ) -> Result<()> {
        require!(amount > 0, NodeStakingError::ZeroAmount);
        let remaining = self
            .active_stake
            .checked_sub(amount)
            .ok_or(NodeStakingError::InsufficientActiveStake)?;
        require!(
            remaining == 0 || remaining >= min_stake,
            NodeStakingError::RemainingStakeBelowMinimum
        );
        let pending =
            self.pending_stake.checked_add(amount).ok_or(NodeStakingError::ArithmeticOverflow)?;
        let unlock_at =
            now.checked_add(unbonding_seconds).ok_or(NodeStakingError::ArithmeticOverflow)?;
        self.active_stake = remaining;
        self.pending_stake = pending;
        self.unlock_at = self.unlock_at.max(unlock_at);
        Ok(())
    }

    /// Takes all pending stake out once `unlock_at` has passed; returns the amount.
    pub fn withdraw(&mut self, now: i64) -> Result<u64> {
        require!(self.pending_stake > 0, NodeStakingError::NothingToWithdraw);
        require!(now >= self.unlock_at, NodeStakingError::StillUnbonding);
        let amount = self.pending_stake;
        self.pending_stake = 0;
        Ok(amount)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const fn cap(energy_wp: u64, compute_units_per_hour: u64) -> Capacity {
        Capacity { energy_wp, compute_units_per_hour }
    }

    pub(crate) fn node(kind: NodeKind, capacity: Capacity) -> Node {
        Node {
            config: Pubkey::new_unique(),
            node_id: 1,
            operator: Pubkey::new_unique(),
            kind,
            device_key: Pubkey::new_unique(),
            reward_recipient: Pubkey::new_unique(),
            region: 276,
            metadata_uri: String::new(),
            capacity,
            pending_capacity: None,
            capacity_peak: capacity,
            capacity_lowered_at: 0,
            active_stake: 0,
            pending_stake: 0,
            unlock_at: 0,
            jailed: false,
            jailed_at: 0,
            registered_at: 0,
            bump: 255,
            reserved: [0; 64],
        }
    }

    const UNBOND: i64 = 1_000;

    #[test]
    fn max_capacity_without_changes_is_current() {
        let n = node(NodeKind::Hybrid, cap(10, 20));
        assert_eq!(n.max_capacity_in_force(0, 100), cap(10, 20));
    }

    #[test]
    fn decrease_applies_at_once_and_peak_covers_earlier_windows() {
        let mut n = node(NodeKind::Hybrid, cap(10, 20));
        let change = n.request_capacity(cap(4, 20), 500, UNBOND).unwrap();
        assert_eq!(change, CapacityChange { in_force: cap(4, 20), pending: None });
        assert_eq!(n.capacity_lowered_at, 500);
        // A window that starts before the decrease may have seen the peak.
        assert_eq!(n.max_capacity_in_force(499, 600), cap(10, 20));
        // A window starting at or after the decrease only sees the lower capacity.
        assert_eq!(n.max_capacity_in_force(500, 600), cap(4, 20));
    }

    #[test]
    fn increase_waits_for_unbonding() {
        let mut n = node(NodeKind::Energy, cap(10, 0));
        let change = n.request_capacity(cap(30, 0), 100, UNBOND).unwrap();
        let pending = PendingCapacity { capacity: cap(30, 0), effective_at: 1_100 };
        assert_eq!(change, CapacityChange { in_force: cap(10, 0), pending: Some(pending) });
        assert_eq!(n.max_capacity_in_force(0, 1_099), cap(10, 0));
        assert_eq!(n.max_capacity_in_force(0, 1_100), cap(30, 0));
        assert!(!n.apply_matured_capacity(1_099));
        assert!(n.apply_matured_capacity(1_100));
        assert_eq!(n.capacity, cap(30, 0));
        assert_eq!(n.capacity_peak, cap(30, 0));
        assert_eq!(n.pending_capacity, None);
    }

    #[test]
    fn mixed_change_lowers_now_and_schedules_the_rest() {
        let mut n = node(NodeKind::Hybrid, cap(10, 20));
        let change = n.request_capacity(cap(50, 5), 100, UNBOND).unwrap();
        assert_eq!(change.in_force, cap(10, 5));
        assert_eq!(
            change.pending,
            Some(PendingCapacity { capacity: cap(50, 5), effective_at: 1_100 })
        );
        assert_eq!(n.capacity_lowered_at, 100);
        assert_eq!(n.max_capacity_in_force(50, 200), cap(10, 20));
        assert_eq!(n.max_capacity_in_force(100, 200), cap(10, 5));
        assert_eq!(n.max_capacity_in_force(100, 1_100), cap(50, 5));
        assert_eq!(n.max_capacity_in_force(50, 1_100), cap(50, 20));
    }

    #[test]
    fn a_new_request_replaces_or_cancels_a_scheduled_increase() {
        let mut n = node(NodeKind::Compute, cap(0, 10));
        n.request_capacity(cap(0, 40), 100, UNBOND).unwrap();
        n.request_capacity(cap(0, 20), 200, UNBOND).unwrap();
        assert_eq!(
            n.pending_capacity,
            Some(PendingCapacity { capacity: cap(0, 20), effective_at: 1_200 })
        );
        n.request_capacity(cap(0, 10), 300, UNBOND).unwrap();
        assert_eq!(n.pending_capacity, None);
        assert_eq!(n.capacity_lowered_at, 0, "equal capacity is not a decrease");
    }

    #[test]
    fn capacity_must_fit_kind_on_update() {
        let mut n = node(NodeKind::Compute, cap(0, 10));
        assert!(n.request_capacity(cap(5, 10), 0, UNBOND).is_err());
        assert_eq!(n.capacity, cap(0, 10));
    }

    #[test]
    fn increase_time_overflow_is_an_error() {
        let mut n = node(NodeKind::Compute, cap(0, 10));
        assert!(n.request_capacity(cap(0, 11), i64::MAX, UNBOND).is_err());
    }

    #[test]
    fn unstake_rules() {
        let mut n = node(NodeKind::Compute, cap(0, 10));
        n.active_stake = 1_000;
        assert!(n.request_unstake(0, 300, 0, UNBOND).is_err());
        assert!(n.request_unstake(1_001, 300, 0, UNBOND).is_err());
        // Leaving 200 < min 300 active is refused; leaving 300 or 0 is fine.
        assert!(n.request_unstake(800, 300, 0, UNBOND).is_err());
        n.request_unstake(700, 300, 10, UNBOND).unwrap();
        assert_eq!((n.active_stake, n.pending_stake, n.unlock_at), (300, 700, 1_010));
        n.request_unstake(300, 300, 20, UNBOND).unwrap();
        assert_eq!((n.active_stake, n.pending_stake, n.unlock_at), (0, 1_000, 1_020));
    }

    #[test]
    fn merged_unlock_never_moves_earlier() {
        let mut n = node(NodeKind::Compute, cap(0, 10));
        n.active_stake = 100;
        n.request_unstake(10, 1, 500, 2 * UNBOND).unwrap();
        assert_eq!(n.unlock_at, 2_500);
        // A shorter unbonding period (set later) must not pull the unlock time forward.
        n.request_unstake(10, 1, 600, UNBOND).unwrap();
        assert_eq!(n.unlock_at, 2_500);
    }

    #[test]
    fn withdraw_after_unlock_only() {
        let mut n = node(NodeKind::Compute, cap(0, 10));
        assert!(n.withdraw(0).is_err(), "nothing pending");
        n.active_stake = 100;
        n.request_unstake(100, 50, 0, UNBOND).unwrap();
        assert!(n.withdraw(UNBOND - 1).is_err());
        assert_eq!(n.withdraw(UNBOND).unwrap(), 100);
        assert_eq!(n.pending_stake, 0);
    }

    #[test]
    fn top_up_overflow_is_an_error() {
        let mut n = node(NodeKind::Compute, cap(0, 10));
        n.active_stake = u64::MAX;
        assert!(n.add_active(1).is_err());
        assert_eq!(n.active_stake, u64::MAX);
    }
}
