//! A node account without its tail (`bump`, `reserved`, `metadata_uri`): every field up to
//! and including the epoch view, which is all the oracle's view reader needs. Fetched with a
//! data slice `[0, NODE_HEAD_LEN)` (the discriminator included, so it is still checked).

use anchor_lang::prelude::Pubkey;
use anchor_lang::{AnchorDeserialize, Discriminator};
use node_staking::state::{Capacity, Config, EpochViewState, Node, NodeKind, PendingCapacity};

use crate::node_staking::{NodeEpochView, NODE_BUMP_OFFSET};

/// Bytes of a node account up to its `bump` (discriminator included).
pub const NODE_HEAD_LEN: usize = NODE_BUMP_OFFSET;

/// The fixed-size fields of a `Node`, in account order (see `node_staking::layout`).
#[derive(AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct NodeHead {
    pub config: Pubkey,
    pub node_id: u64,
    pub operator: Pubkey,
    pub kind: NodeKind,
    pub device_key: Pubkey,
    pub reward_recipient: Pubkey,
    pub region: u16,
    pub capacity: Capacity,
    pub has_pending_capacity: bool,
    pub pending_capacity: PendingCapacity,
    pub capacity_peak: Capacity,
    pub capacity_lowered_at: i64,
    pub active_stake: u64,
    pub pending_stake: u64,
    pub unlock_at: i64,
    pub jailed: bool,
    pub jailed_at: i64,
    pub unjailed_at: i64,
    pub registered_at: i64,
    pub view: EpochViewState,
}

impl NodeHead {
    /// Decodes the head from node account data (whole or sliced to at least
    /// [`NODE_HEAD_LEN`]), checking the discriminator.
    pub fn decode(data: &[u8]) -> Option<NodeHead> {
        let body = data.strip_prefix(Node::DISCRIMINATOR)?;
        let mut head = body.get(..NODE_HEAD_LEN - Node::DISCRIMINATOR.len())?;
        let decoded = NodeHead::deserialize(&mut head).ok()?;
        head.is_empty().then_some(decoded)
    }

    /// The node's view for `epoch` read at `read_time` (the clock of the slot the head was
    /// read at): the same answer as [`crate::node_staking::node_epoch_view`] on the full node.
    pub fn epoch_view(&self, config: &Config, epoch: u64, read_time: i64) -> Option<NodeEpochView> {
        self.as_node().epoch_view(&config.clock(), epoch, read_time)
    }

    /// A `Node` with this head and an empty tail (zero bump, no metadata URI).
    fn as_node(&self) -> Node {
        Node {
            config: self.config,
            node_id: self.node_id,
            operator: self.operator,
            kind: self.kind,
            device_key: self.device_key,
            reward_recipient: self.reward_recipient,
            region: self.region,
            capacity: self.capacity,
            has_pending_capacity: self.has_pending_capacity,
            pending_capacity: self.pending_capacity,
            capacity_peak: self.capacity_peak,
            capacity_lowered_at: self.capacity_lowered_at,
            active_stake: self.active_stake,
            pending_stake: self.pending_stake,
            unlock_at: self.unlock_at,
            jailed: self.jailed,
            jailed_at: self.jailed_at,
            unjailed_at: self.unjailed_at,
            registered_at: self.registered_at,
            view: self.view,
            bump: 0,
            reserved: [0; 64],
            metadata_uri: String::new(),
        }
    }
}

impl From<&Node> for NodeHead {
    fn from(n: &Node) -> Self {
        NodeHead {
            config: n.config,
            node_id: n.node_id,
            operator: n.operator,
            kind: n.kind,
            device_key: n.device_key,
            reward_recipient: n.reward_recipient,
            region: n.region,
            capacity: n.capacity,
            has_pending_capacity: n.has_pending_capacity,
            pending_capacity: n.pending_capacity,
            capacity_peak: n.capacity_peak,
            capacity_lowered_at: n.capacity_lowered_at,
            active_stake: n.active_stake,
            pending_stake: n.pending_stake,
            unlock_at: n.unlock_at,
            jailed: n.jailed,
            jailed_at: n.jailed_at,
            unjailed_at: n.unjailed_at,
            registered_at: n.registered_at,
            view: n.view,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::AccountSerialize;

    #[test]
    fn head_of_a_sliced_account_equals_the_full_node() {
        let mut node = Node {
            config: Pubkey::new_unique(),
            node_id: 7,
            operator: Pubkey::new_unique(),
            kind: NodeKind::Hybrid,
            device_key: Pubkey::new_unique(),
            reward_recipient: Pubkey::new_unique(),
            region: 276,
            capacity: Capacity { energy_wp: 5, compute_units_per_hour: 6 },
            has_pending_capacity: true,
            pending_capacity: PendingCapacity {
                capacity: Capacity { energy_wp: 9, compute_units_per_hour: 9 },
                effective_at: 1_000,
            },
            capacity_peak: Capacity { energy_wp: 7, compute_units_per_hour: 8 },
            capacity_lowered_at: 11,
            active_stake: 12,
            pending_stake: 13,
            unlock_at: 14,
            jailed: true,
            jailed_at: 15,
            unjailed_at: 16,
            registered_at: 17,
            view: EpochViewState { epoch: 3, stake_min: 18, ..EpochViewState::default() },
            bump: 254,
            reserved: [0; 64],
            metadata_uri: "https://example.org/n.json".into(),
        };
        let mut data = Vec::new();
        node.try_serialize(&mut data).unwrap();
        let head = NodeHead::decode(&data[..NODE_HEAD_LEN]).expect("sliced head decodes");
        assert_eq!(head, NodeHead::from(&node));
        assert_eq!(NodeHead::decode(&data).as_ref(), Some(&head));
        assert_eq!(NodeHead::decode(&data[..NODE_HEAD_LEN - 1]), None);
        data[0] ^= 1;
        assert_eq!(NodeHead::decode(&data), None);
        node.bump = 0;
        node.metadata_uri.clear();
        assert_eq!(head.as_node(), node);
    }
}
