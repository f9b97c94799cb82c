//! Anchor mirrors of the `gridmint_protocol::views` types the accounts store, and every
//! conversion between the program's types and the protocol's (in this one place).
//!
//! The logic (rolling, reading) lives in the protocol crate and is shared with the oracle and
//! the SDK; the mirrors exist because Anchor's IDL needs its own derives.

use anchor_lang::prelude::*;
use gridmint_protocol::views as pv;

use crate::state::{Capacity, PendingCapacity};

/// Mirror of [`pv::EpochViewState`]: what a node counted as for its current and previous
/// epoch (`docs/PROTOCOL.md` §8).
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct EpochViewState {
    /// The epoch `stake_min` and `capacity_max` describe (0 before genesis).
    pub epoch: u64,
    /// Minimum effective stake over the values of `epoch` seen so far.
    pub stake_min: u64,
    /// Field-wise maximum capacity over the values of `epoch` seen so far.
    pub capacity_max: Capacity,
    /// The reward recipient in force at the start of `epoch`.
    pub recipient_at_start: Pubkey,
    /// `stake(epoch − 1)`.
    pub previous_stake_min: u64,
    /// `capacity(epoch − 1)`.
    pub previous_capacity_max: Capacity,
}

/// Mirror of [`pv::EpochScheduled`]`<[u64; 3]>`: the minimum stake per node kind, whose
/// changes take effect from the next epoch.
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct MinStakeSchedule {
    pub previous: [u64; 3],
    pub previous_from: u64,
    pub current: [u64; 3],
    pub current_from: u64,
    /// The latest value set (equal to `current` once it took effect).
    pub next: [u64; 3],
    /// `u64::MAX` when nothing is scheduled.
    pub next_from: u64,
}

impl From<Capacity> for pv::Capacity {
    fn from(c: Capacity) -> Self {
        pv::Capacity { energy_wp: c.energy_wp, compute_units_per_hour: c.compute_units_per_hour }
    }
}

impl From<pv::Capacity> for Capacity {
    fn from(c: pv::Capacity) -> Self {
        Capacity { energy_wp: c.energy_wp, compute_units_per_hour: c.compute_units_per_hour }
    }
}

impl From<PendingCapacity> for pv::ScheduledCapacity {
    fn from(p: PendingCapacity) -> Self {
        pv::ScheduledCapacity { capacity: p.capacity.into(), effective_at: p.effective_at }
    }
}

impl From<pv::ScheduledCapacity> for PendingCapacity {
    fn from(p: pv::ScheduledCapacity) -> Self {
        PendingCapacity { capacity: p.capacity.into(), effective_at: p.effective_at }
    }
}

impl From<EpochViewState> for pv::EpochViewState {
    fn from(v: EpochViewState) -> Self {
        pv::EpochViewState {
            epoch: v.epoch,
            stake_min: v.stake_min,
            capacity_max: v.capacity_max.into(),
            recipient_at_start: v.recipient_at_start.to_bytes(),
            previous_stake_min: v.previous_stake_min,
            previous_capacity_max: v.previous_capacity_max.into(),
        }
    }
}

impl From<pv::EpochViewState> for EpochViewState {
    fn from(v: pv::EpochViewState) -> Self {
        EpochViewState {
            epoch: v.epoch,
            stake_min: v.stake_min,
            capacity_max: v.capacity_max.into(),
            recipient_at_start: Pubkey::new_from_array(v.recipient_at_start),
            previous_stake_min: v.previous_stake_min,
            previous_capacity_max: v.previous_capacity_max.into(),
        }
    }
}

impl From<MinStakeSchedule> for pv::EpochScheduled<[u64; 3]> {
    fn from(s: MinStakeSchedule) -> Self {
        pv::EpochScheduled {
            previous: s.previous,
            previous_from: s.previous_from,
            current: s.current,
            current_from: s.current_from,
            next: s.next,
            next_from: s.next_from,
        }
    }
}

impl From<pv::EpochScheduled<[u64; 3]>> for MinStakeSchedule {
    fn from(s: pv::EpochScheduled<[u64; 3]>) -> Self {
        MinStakeSchedule {
            previous: s.previous,
            previous_from: s.previous_from,
            current: s.current,
            current_from: s.current_from,
            next: s.next,
            next_from: s.next_from,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_trip() {
        let view = EpochViewState {
            epoch: 7,
            stake_min: 1,
            capacity_max: Capacity { energy_wp: 2, compute_units_per_hour: 3 },
            recipient_at_start: Pubkey::new_unique(),
            previous_stake_min: 4,
            previous_capacity_max: Capacity { energy_wp: 5, compute_units_per_hour: 6 },
        };
        assert_eq!(EpochViewState::from(pv::EpochViewState::from(view)), view);
        let schedule = MinStakeSchedule {
            previous: [1, 2, 3],
            previous_from: 4,
            current: [5, 6, 7],
            current_from: 8,
            next: [9, 10, 11],
            next_from: 12,
        };
        assert_eq!(MinStakeSchedule::from(pv::EpochScheduled::from(schedule)), schedule);
        let pending = PendingCapacity {
            capacity: Capacity { energy_wp: 1, compute_units_per_hour: 2 },
            effective_at: -3,
        };
        assert_eq!(PendingCapacity::from(pv::ScheduledCapacity::from(pending)), pending);
    }
}
