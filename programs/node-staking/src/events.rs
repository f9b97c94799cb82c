//! Events, emitted with `emit_cpi!` on every state change. Admin changes carry the old and
//! the new values.

use anchor_lang::prelude::*;

use crate::state::{Capacity, FraudKind, NodeKind, Params, PendingCapacity};

#[event]
pub struct ConfigInitialized {
    pub config: Pubkey,
    pub authority: Pubkey,
    pub stake_mint: Pubkey,
    pub stake_token_program: Pubkey,
    pub vault: Pubkey,
    /// The epoch clock (immutable).
    pub genesis_time: i64,
    pub epoch_seconds: i64,
    pub params: Params,
}

#[event]
pub struct AuthorityTransferProposed {
    pub authority: Pubkey,
    pub old_pending: Option<Pubkey>,
    pub new_pending: Option<Pubkey>,
}

#[event]
pub struct AuthorityTransferred {
    pub old_authority: Pubkey,
    pub new_authority: Pubkey,
}

#[event]
pub struct ParamsUpdated {
    pub old: Params,
    pub new: Params,
    /// The first epoch `new.min_stake` is in force (0 before genesis).
    pub min_stake_effective_epoch: u64,
}

#[event]
pub struct PauseChanged {
    pub authority: Pubkey,
    pub old_paused: bool,
    pub new_paused: bool,
}

#[event]
pub struct NodeRegistered {
    pub node: Pubkey,
    pub node_id: u64,
    pub operator: Pubkey,
    pub kind: NodeKind,
    pub device_key: Pubkey,
    pub reward_recipient: Pubkey,
    pub region: u16,
    pub capacity: Capacity,
    pub stake: u64,
    pub registered_at: i64,
}

#[event]
pub struct NodeUpdated {
    pub node: Pubkey,
    pub node_id: u64,
    pub old_metadata_uri: String,
    pub new_metadata_uri: String,
    pub old_reward_recipient: Pubkey,
    pub new_reward_recipient: Pubkey,
    pub old_region: u16,
    pub new_region: u16,
    pub old_capacity: Capacity,
    pub capacity_in_force: Capacity,
    pub pending_capacity: Option<PendingCapacity>,
}

#[event]
pub struct DeviceKeyRotated {
    pub node: Pubkey,
    pub node_id: u64,
    pub old_device_key: Pubkey,
    pub new_device_key: Pubkey,
    pub rotated_at: i64,
}

#[event]
pub struct Staked {
    pub node: Pubkey,
    pub node_id: u64,
    pub amount: u64,
    pub active_stake: u64,
}

#[event]
pub struct UnstakeRequested {
    pub node: Pubkey,
    pub node_id: u64,
    pub amount: u64,
    pub active_stake: u64,
    pub pending_stake: u64,
    pub unlock_at: i64,
}

#[event]
pub struct Withdrawn {
    pub node: Pubkey,
    pub node_id: u64,
    pub amount: u64,
    pub destination: Pubkey,
}

#[event]
pub struct NodeClosed {
    pub node: Pubkey,
    pub node_id: u64,
    pub operator: Pubkey,
    pub device_key: Pubkey,
    pub closed_at: i64,
}

#[event]
pub struct NodeSlashed {
    pub node: Pubkey,
    pub node_id: u64,
    pub amount: u64,
    pub from_active: u64,
    pub from_pending: u64,
    pub reason: u16,
    pub slashed_by: Pubkey,
    pub jailed_at: i64,
}

#[event]
pub struct NodeUnjailed {
    pub node: Pubkey,
    pub node_id: u64,
    pub authority: Pubkey,
    /// Fraud evidence with both readings before this time is refused from now on.
    pub unjailed_at: i64,
}

/// A fraud proof succeeded (`report_fraud`): the node was slashed and jailed.
#[event]
pub struct FraudProven {
    pub node: Pubkey,
    pub node_id: u64,
    pub kind: FraudKind,
    pub device_key: Pubkey,
    /// The evidence record's address and hash.
    pub evidence: Pubkey,
    pub evidence_hash: [u8; 32],
    pub sequence_a: u64,
    pub sequence_b: u64,
    pub reporter: Pubkey,
    /// `bounty + to_treasury`, taken `from_active` then `from_pending`.
    pub slashed: u64,
    pub bounty: u64,
    pub to_treasury: u64,
    pub from_active: u64,
    pub from_pending: u64,
    pub jailed_at: i64,
}

/// The config authority registered a compute-work requester.
#[event]
pub struct RequesterRegistered {
    pub requester: Pubkey,
    pub key: Pubkey,
    pub label: [u8; 32],
    pub first_epoch: u64,
    pub authority: Pubkey,
    pub registered_at: i64,
}

/// The config authority retired a requester from `new_retired_epoch` on.
#[event]
pub struct RequesterRetired {
    pub requester: Pubkey,
    pub key: Pubkey,
    /// `u64::MAX` (it was active).
    pub old_retired_epoch: u64,
    pub new_retired_epoch: u64,
    pub authority: Pubkey,
}
