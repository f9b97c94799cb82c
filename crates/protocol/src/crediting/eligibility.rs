//! One node's credit and whether the manifest lists it (PROTOCOL.md §9.3, §9.6).

use std::ops::Range;

use crate::crediting::energy::BindingEnergy;
use crate::crediting::green::{node_green, NodeGreen};
use crate::crediting::inputs::{Chain, ChallengeTally, NodeInput, NodeKind};
use crate::crediting::work::NodeWork;
use crate::crediting::{sat64, RejectReason};

/// A node's energy for the epoch: its bindings and the node-level caps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeEnergy {
    /// Bindings with a reading timestamped in the epoch, by device key.
    pub bindings: Vec<BindingEnergy>,
    /// Σ of the bindings' credited Wh.
    pub sum_wh: u64,
    /// `⌊capacity(e).energy_wp × L × max_capacity_factor_bps / (3600 × 10⁴)⌋`.
    pub capacity_factor_cap_wh: u64,
    /// `⌊stake(e) × wh_per_staked_token / 10^stake_decimals⌋`.
    pub stake_cap_wh: u64,
    /// `min(sum, capacity-factor cap, stake cap)`: the manifest's `energy_wh`.
    pub credited_wh: u64,
}

/// Everything decided about one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeCredit {
    pub node: [u8; 32],
    pub node_id: u64,
    pub kind: NodeKind,
    /// `stake(e)`, `recipient(e)` from the view.
    pub stake: u64,
    pub recipient: [u8; 32],
    /// `min_stake(kind, e)`.
    pub min_stake: u64,
    pub energy: NodeEnergy,
    pub work: NodeWork,
    pub green: NodeGreen,
    pub challenges: ChallengeTally,
    /// `None` if the node is listed, else `StakeBelowMinimum` or `NothingCredited`.
    pub not_listed: Option<RejectReason>,
}

/// What one binding contributes to its node, decided when its key's readings were fed
/// ([`crate::crediting::fed::EpochCrediting::add_device`]).
pub(crate) struct BindingPart {
    pub node: [u8; 32],
    /// Boxed: freed as each node takes its bindings, so the outcomes are not held twice.
    pub energy: Box<BindingEnergy>,
    /// The binding's judged identities (`J`) in the crediting's list.
    pub judged: Range<usize>,
    /// Hybrid nodes' bindings that were not zeroed: the hour buckets and the consumed
    /// increase `T.consumed − low.consumed` (§9.4).
    pub green: Option<(Vec<(u128, u128)>, u128)>,
}

/// `⌊capacity(e).energy_wp × L × max_capacity_factor_bps / (3600 × 10⁴)⌋` of `node` (§9.3).
pub(crate) fn capacity_factor_cap(chain: &Chain<'_>, node: &NodeInput) -> u128 {
    let epoch_seconds = u128::try_from(chain.end.saturating_sub(chain.start)).unwrap_or(0);
    u128::from(node.view.capacity.energy_wp)
        .saturating_mul(epoch_seconds)
        .saturating_mul(u128::from(chain.inputs.params.max_capacity_factor_bps))
        .checked_div(36_000_000)
        .unwrap_or(0)
}

/// Energy (with green buckets) and eligibility of one node from its `count` bindings' parts
/// (in key order); `ranges` receives where their judged identities are.
#[allow(clippy::too_many_arguments)]
pub(crate) fn node_credit(
    chain: &Chain<'_>,
    node: &NodeInput,
    edges: &[i64],
    bindings: impl Iterator<Item = BindingPart>,
    count: usize,
    ranges: &mut Vec<Range<usize>>,
    work: NodeWork,
    energy_stake_cap: u128,
) -> NodeCredit {
    let inputs = chain.inputs;
    let capacity_factor_cap = capacity_factor_cap(chain, node);
    let hybrid = node.kind == NodeKind::Hybrid;
    // Sized for the bindings: a vector's first push reserves four of its elements, which
    // for `BindingEnergy` is over a kilobyte per node.
    let mut energy = NodeEnergy { bindings: Vec::with_capacity(count), ..Default::default() };
    let mut buckets = Vec::new();
    let mut sum: u128 = 0;
    let mut consumed: u128 = 0;
    for part in bindings {
        ranges.push(part.judged);
        if let Some((binding_buckets, binding_consumed)) = part.green {
            buckets.push(binding_buckets);
            consumed = consumed.saturating_add(binding_consumed);
        }
        sum = sum.saturating_add(u128::from(part.energy.credited_wh));
        energy.bindings.push(*part.energy);
    }
    let after_capacity = sum.min(capacity_factor_cap);
    energy.sum_wh = sat64(sum);
    energy.capacity_factor_cap_wh = sat64(capacity_factor_cap);
    energy.stake_cap_wh = sat64(energy_stake_cap);
    energy.credited_wh = sat64(after_capacity.min(energy_stake_cap));
    let green = if hybrid {
        node_green(edges, &buckets, consumed, after_capacity)
    } else {
        NodeGreen::default()
    };
    let min_stake = inputs.min_stake.get(node.kind.index()).copied().unwrap_or(u64::MAX);
    let not_listed = if node.view.stake < min_stake {
        Some(RejectReason::StakeBelowMinimum)
    } else if energy.credited_wh == 0 && work.credited_units == 0 {
        Some(RejectReason::NothingCredited)
    } else {
        None
    };
    NodeCredit {
        node: node.node,
        node_id: node.node_id,
        kind: node.kind,
        stake: node.view.stake,
        recipient: node.view.recipient,
        min_stake,
        energy,
        work,
        green,
        challenges: node.challenges,
        not_listed,
    }
}
