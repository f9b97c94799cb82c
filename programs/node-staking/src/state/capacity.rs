//! Node kinds and declared capacity.

use anchor_lang::prelude::*;

use crate::errors::NodeStakingError;

/// What a node provides. The discriminant indexes `Config::min_stake`.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// Edge compute: `compute_units_per_hour > 0`, `energy_wp == 0`.
    Compute,
    /// Clean-energy generation: `energy_wp > 0`, `compute_units_per_hour == 0`.
    Energy,
    /// Both: both fields `> 0`.
    Hybrid,
}

impl NodeKind {
    /// Number of kinds (length of `Config::min_stake`).
    pub const COUNT: usize = 3;

    /// Index into per-kind tables such as `Config::min_stake`.
    pub const fn index(self) -> usize {
        match self {
            NodeKind::Compute => 0,
            NodeKind::Energy => 1,
            NodeKind::Hybrid => 2,
        }
    }
}

/// Declared capacity of a node: peak solar/energy output in watt-peak and compute units per
/// hour. Rewards and fraud proofs bound what a node can plausibly deliver by this.
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct Capacity {
    pub energy_wp: u64,
    pub compute_units_per_hour: u64,
}

impl Capacity {
    /// Checks that the capacity fits the node kind (see [`NodeKind`]).
    pub fn validate_for(&self, kind: NodeKind) -> Result<()> {
        let ok = match kind {
            NodeKind::Compute => self.energy_wp == 0 && self.compute_units_per_hour > 0,
            NodeKind::Energy => self.energy_wp > 0 && self.compute_units_per_hour == 0,
            NodeKind::Hybrid => self.energy_wp > 0 && self.compute_units_per_hour > 0,
        };
        require!(ok, NodeStakingError::InvalidCapacity);
        Ok(())
    }

    /// Field-wise maximum.
    pub fn max(self, other: Capacity) -> Capacity {
        Capacity {
            energy_wp: self.energy_wp.max(other.energy_wp),
            compute_units_per_hour: self.compute_units_per_hour.max(other.compute_units_per_hour),
        }
    }

    /// Field-wise minimum.
    pub fn min(self, other: Capacity) -> Capacity {
        Capacity {
            energy_wp: self.energy_wp.min(other.energy_wp),
            compute_units_per_hour: self.compute_units_per_hour.min(other.compute_units_per_hour),
        }
    }

    /// Checks the capacity against the deployment's maximum (`CapacityAboveMaximum`).
    pub fn validate_max(&self, max: &Capacity) -> Result<()> {
        require!(!self.exceeds_in_any_field(max), NodeStakingError::CapacityAboveMaximum);
        Ok(())
    }

    /// True if any field of `self` is strictly greater than the same field of `other`.
    pub fn exceeds_in_any_field(&self, other: &Capacity) -> bool {
        self.energy_wp > other.energy_wp
            || self.compute_units_per_hour > other.compute_units_per_hour
    }
}

/// A capacity increase that takes effect at `effective_at` (a named struct because Anchor's
/// IDL has no tuples; all zero in a node without a scheduled increase).
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct PendingCapacity {
    pub capacity: Capacity,
    pub effective_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn cap(energy_wp: u64, compute_units_per_hour: u64) -> Capacity {
        Capacity { energy_wp, compute_units_per_hour }
    }

    #[test]
    fn capacity_must_fit_kind() {
        assert!(cap(0, 5).validate_for(NodeKind::Compute).is_ok());
        assert!(cap(1, 5).validate_for(NodeKind::Compute).is_err());
        assert!(cap(0, 0).validate_for(NodeKind::Compute).is_err());
        assert!(cap(7, 0).validate_for(NodeKind::Energy).is_ok());
        assert!(cap(7, 1).validate_for(NodeKind::Energy).is_err());
        assert!(cap(0, 0).validate_for(NodeKind::Energy).is_err());
        assert!(cap(7, 1).validate_for(NodeKind::Hybrid).is_ok());
        assert!(cap(7, 0).validate_for(NodeKind::Hybrid).is_err());
        assert!(cap(0, 1).validate_for(NodeKind::Hybrid).is_err());
    }

    #[test]
    fn field_wise_min_max_and_exceeds() {
        assert_eq!(cap(1, 9).max(cap(5, 2)), cap(5, 9));
        assert_eq!(cap(1, 9).min(cap(5, 2)), cap(1, 2));
        assert!(cap(1, 9).exceeds_in_any_field(&cap(5, 2)));
        assert!(!cap(5, 2).exceeds_in_any_field(&cap(5, 2)));
        assert!(!cap(4, 2).exceeds_in_any_field(&cap(5, 2)));
    }

    #[test]
    fn kind_indexes_are_dense() {
        let kinds = [NodeKind::Compute, NodeKind::Energy, NodeKind::Hybrid];
        for (i, kind) in kinds.iter().enumerate() {
            assert_eq!(kind.index(), i);
        }
        assert_eq!(kinds.len(), NodeKind::COUNT);
    }
}
