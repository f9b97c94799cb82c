//! Byte offsets of every `Node` field in the account data (after the 8-byte discriminator),
//! for `getProgramAccounts` memcmp filters and `dataSlice` reads. Every field but the last,
//! `metadata_uri`, has a fixed size, so these hold for every node.
//!
//! Example: all nodes of an operator = memcmp(`NODE_OPERATOR_OFFSET`, operator); the stakes
//! of all nodes = dataSlice(`NODE_ACTIVE_STAKE_OFFSET`, 16).

use anchor_lang::Space;
use node_staking::state::{
    Capacity, EpochViewState, Node, NodeKind, PendingCapacity, MAX_METADATA_URI_LEN,
};

const PUBKEY: usize = 32;
const U64: usize = 8;

/// Anchor's account discriminator.
pub const NODE_DISCRIMINATOR_LEN: usize = 8;
pub const NODE_CONFIG_OFFSET: usize = NODE_DISCRIMINATOR_LEN;
pub const NODE_NODE_ID_OFFSET: usize = NODE_CONFIG_OFFSET + PUBKEY;
pub const NODE_OPERATOR_OFFSET: usize = NODE_NODE_ID_OFFSET + U64;
/// One byte: 0 Compute, 1 Energy, 2 Hybrid.
pub const NODE_KIND_OFFSET: usize = NODE_OPERATOR_OFFSET + PUBKEY;
pub const NODE_DEVICE_KEY_OFFSET: usize = NODE_KIND_OFFSET + NodeKind::INIT_SPACE;
pub const NODE_REWARD_RECIPIENT_OFFSET: usize = NODE_DEVICE_KEY_OFFSET + PUBKEY;
/// u16 LE.
pub const NODE_REGION_OFFSET: usize = NODE_REWARD_RECIPIENT_OFFSET + PUBKEY;
/// `energy_wp` then `compute_units_per_hour`, u64 LE each.
pub const NODE_CAPACITY_OFFSET: usize = NODE_REGION_OFFSET + 2;
/// One byte, 0 or 1.
pub const NODE_HAS_PENDING_CAPACITY_OFFSET: usize = NODE_CAPACITY_OFFSET + Capacity::INIT_SPACE;
/// `capacity` (16) then `effective_at` (i64 LE); all zero when none.
pub const NODE_PENDING_CAPACITY_OFFSET: usize = NODE_HAS_PENDING_CAPACITY_OFFSET + 1;
pub const NODE_CAPACITY_PEAK_OFFSET: usize =
    NODE_PENDING_CAPACITY_OFFSET + PendingCapacity::INIT_SPACE;
pub const NODE_CAPACITY_LOWERED_AT_OFFSET: usize = NODE_CAPACITY_PEAK_OFFSET + Capacity::INIT_SPACE;
pub const NODE_ACTIVE_STAKE_OFFSET: usize = NODE_CAPACITY_LOWERED_AT_OFFSET + U64;
pub const NODE_PENDING_STAKE_OFFSET: usize = NODE_ACTIVE_STAKE_OFFSET + U64;
pub const NODE_UNLOCK_AT_OFFSET: usize = NODE_PENDING_STAKE_OFFSET + U64;
/// One byte, 0 or 1.
pub const NODE_JAILED_OFFSET: usize = NODE_UNLOCK_AT_OFFSET + U64;
pub const NODE_JAILED_AT_OFFSET: usize = NODE_JAILED_OFFSET + 1;
pub const NODE_UNJAILED_AT_OFFSET: usize = NODE_JAILED_AT_OFFSET + U64;
pub const NODE_REGISTERED_AT_OFFSET: usize = NODE_UNJAILED_AT_OFFSET + U64;
/// The `EpochViewState` (88 bytes: epoch, stake_min, capacity_max, recipient_at_start,
/// previous_stake_min, previous_capacity_max).
pub const NODE_VIEW_OFFSET: usize = NODE_REGISTERED_AT_OFFSET + U64;
pub const NODE_BUMP_OFFSET: usize = NODE_VIEW_OFFSET + EpochViewState::INIT_SPACE;
pub const NODE_RESERVED_OFFSET: usize = NODE_BUMP_OFFSET + 1;
/// u32 LE length, then that many UTF-8 bytes (at most `MAX_METADATA_URI_LEN`).
pub const NODE_METADATA_URI_OFFSET: usize = NODE_RESERVED_OFFSET + 64;
/// Allocated size of every node account.
pub const NODE_ACCOUNT_LEN: usize = NODE_DISCRIMINATOR_LEN + Node::INIT_SPACE;

// The URI is the last field and the account is allocated for the longest one.
const _: () = assert!(NODE_METADATA_URI_OFFSET + 4 + MAX_METADATA_URI_LEN == NODE_ACCOUNT_LEN);

/// Byte offset of `DeviceBinding::node` in a binding account (discriminator 8 + config 32 +
/// device_key 32), for "all keys ever bound to a node".
pub const DEVICE_BINDING_NODE_OFFSET: usize = 8 + 32 + 32;

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;
