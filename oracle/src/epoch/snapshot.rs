//! The snapshot of an epoch: every node's view (§8) and `min_stake(kind, e)`, read once the
//! chain clock passed `end(e)` and persisted, so re-votes and restarts reuse the same chain
//! data (a view is only derivable until `start(e + 2)`, §8.4).

use borsh::{BorshDeserialize, BorshSerialize};
use gridmint_protocol::crediting::{ChallengeTally, NodeInput, NodeKind};
use gridmint_protocol::views::{Capacity, NodeEpochView};
use gridmint_sdk::chain::{Chain, ChainError, ChainExt};
use gridmint_sdk::node_staking as ns;
use serde::{Deserialize, Serialize};

/// What a stored snapshot starts with: Borsh follows. Snapshots stored before migration
/// 0008 are JSON, which starts with `{`, and are still read.
pub const STORED_MAGIC: &[u8; 8] = b"GMSNAP01";

/// Byte offset of `decimals` in an SPL Token (and Token-2022 base) mint: after the
/// `COption<Pubkey>` mint authority (36) and the supply (8).
const MINT_DECIMALS_OFFSET: usize = 44;

/// One node's view for the epoch.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize,
)]
pub struct SnapshotNode {
    pub node: [u8; 32],
    pub node_id: u64,
    /// `NodeKind` discriminant: 0 compute, 1 energy, 2 hybrid.
    pub kind: u8,
    pub operator: [u8; 32],
    pub stake: u64,
    pub recipient: [u8; 32],
    pub energy_wp: u64,
    pub compute_units_per_hour: u64,
}

impl SnapshotNode {
    /// The crediting input (challenge counts are reserved: zero).
    pub fn input(&self) -> Option<NodeInput> {
        let kind = match self.kind {
            0 => NodeKind::Compute,
            1 => NodeKind::Energy,
            2 => NodeKind::Hybrid,
            _ => return None,
        };
        Some(NodeInput {
            node: self.node,
            node_id: self.node_id,
            kind,
            operator: self.operator,
            view: NodeEpochView {
                stake: self.stake,
                recipient: self.recipient,
                capacity: Capacity {
                    energy_wp: self.energy_wp,
                    compute_units_per_hour: self.compute_units_per_hour,
                },
            },
            challenges: ChallengeTally::default(),
        })
    }
}

/// The chain data of one epoch that is only readable for a while after its end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
pub struct Snapshot {
    pub epoch: u64,
    /// Slot and clock of the (first) read.
    pub slot: u64,
    pub read_time: i64,
    /// Why the oracle must abstain for this epoch (a view or `min_stake` was not derivable),
    /// or `None`.
    pub not_derivable: Option<String>,
    /// `min_stake(kind, e)` by kind index.
    pub min_stake: [u64; 3],
    /// Decimals of the stake mint (immutable).
    pub stake_decimals: u8,
    /// Every node account that existed, by address.
    pub nodes: Vec<SnapshotNode>,
}

/// A stored snapshot that decodes neither way.
#[derive(Debug, thiserror::Error)]
#[error("stored snapshot is corrupt: {0}")]
pub struct CorruptSnapshot(String);

impl Snapshot {
    /// The stored form: [`STORED_MAGIC`], then Borsh. Binary because the JSON of a million
    /// nodes' 32-byte keys as number arrays took seconds to parse at every close.
    pub fn encode(&self) -> Vec<u8> {
        // A node is 129 bytes of Borsh; the rest is under 64 bytes and the reason text.
        let mut out = Vec::with_capacity(STORED_MAGIC.len() + 64 + self.nodes.len() * 129);
        out.extend_from_slice(STORED_MAGIC);
        // Writing into a Vec cannot fail.
        let _ = borsh::to_writer(&mut out, self);
        out
    }

    /// A stored snapshot: the binary form, or the JSON stored before migration 0008.
    pub fn decode(stored: &[u8]) -> Result<Self, CorruptSnapshot> {
        match stored.strip_prefix(STORED_MAGIC) {
            Some(body) => borsh::from_slice(body).map_err(|e| CorruptSnapshot(e.to_string())),
            None => serde_json::from_slice(stored).map_err(|e| CorruptSnapshot(e.to_string())),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error("node-staking config not found: is the deployment initialised and the RPC right?")]
    NoConfig,
    #[error("stake mint {0} not found or not a mint")]
    BadMint(String),
    #[error("epoch {epoch} has not ended on chain yet (chain clock {now}, end {end})")]
    NotEnded { epoch: u64, now: i64, end: i64 },
}

fn kind_index(kind: ns::NodeKind) -> u8 {
    match kind {
        ns::NodeKind::Compute => 0,
        ns::NodeKind::Energy => 1,
        ns::NodeKind::Hybrid => 2,
    }
}

/// Reads the snapshot of `epoch`. Fails (retry later) before `end(epoch)`; a view that is
/// not derivable is recorded in [`Snapshot::not_derivable`], not an error.
pub async fn take(chain: &dyn Chain, epoch: u64) -> Result<Snapshot, SnapshotError> {
    let config = chain.node_staking_config().await?;
    let read_time = config.unix_timestamp;
    let slot = config.slot;
    let config = config.account.ok_or(SnapshotError::NoConfig)?;
    let end = config.clock().end(epoch).unwrap_or(i64::MAX);
    if read_time < end {
        return Err(SnapshotError::NotEnded { epoch, now: read_time, end });
    }
    let mint = chain.read_accounts(&[config.stake_mint], None).await?;
    let stake_decimals = mint
        .value
        .first()
        .and_then(Option::as_ref)
        .and_then(|a| a.data.get(MINT_DECIMALS_OFFSET).copied())
        .ok_or_else(|| SnapshotError::BadMint(config.stake_mint.to_string()))?;

    let mut not_derivable = None;
    let mut min_stake = [0u64; 3];
    for kind in [ns::NodeKind::Compute, ns::NodeKind::Energy, ns::NodeKind::Hybrid] {
        match config.min_stake_for(kind, epoch) {
            Some(v) => min_stake[usize::from(kind_index(kind))] = v,
            None => {
                not_derivable.get_or_insert_with(|| {
                    format!("min_stake({kind:?}, {epoch}) not derivable at {read_time}")
                });
            }
        }
    }
    let mut nodes = Vec::new();
    for head in chain.node_heads().await? {
        let h = &head.account;
        match h.epoch_view(&config, epoch, head.unix_timestamp) {
            Some(view) => nodes.push(SnapshotNode {
                node: head.address.to_bytes(),
                node_id: h.node_id,
                kind: kind_index(h.kind),
                operator: h.operator.to_bytes(),
                stake: view.stake,
                recipient: view.recipient,
                energy_wp: view.capacity.energy_wp,
                compute_units_per_hour: view.capacity.compute_units_per_hour,
            }),
            None => {
                not_derivable.get_or_insert_with(|| {
                    format!(
                        "view of node {} for epoch {epoch} not derivable at {} (read after \
                         start(e + 2)?)",
                        head.address, head.unix_timestamp
                    )
                });
            }
        }
    }
    nodes.sort_by_key(|n| n.node);
    Ok(Snapshot { epoch, slot, read_time, not_derivable, min_stake, stake_decimals, nodes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_kinds_map_by_discriminant_and_unknown_kinds_are_refused() {
        let mut n = SnapshotNode { kind: 2, ..sample().nodes[0] };
        let input = n.input().expect("hybrid");
        assert_eq!(input.kind, NodeKind::Hybrid);
        assert_eq!(input.view.capacity.compute_units_per_hour, 20);
        assert_eq!(input.challenges, ChallengeTally::default());
        n.kind = 3;
        assert_eq!(n.input(), None);
        assert_eq!(kind_index(ns::NodeKind::Energy), 1);
    }

    fn sample() -> Snapshot {
        Snapshot {
            epoch: 3,
            slot: 9,
            read_time: 100,
            not_derivable: Some("why".into()),
            min_stake: [1, 2, 3],
            stake_decimals: 6,
            nodes: vec![SnapshotNode {
                node: [1; 32],
                node_id: 7,
                kind: 1,
                operator: [2; 32],
                stake: 5,
                recipient: [3; 32],
                energy_wp: 10,
                compute_units_per_hour: 20,
            }],
        }
    }

    #[test]
    fn snapshot_round_trips_through_its_stored_form() {
        let s = sample();
        let stored = s.encode();
        assert!(stored.starts_with(STORED_MAGIC));
        assert_eq!(Snapshot::decode(&stored).expect("decode"), s);
    }

    #[test]
    fn snapshots_stored_as_json_before_0008_are_still_read() {
        let s = sample();
        let json = serde_json::to_vec(&s).expect("json");
        assert_eq!(Snapshot::decode(&json).expect("legacy"), s);
    }

    #[test]
    fn a_corrupt_stored_snapshot_is_refused_by_name() {
        let mut truncated = sample().encode();
        truncated.truncate(truncated.len() - 1);
        for bad in [truncated, b"{\"epoch\": 3".to_vec(), Vec::new()] {
            let err = Snapshot::decode(&bad).expect_err("corrupt");
            assert!(err.to_string().starts_with("stored snapshot is corrupt: "), "{err}");
        }
    }
}
