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
mod muldiv;
mod sums;

pub use muldiv::mul_div_floor;
pub use sums::{accumulate, sum_by_recipient, RecipientAmounts};

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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochRewards {
    pub compute_pool: u64,
    pub energy_pool: u64,
    /// One entry per input node, in the same order as the inputs.
    pub nodes: Vec<NodeReward>,
    /// This epoch's reward per recipient, sorted by recipient (recipients with zero left out).
    pub per_recipient: RecipientAmounts,
    /// Sum of all node rewards: the increase of `cumulative_total`.
    pub paid: u64,
    /// `emission − paid`: never minted.
    pub dust: u64,
}

/// One node's counted amounts and pool weights inside [`compute_epoch_rewards`].
struct Weights {
    credit: u128,
    green: u128,
    energy: u128,
    compute_weight: u128,
    energy_weight: u128,
}

/// Applies the formula to one epoch. `nodes` must be strictly sorted by node key.
pub fn compute_epoch_rewards(
    params: &RewardParams,
    stake_decimals: u8,
    emission: u64,
    nodes: &[NodeEpochInput],
) -> Result<EpochRewards, RewardError> {
    params.validate()?;
    if stake_decimals > MAX_STAKE_DECIMALS {
        return Err(RewardError::StakeDecimalsTooLarge);
    }
    for index in 1..nodes.len() {
        let (prev, cur) = (nodes.get(index.wrapping_sub(1)), nodes.get(index));
        if let (Some(prev), Some(cur)) = (prev, cur) {
            if prev.node >= cur.node {
                return Err(RewardError::NodesNotStrictlySorted { index });
            }
        }
    }
    let bps = u128::from(BPS_DENOMINATOR);
    let compute_pool = u64::try_from(
        u128::from(emission)
            .checked_mul(u128::from(params.compute_pool_bps))
            .and_then(|v| v.checked_div(bps))
            .ok_or(RewardError::Overflow)?,
    )
    .map_err(|_| RewardError::Overflow)?;
    let energy_pool = emission.checked_sub(compute_pool).ok_or(RewardError::Overflow)?;

    let token = 10u128.checked_pow(u32::from(stake_decimals)).ok_or(RewardError::Overflow)?;
    let stake_cap = |stake: u64, per_token: u64| {
        u128::from(stake)
            .checked_mul(u128::from(per_token))
            .and_then(|v| v.checked_div(token))
            .ok_or(RewardError::Overflow)
    };
    // One node's counted amounts and pool weights. Computed twice (for the totals, then for
    // the shares) rather than stored: at a million nodes a stored copy costs more in fresh
    // memory than the arithmetic.
    let weigh = |node: &NodeEpochInput| -> Result<Weights, RewardError> {
        let credit =
            u128::from(node.work_units).min(stake_cap(node.stake, params.work_per_staked_token)?);
        let energy =
            u128::from(node.energy_wh).min(stake_cap(node.stake, params.wh_per_staked_token)?);
        // matched × max_work_per_wh < 2¹²⁸; the weights below stay under 2⁸⁰ per node.
        let green = u128::from(node.matched_wh)
            .checked_mul(u128::from(params.max_work_per_wh))
            .ok_or(RewardError::Overflow)?
            .min(credit);
        let compute_weight = credit
            .checked_mul(bps)
            .zip(green.checked_mul(u128::from(params.green_bonus_bps)))
            .and_then(|(a, b)| a.checked_add(b))
            .ok_or(RewardError::Overflow)?;
        let energy_weight = energy.checked_mul(bps).ok_or(RewardError::Overflow)?;
        Ok(Weights { credit, green, energy, compute_weight, energy_weight })
    };
    let (mut total_credit, mut total_weight) = (0u128, 0u128);
    for node in nodes {
        let w = weigh(node)?;
        total_credit = total_credit.checked_add(w.compute_weight).ok_or(RewardError::Overflow)?;
        total_weight = total_weight.checked_add(w.energy_weight).ok_or(RewardError::Overflow)?;
    }

    let share = |pool: u64, part: u128, whole: u128| -> Result<u64, RewardError> {
        if whole == 0 {
            return Ok(0);
        }
        let value = mul_div_floor(u128::from(pool), part, whole).ok_or(RewardError::Overflow)?;
        u64::try_from(value).map_err(|_| RewardError::Overflow)
    };

    let mut rewards = Vec::with_capacity(nodes.len());
    let mut per_recipient = Vec::with_capacity(nodes.len());
    let mut paid: u64 = 0;
    let to_u64 = |v: u128| u64::try_from(v).map_err(|_| RewardError::Overflow);
    for node in nodes {
        let w = weigh(node)?;
        let reward = NodeReward {
            creditable_work: to_u64(w.credit)?,
            green_work: to_u64(w.green)?,
            creditable_energy: to_u64(w.energy)?,
            compute_reward: share(compute_pool, w.compute_weight, total_credit)?,
            energy_reward: share(energy_pool, w.energy_weight, total_weight)?,
        };
        let amount =
            reward.compute_reward.checked_add(reward.energy_reward).ok_or(RewardError::Overflow)?;
        paid = paid.checked_add(amount).ok_or(RewardError::Overflow)?;
        if amount > 0 {
            per_recipient.push((node.recipient, amount));
        }
        rewards.push(reward);
    }
    let per_recipient = sum_by_recipient(per_recipient)?;
    let dust = emission.checked_sub(paid).ok_or(RewardError::Overflow)?;
    Ok(EpochRewards { compute_pool, energy_pool, nodes: rewards, per_recipient, paid, dust })
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
        let cumulative = accumulate(&self.cumulative, &rewards.per_recipient)?;
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
#[allow(clippy::arithmetic_side_effects)] // test arithmetic on small known values
mod tests {
    use super::*;
    use rand::{rngs::StdRng, Rng, SeedableRng};
    use solana_sha256_hasher::hashv;

    fn k(n: u8) -> [u8; 32] {
        [n; 32]
    }

    fn params() -> RewardParams {
        RewardParams {
            compute_pool_bps: 6_000,
            green_bonus_bps: 5_000,
            work_per_staked_token: 10,
            wh_per_staked_token: 100,
            max_capacity_factor_bps: 10_000,
            max_work_per_wh: 2,
        }
    }

    fn node(
        n: u8,
        recipient: u8,
        stake_tokens: u64,
        work: u64,
        wh: u64,
        matched: u64,
    ) -> NodeEpochInput {
        NodeEpochInput {
            node: k(n),
            recipient: k(recipient),
            stake: stake_tokens * 1_000_000,
            work_units: work,
            energy_wh: wh,
            consumed_wh: matched,
            matched_wh: matched,
            ..NodeEpochInput::default()
        }
    }

    /// Per-recipient amounts from the node rewards (independent of `per_recipient`'s type).
    fn amount_of(r: &EpochRewards, nodes: &[NodeEpochInput], recipient: u8) -> u64 {
        let of_recipient = r.nodes.iter().zip(nodes).filter(|(_, n)| n.recipient == k(recipient));
        of_recipient.map(|(reward, _)| reward.total()).sum()
    }

    #[test]
    fn worked_example() {
        // PROTOCOL.md §3. E = 1,000,000: compute pool 600,000, energy pool 400,000.
        let nodes = [
            // 5 tokens → work cap 50: credit 50; weight 50 × 10⁴.
            node(1, 10, 5, 80, 0, 0),
            // 100 tokens: credit 150; green work min(150, 40 × 2) = 80;
            // weight 150 × 10⁴ + 80 × 5,000 = 1,900,000; energy 1,000 × 10⁴.
            node(2, 10, 100, 150, 1_000, 40),
            // 20 tokens → caps 200 work and 2,000 Wh: weights 2,000,000 and 20,000,000.
            node(3, 20, 20, 500, 3_000, 0),
        ];
        let r = compute_epoch_rewards(&params(), 6, 1_000_000, &nodes).unwrap();
        assert_eq!((r.compute_pool, r.energy_pool), (600_000, 400_000));
        let col = |f: fn(&NodeReward) -> u64| r.nodes.iter().map(f).collect::<Vec<_>>();
        assert_eq!(col(|n| n.creditable_work), vec![50, 150, 200]);
        assert_eq!(col(|n| n.green_work), vec![0, 80, 0]);
        assert_eq!(col(|n| n.creditable_energy), vec![0, 1_000, 2_000]);
        // 600,000 × {0.5, 1.9, 2.0} / 4.4 = 68,181.8, 259,090.9, 272,727.3 (rounded down).
        assert_eq!(col(|n| n.compute_reward), vec![68_181, 259_090, 272_727]);
        // 400,000 × {1, 2} / 3 = 133,333.3, 266,666.7 (rounded down).
        assert_eq!(col(|n| n.energy_reward), vec![0, 133_333, 266_666]);
        assert_eq!((r.paid, r.dust), (999_997, 3));
        assert_eq!((amount_of(&r, &nodes, 10), amount_of(&r, &nodes, 20)), (460_604, 539_393));
        assert_eq!(r.per_recipient, vec![(k(10), 460_604), (k(20), 539_393)]);
    }

    #[test]
    fn green_bonus_needs_matched_energy_and_is_capped_by_credit() {
        let p = RewardParams { max_work_per_wh: 1_000, ..params() };
        // Same work and stake; only node 2 matched clean energy (enough for all its work).
        let nodes = [node(1, 1, 100, 100, 0, 0), node(2, 2, 100, 100, 0, 1_000)];
        let r = compute_epoch_rewards(&p, 6, 2_500_000, &nodes).unwrap();
        assert_eq!(r.nodes[1].green_work, 100);
        // Weights 10⁶ and 1.5 × 10⁶ of the 1,500,000 compute pool.
        assert_eq!((r.nodes[0].compute_reward, r.nodes[1].compute_reward), (600_000, 900_000));
    }

    #[test]
    fn empty_pools_are_dust() {
        // Nobody delivered energy: the energy pool is not paid.
        let nodes = [node(1, 1, 10, 10, 0, 0)];
        let r = compute_epoch_rewards(&params(), 6, 1_000, &nodes).unwrap();
        assert_eq!((r.paid, r.dust), (600, 400));
        // Nobody at all: the whole emission is dust, nothing to pay.
        let r = compute_epoch_rewards(&params(), 6, 1_000, &[]).unwrap();
        assert_eq!((r.paid, r.dust), (0, 1_000));
        assert!(r.per_recipient.is_empty());
    }

    #[test]
    fn unsorted_or_duplicate_nodes_are_rejected() {
        let a = node(2, 1, 1, 1, 1, 0);
        let b = node(1, 1, 1, 1, 1, 0);
        assert_eq!(
            compute_epoch_rewards(&params(), 6, 10, &[a, b]),
            Err(RewardError::NodesNotStrictlySorted { index: 1 })
        );
        assert_eq!(
            compute_epoch_rewards(&params(), 6, 10, &[b, b]),
            Err(RewardError::NodesNotStrictlySorted { index: 1 })
        );
    }

    #[test]
    fn invalid_params_are_rejected() {
        let mut p = params();
        p.compute_pool_bps = 10_001;
        assert_eq!(p.validate(), Err(RewardError::ComputeShareAboveDenominator));
        let mut p = params();
        p.green_bonus_bps = MAX_GREEN_BONUS_BPS + 1;
        assert_eq!(p.validate(), Err(RewardError::GreenBonusTooLarge));
        let mut p = params();
        p.max_capacity_factor_bps = 10_001;
        assert_eq!(p.validate(), Err(RewardError::CapacityFactorAboveDenominator));
        assert_eq!(
            compute_epoch_rewards(&params(), 20, 10, &[]),
            Err(RewardError::StakeDecimalsTooLarge)
        );
    }

    #[test]
    fn extreme_inputs_never_overpay() {
        let p = RewardParams {
            compute_pool_bps: 5_000,
            green_bonus_bps: 10_000,
            work_per_staked_token: u64::MAX,
            wh_per_staked_token: u64::MAX,
            max_capacity_factor_bps: 10_000,
            max_work_per_wh: u64::MAX,
        };
        let nodes: Vec<NodeEpochInput> = (1..=4u8)
            .map(|i| NodeEpochInput {
                node: k(i),
                recipient: k(i),
                stake: u64::MAX,
                work_units: u64::MAX - u64::from(i),
                energy_wh: u64::MAX / u64::from(i),
                matched_wh: if i % 2 == 0 { u64::MAX } else { 0 },
                ..NodeEpochInput::default()
            })
            .collect();
        let r = compute_epoch_rewards(&p, 0, u64::MAX, &nodes).unwrap();
        assert_eq!(r.paid.checked_add(r.dust), Some(u64::MAX));
        assert!(r.nodes.iter().map(|n| n.compute_reward).sum::<u64>() <= r.compute_pool);
        assert!(r.nodes.iter().map(|n| n.energy_reward).sum::<u64>() <= r.energy_pool);
    }

    #[test]
    fn random_epochs_pay_at_most_emission_with_bounded_dust() {
        let mut rng = StdRng::seed_from_u64(0x7265_7761);
        for _ in 0..200 {
            let n = rng.gen_range(0..60usize);
            let mut nodes: Vec<NodeEpochInput> = (0..n)
                .map(|_| NodeEpochInput {
                    node: rng.gen(),
                    recipient: k(rng.gen_range(0..8)),
                    stake: rng.gen_range(0..1u64 << 50),
                    work_units: rng.gen_range(0..1u64 << 40),
                    energy_wh: rng.gen_range(0..1u64 << 40),
                    matched_wh: rng.gen_range(0..1u64 << 30),
                    ..NodeEpochInput::default()
                })
                .collect();
            nodes.sort_by_key(|n| n.node);
            nodes.dedup_by(|a, b| a.node == b.node);
            let p = RewardParams {
                compute_pool_bps: rng.gen_range(0..=10_000),
                green_bonus_bps: rng.gen_range(0..=MAX_GREEN_BONUS_BPS),
                work_per_staked_token: rng.gen_range(0..1_000),
                wh_per_staked_token: rng.gen_range(0..1_000),
                max_capacity_factor_bps: 10_000,
                max_work_per_wh: rng.gen_range(0..1_000),
            };
            let decimals = rng.gen_range(0..=9);
            let emission = rng.gen_range(0..1u64 << 62);
            let r = compute_epoch_rewards(&p, decimals, emission, &nodes).unwrap();
            assert_eq!(r.paid + r.dust, emission);
            assert_eq!(r.per_recipient.iter().map(|(_, a)| a).sum::<u64>(), r.paid);
            assert!(r.per_recipient.windows(2).all(|w| w[0].0 < w[1].0));
            assert!(r.per_recipient.iter().all(|(_, a)| *a > 0));
            // Floor rounding loses less than one unit per node and pool.
            let work_paid = r.nodes.iter().any(|x| x.creditable_work > 0);
            let energy_paid = r.nodes.iter().any(|x| x.creditable_energy > 0);
            let paying_pools = u64::from(work_paid) + u64::from(energy_paid);
            let unpaid_pools = (if work_paid { 0 } else { r.compute_pool })
                + (if energy_paid { 0 } else { r.energy_pool });
            assert!(r.dust < unpaid_pools + paying_pools * (nodes.len() as u64) + 1);
        }
    }

    fn manifest(epoch: u64, state: &CumulativeState, nodes: Vec<NodeEpochInput>) -> EpochManifest {
        EpochManifest {
            version: MANIFEST_VERSION,
            node_staking_program: k(0xDD),
            rewards_program: k(0xEE),
            epoch,
            epoch_start: 1_000 + 100 * epoch as i64,
            epoch_end: 1_100 + 100 * epoch as i64,
            emission: 1_000_000,
            params: params(),
            stake_decimals: 6,
            inputs_root: k(0xAA),
            corrections_hash: [0; 32],
            previous_manifest_hash: state.last_manifest_hash,
            previous_cumulative_total: state.cumulative_total,
            nodes,
        }
    }

    #[test]
    fn replaying_manifests_yields_cumulative_roots() {
        let mut state = CumulativeState::default();
        let m0 = manifest(0, &state, vec![node(1, 10, 5, 50, 0, 0), node(2, 20, 5, 0, 100, 0)]);
        let (r0, t0) = state.apply(&m0).unwrap();
        assert_eq!(r0.cumulative_total, 1_000_000);
        assert_eq!(r0.recipient_count, 2);
        assert_eq!(r0.root, t0.root());
        assert_eq!(r0.manifest_hash, m0.hash());
        assert_eq!(t0.amount_of(&k(10)), 600_000);

        // An epoch with nothing to pay: unchanged total and root.
        let m1 = manifest(1, &state, vec![]);
        let (r1, _) = state.apply(&m1).unwrap();
        assert_eq!((r1.root, r1.cumulative_total), (r0.root, r0.cumulative_total));
        assert_ne!(r1.manifest_hash, r0.manifest_hash);

        let m2 = manifest(2, &state, vec![node(1, 10, 5, 50, 0, 0)]);
        let (r2, t2) = state.apply(&m2).unwrap();
        assert_eq!(t2.amount_of(&k(10)), 1_200_000);
        assert_eq!(t2.amount_of(&k(20)), 400_000);
        assert_eq!(r2.cumulative_total, 1_600_000);

        // A manifest that does not continue the state is refused, and the state is unchanged.
        let stale = manifest(3, &CumulativeState::default(), vec![]);
        assert_eq!(state.apply(&stale).unwrap_err(), RewardError::PreviousStateMismatch);
        assert_eq!(state.cumulative_total, 1_600_000);
        let mut bad = manifest(3, &state, vec![]);
        bad.version = 1;
        assert_eq!(state.apply(&bad).unwrap_err(), RewardError::UnknownManifestVersion);
    }

    #[test]
    fn manifest_hash_is_sha256_of_borsh() {
        let m = manifest(0, &CumulativeState::default(), vec![node(1, 2, 3, 4, 5, 6)]);
        let bytes = borsh::to_vec(&m).unwrap();
        // version, two programs, epoch, start, end, emission, params (2+2+8+8+2+8), stake
        // decimals, inputs root, corrections hash, prev hash, prev total, vec length, one
        // node (32+32+8×5+4×3 = 116).
        assert_eq!(bytes.len(), 1 + 64 + 8 + 8 + 8 + 8 + 30 + 1 + 32 + 32 + 32 + 8 + 4 + 116);
        assert_eq!(bytes.len(), 236 + 116);
        assert_eq!(m.hash(), hashv(&[&bytes]).to_bytes());
        let mut other = m.clone();
        other.nodes[0].matched_wh = 5;
        assert_ne!(other.hash(), m.hash());
    }
}
