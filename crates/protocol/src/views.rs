//! Per-node epoch views (PROTOCOL.md §8): what a node counted as *for an epoch*, readable
//! after the epoch from the node account alone.
//!
//! Oracles read chain state at different times, and JSON-RPC cannot read past states. So the
//! node account keeps, next to its live fields, a small [`EpochViewState`] that every
//! instruction changing a followed field rolls *before* the change ([`settle`]) and updates
//! *after* it ([`observe`]). [`node_epoch_view`] then returns, for epoch `e`, the exact
//! values from the account as read at any time in `[end(e), start(e+2))`, and outside that
//! window the exact values or `None` (never a wrong value).
//!
//! Definitions (for epoch `e` = `[start, end)`): the *values of `e`* are the value in force
//! after every change timestamped before `start` (nothing, i.e. stake 0, if the node did not
//! exist yet) and the value after each change timestamped in `[start, end)`.
//! - `stake(e)`: the minimum effective stake (0 while jailed, else active stake) over them;
//! - `capacity(e)`: the field-wise maximum capacity over them, a scheduled increase being a
//!   change at its effective time;
//! - `recipient(e)`: the reward recipient after every change timestamped before `end`.

use crate::emission::EpochClock;

/// Declared capacity: watt-peak of clean-energy output and compute work units per hour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capacity {
    pub energy_wp: u64,
    pub compute_units_per_hour: u64,
}

impl Capacity {
    /// Field-wise maximum.
    pub fn max(self, other: Capacity) -> Capacity {
        Capacity {
            energy_wp: self.energy_wp.max(other.energy_wp),
            compute_units_per_hour: self.compute_units_per_hour.max(other.compute_units_per_hour),
        }
    }
}

/// A capacity increase that takes effect at `effective_at` (unix seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScheduledCapacity {
    pub capacity: Capacity,
    pub effective_at: i64,
}

/// The live fields of a node that the views follow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiveNode {
    pub active_stake: u64,
    pub jailed: bool,
    pub recipient: [u8; 32],
    pub capacity: Capacity,
    pub pending_capacity: Option<ScheduledCapacity>,
}

impl LiveNode {
    /// Stake that earns: 0 while jailed, else the active stake (pending stake never earns).
    pub fn effective_stake(&self) -> u64 {
        if self.jailed {
            0
        } else {
            self.active_stake
        }
    }
}

/// What a node account stores for the views (fixed size).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EpochViewState {
    /// The epoch the `stake_min`/`capacity_max` fields describe (0 before genesis).
    pub epoch: u64,
    /// Minimum effective stake over the values of `epoch` seen so far.
    pub stake_min: u64,
    /// Field-wise maximum capacity over the values of `epoch` seen so far.
    pub capacity_max: Capacity,
    /// The reward recipient in force at the start of `epoch`.
    pub recipient_at_start: [u8; 32],
    /// `stake(epoch − 1)`.
    pub previous_stake_min: u64,
    /// `capacity(epoch − 1)`.
    pub previous_capacity_max: Capacity,
}

/// What a node counted as for one epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeEpochView {
    pub stake: u64,
    pub recipient: [u8; 32],
    pub capacity: Capacity,
}

/// The epoch containing `time`; `None` before genesis (or for an invalid clock).
fn epoch_of(clock: &EpochClock, time: i64) -> Option<u64> {
    clock.epoch_at(time).ok().flatten()
}

impl EpochViewState {
    /// The view of a node created at `now` with the live fields `live`. A node registered
    /// during epoch `e` has `stake(e) = 0` (before registration it had no stake).
    pub fn at_registration(live: &LiveNode, clock: &EpochClock, now: i64) -> Self {
        let mut view = EpochViewState {
            epoch: epoch_of(clock, now).unwrap_or(0),
            stake_min: 0,
            capacity_max: live.capacity,
            recipient_at_start: live.recipient,
            previous_stake_min: 0,
            previous_capacity_max: Capacity::default(),
        };
        observe(&mut view, live, clock, now);
        view
    }

    fn restart_from(&mut self, live: &LiveNode, epoch: u64) {
        self.epoch = epoch;
        self.stake_min = live.effective_stake();
        self.capacity_max = live.capacity;
        self.recipient_at_start = live.recipient;
    }
}

/// Moves the view to the epoch containing `time` without recording a change.
fn advance(view: &mut EpochViewState, live: &LiveNode, clock: &EpochClock, time: i64) {
    let Some(now_epoch) = epoch_of(clock, time) else {
        // Before genesis no epoch runs: only the value in force at genesis will matter.
        view.restart_from(live, 0);
        view.previous_stake_min = 0;
        view.previous_capacity_max = Capacity::default();
        return;
    };
    if now_epoch <= view.epoch {
        return;
    }
    if now_epoch == view.epoch.saturating_add(1) {
        view.previous_stake_min = view.stake_min;
        view.previous_capacity_max = view.capacity_max;
    } else {
        // Whole epochs passed without a change: the live values held throughout.
        view.previous_stake_min = live.effective_stake();
        view.previous_capacity_max = live.capacity;
    }
    view.restart_from(live, now_epoch);
}

/// Rolls the view to `now`, before an instruction changes anything. A scheduled capacity
/// increase that is due is applied to `live` as a change at its effective time; returns true
/// if that happened (the caller updates anything else it derives from the capacity).
pub fn settle(
    view: &mut EpochViewState,
    live: &mut LiveNode,
    clock: &EpochClock,
    now: i64,
) -> bool {
    let mut matured = false;
    if let Some(scheduled) = live.pending_capacity.filter(|p| p.effective_at <= now) {
        advance(view, live, clock, scheduled.effective_at);
        live.capacity = scheduled.capacity;
        live.pending_capacity = None;
        observe(view, live, clock, scheduled.effective_at);
        matured = true;
    }
    advance(view, live, clock, now);
    matured
}

/// Records the live values after a change at `now` (call [`settle`] first).
pub fn observe(view: &mut EpochViewState, live: &LiveNode, clock: &EpochClock, now: i64) {
    if epoch_of(clock, now).is_none() {
        view.restart_from(live, 0);
        return;
    }
    view.stake_min = view.stake_min.min(live.effective_stake());
    view.capacity_max = view.capacity_max.max(live.capacity);
}

/// The node's view for `epoch` from the account as read at `read_time` (the chain clock of
/// the state read). Exact whenever `read_time ∈ [end(epoch), start(epoch + 2))`; outside that
/// window exact or `None`, never a wrong value. `None` also before `end(epoch)`.
pub fn node_epoch_view(
    view: &EpochViewState,
    live: &LiveNode,
    clock: &EpochClock,
    epoch: u64,
    read_time: i64,
) -> Option<NodeEpochView> {
    let end = clock.end(epoch).ok()?;
    if read_time < end || epoch_of(clock, read_time).is_none_or(|now| view.epoch > now) {
        return None;
    }
    if view.epoch == epoch.checked_add(1)? {
        return Some(NodeEpochView {
            stake: view.previous_stake_min,
            recipient: view.recipient_at_start,
            capacity: view.previous_capacity_max,
        });
    }
    if view.epoch > epoch {
        return None;
    }
    // Nothing changed since `epoch` (or earlier) began, except possibly a scheduled capacity
    // increase: replay it up to the epoch's last second.
    let (mut view, mut live) = (*view, *live);
    settle(&mut view, &mut live, clock, end.checked_sub(1)?);
    Some(NodeEpochView {
        stake: view.stake_min,
        recipient: live.recipient,
        capacity: view.capacity_max,
    })
}

/// A value (such as node-staking's minimum stakes) whose changes take effect from the next
/// epoch (from epoch 0 when made before genesis), readable per epoch like the node views:
/// exact for `e` when read at any time in `[end(e), start(e+2))`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EpochScheduled<T: Copy> {
    pub previous: T,
    pub previous_from: u64,
    pub current: T,
    pub current_from: u64,
    pub next: T,
    /// [`EpochScheduled::NONE`] when nothing is scheduled.
    pub next_from: u64,
}

impl<T: Copy> EpochScheduled<T> {
    /// `next_from` when no change is scheduled.
    pub const NONE: u64 = u64::MAX;

    /// A value in force from epoch 0.
    pub fn new(value: T) -> Self {
        EpochScheduled {
            previous: value,
            previous_from: 0,
            current: value,
            current_from: 0,
            next: value,
            next_from: Self::NONE,
        }
    }

    /// Promotes a scheduled value whose epoch has begun at `epoch`.
    fn mature(&mut self, epoch: u64) {
        if self.next_from <= epoch {
            self.previous = self.current;
            self.previous_from = self.current_from;
            self.current = self.next;
            self.current_from = self.next_from;
            self.next_from = Self::NONE;
        }
    }

    /// Changes the value at `now`: in force from the next epoch. A second change in the same
    /// epoch replaces the first.
    pub fn set(&mut self, value: T, clock: &EpochClock, now: i64) {
        match epoch_of(clock, now) {
            None => *self = Self::new(value),
            Some(epoch) => {
                self.mature(epoch);
                self.next = value;
                self.next_from = epoch.saturating_add(1);
            }
        }
    }

    /// The value in force during `epoch`, if this state still knows it.
    pub fn value_for(&self, epoch: u64) -> Option<T> {
        if epoch >= self.next_from {
            Some(self.next)
        } else if epoch >= self.current_from {
            Some(self.current)
        } else if epoch >= self.previous_from {
            Some(self.previous)
        } else {
            None
        }
    }
}

#[cfg(test)]
#[path = "views_tests.rs"]
mod tests;
