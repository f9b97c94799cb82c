//! The reward formula (PROTOCOL.md §3) and the epoch manifest (§5).
//!
//! One epoch's emission `E` is split into a compute pool (`compute_pool_bps` of `E`, rounded
//! down) and an energy pool (the rest). The compute pool is shared by compute weight: a
//! node's credited work (capped at `work_per_staked_token` per whole staked token) × 10⁴,
//! plus `green_bonus_bps` for the part of it covered by matched clean energy (green compute,
//! at most `matched_wh × max_work_per_wh` units). The energy pool is shared by credited clean
//! energy in Wh (capped at `wh_per_staked_token` per whole staked token) × 10⁴. Each node's
//! share is rounded down; what rounding leaves over (and a pool nobody qualifies for) is
//! dust: never minted, never carried over.
//! Node rewards are summed per reward recipient and added to the recipients' cumulative
//! amounts, which are the leaves of the epoch's Merkle tree (§4).
//!
//! The manifest lists every input, so anyone can replay all finalized manifests in order and
//! recompute each epoch's root, `cumulative_total`, `recipient_count` and `manifest_hash`.

use borsh::{BorshDeserialize, BorshSerialize};

use crate::deployment::BPS_DENOMINATOR;
use crate::merkle::{CumulativeTree, Hash32, MerkleError};

mod borsh_hash;
mod formula;
mod muldiv;
mod radix;
mod sums;

use formula::{Formula, Shares};
pub use muldiv::mul_div_floor;
use radix::Buckets;
use sums::key_order;
pub use sums::{accumulate, accumulate_into, sum_by_recipient, RecipientAmounts};

/// Largest green bonus: green compute weighs at most twice as much as other compute.
pub const MAX_GREEN_BONUS_BPS: u16 = 10_000;
/// Largest number of stake-mint decimals (10¹⁹ is the first power of ten above `u64::MAX`).
pub const MAX_STAKE_DECIMALS: u8 = 19;
/// The manifest format (v2: crediting results, `inputs_root`, `corrections_hash`).
pub const MANIFEST_VERSION: u8 = 2;

/// The off-chain reward parameters, stored in the rewards program's config so every oracle
/// applies the same values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct RewardParams {
    /// Share of each epoch's emission for the compute pool (the rest is the energy pool).
    pub compute_pool_bps: u16,
    /// Extra weight of green compute (work covered by matched clean energy), in bps on top
    /// of 10⁴.
    pub green_bonus_bps: u16,
    /// Creditable work units per whole staked token per epoch.
    pub work_per_staked_token: u64,
    /// Creditable energy (Wh) per whole staked token per epoch: no node earns more than it
    /// can lose.
    pub wh_per_staked_token: u64,
    /// Largest plausible capacity factor over an epoch, in bps: a node is credited at most
    /// `energy_wp × epoch hours × max_capacity_factor_bps / 10⁴` Wh per epoch.
    pub max_capacity_factor_bps: u16,
    /// Work units the green bonus can cover per Wh of matched clean energy (green compute).
    pub max_work_per_wh: u64,
}

/// Why reward parameters or inputs are invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RewardError {
    ComputeShareAboveDenominator,
    GreenBonusTooLarge,
    CapacityFactorAboveDenominator,
    StakeDecimalsTooLarge,
    /// Nodes must be listed strictly increasing by node key; this index breaks the order.
    NodesNotStrictlySorted {
        index: usize,
    },
    /// A sum left the integer range (not reachable with `u64` inputs and `u64` emission).
    Overflow,
    /// The manifest's `version` is not [`MANIFEST_VERSION`].
    UnknownManifestVersion,
    /// The manifest does not continue the given previous state.
    PreviousStateMismatch,
    /// Building the Merkle tree failed.
    Merkle(MerkleError),
}

impl RewardParams {
    pub fn validate(&self) -> Result<(), RewardError> {
        if u64::from(self.compute_pool_bps) > BPS_DENOMINATOR {
            return Err(RewardError::ComputeShareAboveDenominator);
        }
        if self.green_bonus_bps > MAX_GREEN_BONUS_BPS {
            return Err(RewardError::GreenBonusTooLarge);
        }
        if u64::from(self.max_capacity_factor_bps) > BPS_DENOMINATOR {
            return Err(RewardError::CapacityFactorAboveDenominator);
        }
        Ok(())
    }
}

/// One node's credited inputs for one epoch, as listed in the manifest (116 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct NodeEpochInput {
    /// The node's account address (its identity in the registry).
    pub node: [u8; 32],
    /// `recipient(e)`: owner of the token account the node's rewards are paid to.
    pub recipient: [u8; 32],
    /// `stake(e)`, in base units of the stake mint.
    pub stake: u64,
    /// Credited work units (§9.5).
    pub work_units: u64,
    /// Credited clean energy produced, Wh (§9.3).
    pub energy_wh: u64,
    /// Energy consumed by the compute hardware, Wh (§9.4; 0 unless hybrid).
    pub consumed_wh: u64,
    /// Clean energy produced and consumed in the same hour, Wh (§9.4).
    pub matched_wh: u64,
    /// Reserved for the challenge protocol (0 until defined; issued = 0 ⇒ pass rate 1).
    pub challenges_issued: u32,
    pub challenges_passed: u32,
    pub challenges_void: u32,
}

/// One node's reward for one epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeReward {
    /// Work counted for the compute pool: `min(work_units, cap)`.
    pub creditable_work: u64,
    /// Part of `creditable_work` that earns the green bonus.
    pub green_work: u64,
    /// Energy counted for the energy pool: `min(energy_wh, cap)`.
    pub creditable_energy: u64,
    pub compute_reward: u64,
    pub energy_reward: u64,
}

impl NodeReward {
    pub fn total(&self) -> u64 {
        // Both shares come from disjoint parts of one u64 emission.
        self.compute_reward.saturating_add(self.energy_reward)
    }
}

/// The outcome of the formula for one epoch.
///
/// Each node's reward is a function of its own inputs and the epoch's totals, so the
/// per-node breakdown is computed on request ([`EpochRewards::node_reward`]) rather than
/// stored for every node: closing an epoch only needs the per-recipient sums.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochRewards {
    pub compute_pool: u64,
    pub energy_pool: u64,
    /// Σ compute weights of all nodes: the compute shares' denominator.
    pub compute_weight_total: u128,
    /// Σ energy weights of all nodes: the energy shares' denominator.
    pub energy_weight_total: u128,
    /// This epoch's reward per recipient, sorted by recipient (recipients with zero left out).
    pub per_recipient: RecipientAmounts,
    /// Sum of all node rewards: the increase of `cumulative_total`.
    pub paid: u64,
    /// `emission − paid`: never minted.
    pub dust: u64,
    shares: Shares,
}

impl EpochRewards {
    /// The reward of `node`, one of the inputs this epoch was computed from (for any other
    /// input the result means nothing).
    pub fn node_reward(&self, node: &NodeEpochInput) -> Result<NodeReward, RewardError> {
        self.shares.node_reward(node)
    }

    /// [`Self::node_reward`] of every node, in order.
    pub fn node_rewards(&self, nodes: &[NodeEpochInput]) -> Result<Vec<NodeReward>, RewardError> {
        nodes.iter().map(|node| self.node_reward(node)).collect()
    }
}

/// Applies the formula to one epoch. `nodes` must be strictly sorted by node key.
pub fn compute_epoch_rewards(
    params: &RewardParams,
    stake_decimals: u8,
    emission: u64,
    nodes: &[NodeEpochInput],
) -> Result<EpochRewards, RewardError> {
    let formula = Formula::new(params, stake_decimals)?;
    let (compute_pool, energy_pool) = formula.pools(emission)?;
    // One pass: the order check, the weight totals, and per first byte of the recipient an
    // upper bound on the nodes that can be paid (those with a weight).
    let (mut compute_weight_total, mut energy_weight_total) = (0u128, 0u128);
    let mut payable = [0usize; 256];
    let mut previous: Option<&[u8; 32]> = None;
    for (index, node) in nodes.iter().enumerate() {
        if previous.is_some_and(|p| key_order(p, &node.node).is_ge()) {
            return Err(RewardError::NodesNotStrictlySorted { index });
        }
        previous = Some(&node.node);
        let w = formula.weigh(node)?;
        compute_weight_total =
            compute_weight_total.checked_add(w.compute_weight).ok_or(RewardError::Overflow)?;
        energy_weight_total =
            energy_weight_total.checked_add(w.energy_weight).ok_or(RewardError::Overflow)?;
        if w.compute_weight > 0 || w.energy_weight > 0 {
            let bucket = &mut payable[usize::from(node.recipient[0])];
            *bucket = bucket.wrapping_add(1); // at most nodes.len()
        }
    }
    let shares =
        Shares { formula, compute_pool, energy_pool, compute_weight_total, energy_weight_total };
    // Second pass: each node's reward (weights recomputed: at a million nodes a stored copy
    // costs more in fresh memory than the arithmetic), summed per recipient.
    let mut sums = Buckets::new(&payable)?;
    let mut paid: u64 = 0;
    for node in nodes {
        let reward = shares.node_reward(node)?;
        let amount =
            reward.compute_reward.checked_add(reward.energy_reward).ok_or(RewardError::Overflow)?;
        paid = paid.checked_add(amount).ok_or(RewardError::Overflow)?;
        if amount > 0 {
            sums.push(node.recipient, amount)?;
        }
    }
    let per_recipient = sums.into_sums()?;
    let dust = emission.checked_sub(paid).ok_or(RewardError::Overflow)?;
    Ok(EpochRewards {
        compute_pool,
        energy_pool,
        compute_weight_total,
        energy_weight_total,
        per_recipient,
        paid,
        dust,
        shares,
    })
}

/// The published inputs of one epoch. `manifest_hash = SHA-256(borsh(manifest))`.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct EpochManifest {
    /// [`MANIFEST_VERSION`].
    pub version: u8,
    /// The node-staking program of the deployment (stake, views, bindings).
    pub node_staking_program: [u8; 32],
    /// The rewards program this epoch belongs to (one deployment's manifests never fit
    /// another's).
    pub rewards_program: [u8; 32],
    pub epoch: u64,
    /// `[epoch_start, epoch_end)` as defined in §2.
    pub epoch_start: i64,
    pub epoch_end: i64,
    /// The epoch's emission `E` (§2, hard cap applied).
    pub emission: u64,
    /// The parameters read from the rewards config for this epoch.
    pub params: RewardParams,
    /// Decimals of the stake mint (immutable), read from the mint account.
    pub stake_decimals: u8,
    /// Merkle root over the identities of the inputs considered (§9.8).
    pub inputs_root: Hash32,
    /// The correction document in force (`veto_epoch`'s reason), zero for none (§9.7).
    pub corrections_hash: Hash32,
    /// Hash of the manifest of the previous finalized epoch (zero for epoch 0).
    pub previous_manifest_hash: Hash32,
    /// `cumulative_total` of the previous finalized epoch (0 for epoch 0).
    pub previous_cumulative_total: u64,
    /// Every listed node (§9.6) with its inputs, strictly increasing by `node`.
    pub nodes: Vec<NodeEpochInput>,
}

impl EpochManifest {
    /// `SHA-256(borsh(self))`, the `manifest_hash` voted on chain.
    pub fn hash(&self) -> Hash32 {
        // Header and nodes have fixed lengths, so defaults measure them (a capacity hint).
        let node = borsh::object_length(&NodeEpochInput::default()).unwrap_or(0);
        let len = borsh::object_length(&EpochManifest::default())
            .unwrap_or(0)
            .saturating_add(node.saturating_mul(self.nodes.len()));
        borsh_hash::sha256_of_borsh(self, len)
    }
}

/// Everything an oracle reports for an epoch, derived from the manifests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochReport {
    pub epoch: u64,
    pub root: Hash32,
    pub cumulative_total: u64,
    pub recipient_count: u64,
    pub manifest_hash: Hash32,
}

/// The state carried from one finalized epoch to the next when replaying manifests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CumulativeState {
    /// Cumulative amount per recipient, sorted by recipient (only non-zero amounts).
    pub cumulative: RecipientAmounts,
    pub cumulative_total: u64,
    /// Hash of the last applied manifest (zero before the first).
    pub last_manifest_hash: Hash32,
}

impl CumulativeState {
    /// Cumulative amount of `recipient` (0 if it has none).
    pub fn amount_of(&self, recipient: &[u8; 32]) -> u64 {
        self.cumulative
            .binary_search_by(|(r, _)| r.cmp(recipient))
            .ok()
            .and_then(|i| self.cumulative.get(i))
            .map_or(0, |(_, amount)| *amount)
    }

    /// Applies a manifest that continues this state and returns the epoch's report and tree.
    /// The manifest must name this state's total and last manifest hash.
    pub fn apply(
        &mut self,
        manifest: &EpochManifest,
    ) -> Result<(EpochReport, CumulativeTree), RewardError> {
        if manifest.version != MANIFEST_VERSION {
            return Err(RewardError::UnknownManifestVersion);
        }
        if manifest.previous_cumulative_total != self.cumulative_total
            || manifest.previous_manifest_hash != self.last_manifest_hash
        {
            return Err(RewardError::PreviousStateMismatch);
        }
        let rewards = compute_epoch_rewards(
            &manifest.params,
            manifest.stake_decimals,
            manifest.emission,
            &manifest.nodes,
        )?;
        let cumulative = accumulate_into(&self.cumulative, rewards.per_recipient)?;
        let total = self.cumulative_total.checked_add(rewards.paid).ok_or(RewardError::Overflow)?;
        let tree = CumulativeTree::new(cumulative).map_err(RewardError::Merkle)?;
        let manifest_hash = manifest.hash();
        let report = EpochReport {
            epoch: manifest.epoch,
            root: tree.root(),
            cumulative_total: total,
            recipient_count: u64::try_from(tree.len()).map_err(|_| RewardError::Overflow)?,
            manifest_hash,
        };
        // Copied into the state's own (already faulted-in) buffer rather than a fresh one.
        self.cumulative.clear();
        self.cumulative.extend_from_slice(tree.entries());
        self.cumulative_total = total;
        self.last_manifest_hash = manifest_hash;
        Ok((report, tree))
    }
}

#[cfg(test)]
mod tests;
