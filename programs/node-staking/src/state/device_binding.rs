//! The permanent record of which node a device key belonged to, and when.

use anchor_lang::prelude::*;

/// One per device key EVER, PDA `[DEVICE, config, device_key]`, never closed: a key that was
/// bound once can never be bound again (not to escape a jail, not to a second node), and fraud
/// proofs can ask whether a key belonged to a node at the time of a reading.
#[account]
#[derive(InitSpace, Debug, PartialEq, Eq)]
pub struct DeviceBinding {
    pub config: Pubkey,
    pub device_key: Pubkey,
    /// The `Node` account address.
    pub node: Pubkey,
    pub node_id: u64,
    pub bound_at: i64,
    /// `None` while bound; the rotation or close time afterwards.
    pub unbound_at: Option<i64>,
    pub bump: u8,
    /// Room for later fields (bindings are never closed, so they can't be recreated).
    pub reserved: [u8; 32],
}

impl DeviceBinding {
    /// Was the key bound to `node` at `ts`? (`bound_at <= ts < unbound_at`.)
    pub fn was_bound_at(&self, ts: i64) -> bool {
        self.bound_at <= ts && self.unbound_at.is_none_or(|end| ts < end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(bound_at: i64, unbound_at: Option<i64>) -> DeviceBinding {
        DeviceBinding {
            config: Pubkey::new_unique(),
            device_key: Pubkey::new_unique(),
            node: Pubkey::new_unique(),
            node_id: 1,
            bound_at,
            unbound_at,
            bump: 255,
            reserved: [0; 32],
        }
    }

    #[test]
    fn open_binding_covers_everything_from_bound_at() {
        let b = binding(100, None);
        assert!(!b.was_bound_at(99));
        assert!(b.was_bound_at(100));
        assert!(b.was_bound_at(i64::MAX));
    }

    #[test]
    fn closed_binding_is_half_open() {
        let b = binding(100, Some(200));
        assert!(b.was_bound_at(100));
        assert!(b.was_bound_at(199));
        assert!(!b.was_bound_at(200));
        assert!(!b.was_bound_at(99));
    }
}
