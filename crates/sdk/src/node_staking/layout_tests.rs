use super::*;
use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountSerialize, AnchorSerialize};
use node_staking::state::Node;

fn key(byte: u8) -> Pubkey {
    Pubkey::new_from_array([byte; 32])
}

/// A node whose every field holds a distinct, non-zero value.
fn node(pending: Option<PendingCapacity>, uri: String) -> Node {
    let mut node = Node {
        config: key(1),
        node_id: 0x0102_0304_0506_0708,
        operator: key(2),
        kind: NodeKind::Hybrid,
        device_key: key(3),
        reward_recipient: key(4),
        region: 0x0309,
        capacity: Capacity { energy_wp: 11, compute_units_per_hour: 12 },
        has_pending_capacity: false,
        pending_capacity: PendingCapacity::default(),
        capacity_peak: Capacity { energy_wp: 21, compute_units_per_hour: 22 },
        capacity_lowered_at: -31,
        active_stake: 41,
        pending_stake: 42,
        unlock_at: 43,
        jailed: true,
        jailed_at: 51,
        unjailed_at: 52,
        registered_at: 53,
        view: EpochViewState {
            epoch: 61,
            stake_min: 62,
            capacity_max: Capacity { energy_wp: 63, compute_units_per_hour: 64 },
            recipient_at_start: key(5),
            previous_stake_min: 65,
            previous_capacity_max: Capacity { energy_wp: 66, compute_units_per_hour: 67 },
        },
        bump: 254,
        reserved: [0xAB; 64],
        metadata_uri: uri,
    };
    node.set_pending_capacity(pending);
    node
}

fn bytes(value: &impl AnchorSerialize) -> Vec<u8> {
    let mut out = Vec::new();
    value.serialize(&mut out).expect("serializes");
    out
}

/// Every field's Borsh bytes, with the offset the layout module claims for it.
fn fields(n: &Node) -> Vec<(&'static str, usize, Vec<u8>)> {
    vec![
        ("config", NODE_CONFIG_OFFSET, bytes(&n.config)),
        ("node_id", NODE_NODE_ID_OFFSET, bytes(&n.node_id)),
        ("operator", NODE_OPERATOR_OFFSET, bytes(&n.operator)),
        ("kind", NODE_KIND_OFFSET, bytes(&n.kind)),
        ("device_key", NODE_DEVICE_KEY_OFFSET, bytes(&n.device_key)),
        ("reward_recipient", NODE_REWARD_RECIPIENT_OFFSET, bytes(&n.reward_recipient)),
        ("region", NODE_REGION_OFFSET, bytes(&n.region)),
        ("capacity", NODE_CAPACITY_OFFSET, bytes(&n.capacity)),
        ("has_pending_capacity", NODE_HAS_PENDING_CAPACITY_OFFSET, bytes(&n.has_pending_capacity)),
        ("pending_capacity", NODE_PENDING_CAPACITY_OFFSET, bytes(&n.pending_capacity)),
        ("capacity_peak", NODE_CAPACITY_PEAK_OFFSET, bytes(&n.capacity_peak)),
        ("capacity_lowered_at", NODE_CAPACITY_LOWERED_AT_OFFSET, bytes(&n.capacity_lowered_at)),
        ("active_stake", NODE_ACTIVE_STAKE_OFFSET, bytes(&n.active_stake)),
        ("pending_stake", NODE_PENDING_STAKE_OFFSET, bytes(&n.pending_stake)),
        ("unlock_at", NODE_UNLOCK_AT_OFFSET, bytes(&n.unlock_at)),
        ("jailed", NODE_JAILED_OFFSET, bytes(&n.jailed)),
        ("jailed_at", NODE_JAILED_AT_OFFSET, bytes(&n.jailed_at)),
        ("unjailed_at", NODE_UNJAILED_AT_OFFSET, bytes(&n.unjailed_at)),
        ("registered_at", NODE_REGISTERED_AT_OFFSET, bytes(&n.registered_at)),
        ("view", NODE_VIEW_OFFSET, bytes(&n.view)),
        ("bump", NODE_BUMP_OFFSET, bytes(&n.bump)),
        ("reserved", NODE_RESERVED_OFFSET, bytes(&n.reserved)),
        ("metadata_uri", NODE_METADATA_URI_OFFSET, bytes(&n.metadata_uri)),
    ]
}

#[test]
fn every_field_is_at_its_offset_whatever_the_variable_parts_hold() {
    let pending = PendingCapacity {
        capacity: Capacity { energy_wp: 71, compute_units_per_hour: 72 },
        effective_at: 73,
    };
    let full_uri = "u".repeat(MAX_METADATA_URI_LEN);
    for pending in [None, Some(pending)] {
        for uri in [String::new(), full_uri.clone()] {
            let n = node(pending, uri.clone());
            let mut data = Vec::new();
            n.try_serialize(&mut data).expect("serializes");
            let fields = fields(&n);
            for (name, offset, expected) in &fields {
                let got = data.get(*offset..offset + expected.len());
                assert_eq!(got, Some(&expected[..]), "{name} (pending {pending:?}, uri {uri:?})");
            }
            // Fields follow each other without gaps and fill the account exactly.
            for pair in fields.windows(2) {
                assert_eq!(
                    pair[0].1 + pair[0].2.len(),
                    pair[1].1,
                    "{} -> {}",
                    pair[0].0,
                    pair[1].0
                );
            }
            assert_eq!(data.len(), NODE_METADATA_URI_OFFSET + 4 + uri.len());
            assert!(data.len() <= NODE_ACCOUNT_LEN);
        }
    }
    // The flag and a zeroed struct when nothing is scheduled.
    let n = node(None, String::new());
    assert_eq!((n.has_pending_capacity, n.pending_capacity), (false, PendingCapacity::default()));
}

#[test]
fn the_account_size_is_the_documented_one() {
    assert_eq!(NODE_OPERATOR_OFFSET, 48);
    assert_eq!(NODE_METADATA_URI_OFFSET, 414);
    assert_eq!(NODE_ACCOUNT_LEN, 546);
}
