//! A registered node: its operator, device key, declared capacity, stake and epoch views.

use anchor_lang::prelude::*;
use gridmint_protocol::emission::EpochClock;
use gridmint_protocol::views::{self as pv, LiveNode, NodeEpochView};

use crate::errors::NodeStakingError;
use crate::state::{Capacity, EpochViewState, NodeKind, PendingCapacity};

/// Longest metadata URI, in bytes.
pub const MAX_METADATA_URI_LEN: usize = 128;
/// Largest region code: ISO 3166-1 numeric country codes are 1..=999; 0 means "unspecified".
pub const MAX_REGION_CODE: u16 = 999;

/// A node, PDA `[NODE, config, node_id.to_le_bytes()]`.
///
/// Every field has a fixed size except `metadata_uri`, which comes last, so every other field
/// sits at a fixed byte offset (`gridmint_sdk::node_staking::layout`) for `getProgramAccounts`
/// filters and data slices.
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
    /// Capacity in force.
    pub capacity: Capacity,
    /// Whether `pending_capacity` holds a scheduled increase (use [`Node::pending_capacity`]).
    pub has_pending_capacity: bool,
    /// A scheduled increase, applied by the next instruction that touches the node once
    /// `effective_at <= now` (readers use [`Node::max_capacity_in_force`] or the epoch view).
    /// All zero when none.
    pub pending_capacity: PendingCapacity,
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
    /// Time of the last unjailing (0 if never): fraud evidence entirely older than this
    /// belongs to an incident already punished.
    pub unjailed_at: i64,
    pub registered_at: i64,
    /// What the node counted as for its current and previous epoch (`docs/PROTOCOL.md` §8).
    pub view: EpochViewState,
    pub bump: u8,
    /// Room for future fields; zero.
    pub reserved: [u8; 64],
    /// Last: the only field of variable size.
    #[max_len(MAX_METADATA_URI_LEN)]
    pub metadata_uri: String,
}

/// The outcome of a capacity update: what is in force now and what is scheduled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapacityChange {
    pub in_force: Capacity,
    pub pending: Option<PendingCapacity>,
}

impl Node {
    /// The scheduled capacity increase, if any.
    pub fn pending_capacity(&self) -> Option<PendingCapacity> {
        self.has_pending_capacity.then_some(self.pending_capacity)
    }

    /// Sets or clears the scheduled increase (zeroed when none).
    pub fn set_pending_capacity(&mut self, pending: Option<PendingCapacity>) {
        self.has_pending_capacity = pending.is_some();
        self.pending_capacity = pending.unwrap_or_default();
    }

    /// The live fields the epoch views follow.
    pub fn live(&self) -> LiveNode {
        LiveNode {
            active_stake: self.active_stake,
            jailed: self.jailed,
            recipient: self.reward_recipient.to_bytes(),
            capacity: self.capacity.into(),
            pending_capacity: self.pending_capacity().map(Into::into),
        }
    }

    /// The view of a node created at `now` with its live fields as set (`register_node`).
    pub fn init_view(&mut self, clock: &EpochClock, now: i64) {
        self.view = pv::EpochViewState::at_registration(&self.live(), clock, now).into();
    }

    /// Runs `change` at `now` the way every instruction that touches a node must: first the
    /// views roll to `now` and a scheduled capacity increase that is due takes effect (at its
    /// own time), then `change` runs, then the views record the values it left. Rolling
    /// never fails, so it adds no failure path.
    pub fn apply_change<T>(
        &mut self,
        clock: &EpochClock,
        now: i64,
        change: impl FnOnce(&mut Node) -> Result<T>,
    ) -> Result<T> {
        self.settle(clock, now);
        let out = change(self)?;
        let mut view = pv::EpochViewState::from(self.view);
        pv::observe(&mut view, &self.live(), clock, now);
        self.view = view.into();
        Ok(out)
    }

    fn settle(&mut self, clock: &EpochClock, now: i64) {
        let mut view = pv::EpochViewState::from(self.view);
        let mut live = self.live();
        if pv::settle(&mut view, &mut live, clock, now) {
            self.capacity = live.capacity.into();
            self.capacity_peak = self.capacity_peak.max(self.capacity);
            self.set_pending_capacity(None);
        }
        self.view = view.into();
    }

    /// The node's view for `epoch` read from this state at `read_time` (see
    /// `gridmint_protocol::views::node_epoch_view`): exact in `[end(epoch), start(epoch+2))`,
    /// otherwise exact or `None`.
    pub fn epoch_view(
        &self,
        clock: &EpochClock,
        epoch: u64,
        read_time: i64,
    ) -> Option<NodeEpochView> {
        pv::node_epoch_view(&self.view.into(), &self.live(), clock, epoch, read_time)
    }

    /// True if the current or the previous epoch view (rolled to now) has stake: the node
    /// may still be owed rewards that the oracles read from this account.
    pub fn still_earning(&self) -> bool {
        self.view.stake_min > 0 || self.view.previous_stake_min > 0
    }

    /// The most lenient (field-wise largest) capacity that may have been in force at any time
    /// in `[from, to]`: the peak if a decrease happened after `from`, else the current capacity,
    /// raised by a pending increase that is effective by `to`.
    pub fn max_capacity_in_force(&self, from: i64, to: i64) -> Capacity {
        let base = if from < self.capacity_lowered_at { self.capacity_peak } else { self.capacity };
        match self.pending_capacity() {
            Some(p) if p.effective_at <= to => base.max(p.capacity),
            _ => base,
        }
    }

    /// Requests a capacity change at `now`. Field-wise decreases apply at once (recording
    /// `capacity_lowered_at`); field-wise increases are scheduled for `now + unbonding_seconds`
    /// and replace any earlier scheduled increase. A request equal to the current capacity
    /// cancels a scheduled increase. Run inside [`Node::apply_change`].
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
        let pending = if new.exceeds_in_any_field(&lowered) {
            let effective_at =
                now.checked_add(unbonding_seconds).ok_or(NodeStakingError::ArithmeticOverflow)?;
            Some(PendingCapacity { capacity: new, effective_at })
        } else {
            None
        };
        self.set_pending_capacity(pending);
        Ok(CapacityChange { in_force: self.capacity, pending })
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
pub(crate) mod tests;
