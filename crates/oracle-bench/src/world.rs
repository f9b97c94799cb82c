//! The deployment every phase runs against: `n` Energy nodes, one device key bound to each,
//! deterministic from the seed, and real Ed25519 readings signed with those keys in
//! `gridmint_protocol`'s message format.
//!
//! The closed epoch is [`EPOCH`]: each device has a start boundary reading a minute before
//! it starts (stored under the previous epoch, found by the close among earlier readings)
//! and an end reading a minute before it ends, so every node is credited once.

use ed25519_dalek::SigningKey;
use gridmint_oracle::epoch::snapshot::{Snapshot, SnapshotNode};
use gridmint_protocol::crediting::{BindingInput, NodeInput, SignedReading};
use gridmint_protocol::ed25519::signing;
use gridmint_protocol::emission::EpochClock;
use gridmint_protocol::messages::EnergyReading;
use gridmint_sdk::node_staking as ns;

/// The epoch the close phase closes (epoch 0 is its predecessor, finalized empty).
pub const EPOCH: u64 = 1;
pub const GENESIS: i64 = 1_700_000_000;
pub const EPOCH_SECONDS: i64 = 3_600;
/// 100 stake tokens at 6 decimals; 1 kWp of panels.
pub const STAKE: u64 = 100_000_000;
pub const STAKE_DECIMALS: u8 = 6;
pub const ENERGY_WP: u64 = 1_000;
/// Keys are bound from before genesis and never unbound.
pub const BOUND_AT: i64 = GENESIS - 86_400;

pub fn clock() -> EpochClock {
    EpochClock { genesis_time: GENESIS, epoch_seconds: EPOCH_SECONDS }
}

/// The deployment id every message names: the SDK's node-staking config (the oracle's default).
/// (A PDA: derived once, not per message.)
pub fn deployment() -> [u8; 32] {
    static DEPLOYMENT: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
    *DEPLOYMENT.get_or_init(|| ns::config_address().to_bytes())
}

/// 32 distinct bytes for `(tag, seed, i)`.
fn bytes(tag: u8, seed: u64, i: u64) -> [u8; 32] {
    let mut out = [tag; 32];
    out[..8].copy_from_slice(&i.to_le_bytes());
    out[8..16].copy_from_slice(&seed.to_le_bytes());
    out
}

/// Node `i` of a world: its identities and device key.
pub struct Device {
    pub index: u64,
    pub key: SigningKey,
    pub public: [u8; 32],
}

impl Device {
    pub fn new(seed: u64, index: u64) -> Self {
        let key = SigningKey::from_bytes(&bytes(b'K', seed, index));
        let public = signing::public_key(&key);
        Self { index, key, public }
    }

    pub fn node_id(&self) -> u64 {
        self.index + 1
    }

    /// A reading of this device, signed.
    pub fn reading(&self, sequence: u64, timestamp: i64, produced_wh: u64) -> SignedReading {
        let message = EnergyReading {
            deployment: deployment(),
            node_id: self.node_id(),
            sequence,
            timestamp,
            produced_wh,
            consumed_wh: 0,
        }
        .encode();
        SignedReading {
            device_key: self.public,
            message,
            signature: signing::sign(&self.key, &message),
        }
    }

    /// The two boundary readings of the closed epoch (1 + `index % 97` Wh apart).
    pub fn boundary_readings(&self) -> [SignedReading; 2] {
        let start = clock().start(EPOCH).unwrap_or(GENESIS);
        let end = clock().end(EPOCH).unwrap_or(GENESIS);
        let low = 1_000 + self.index;
        [self.reading(1, start - 60, low), self.reading(2, end - 60, low + 1 + self.index % 97)]
    }
}

/// The node account address of node `index`.
pub fn node_address(seed: u64, index: u64) -> [u8; 32] {
    bytes(b'N', seed, index)
}

/// The reward recipient of node `index` (all distinct: one leaf per node).
pub fn recipient(seed: u64, index: u64) -> [u8; 32] {
    bytes(b'R', seed, index)
}

pub fn binding(seed: u64, index: u64, device_key: [u8; 32]) -> BindingInput {
    BindingInput {
        device_key,
        node: node_address(seed, index),
        node_id: index + 1,
        bound_at: BOUND_AT,
        unbound_at: None,
    }
}

pub fn snapshot_node(seed: u64, index: u64) -> SnapshotNode {
    SnapshotNode {
        node: node_address(seed, index),
        node_id: index + 1,
        kind: 1, // Energy
        operator: bytes(b'O', seed, index % 1_000),
        stake: STAKE,
        recipient: recipient(seed, index),
        energy_wp: ENERGY_WP,
        compute_units_per_hour: 0,
    }
}

/// The snapshot of [`EPOCH`] as `Engine::snapshot` would have stored it after the chain read.
pub fn snapshot(seed: u64, n: usize) -> Snapshot {
    let mut nodes: Vec<SnapshotNode> = (0..n as u64).map(|i| snapshot_node(seed, i)).collect();
    nodes.sort_by_key(|n| n.node);
    Snapshot {
        epoch: EPOCH,
        slot: 1,
        read_time: clock().end(EPOCH).unwrap_or(GENESIS) + 1,
        not_derivable: None,
        min_stake: [1, 1, 1],
        stake_decimals: STAKE_DECIMALS,
        nodes,
    }
}

/// The snapshot's node inputs, as `gather` derives them.
pub fn node_inputs(snapshot: &Snapshot) -> Vec<NodeInput> {
    snapshot.nodes.iter().filter_map(SnapshotNode::input).collect()
}

/// Devices `range`, built and signed on up to `threads` threads, in index order.
pub fn devices_par<T: Send>(
    seed: u64,
    range: std::ops::Range<u64>,
    threads: usize,
    f: impl Fn(Device) -> T + Sync,
) -> Vec<T> {
    let len = range.end.saturating_sub(range.start);
    let threads = threads.max(1) as u64;
    let per = len.div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let from = range.start + t * per;
                let to = (from + per).min(range.end);
                let f = &f;
                s.spawn(move || (from..to).map(|i| f(Device::new(seed, i))).collect::<Vec<T>>())
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("worker")).collect()
    })
}

/// Worker threads for setup work: the machine's cores.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
