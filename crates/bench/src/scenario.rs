//! Deterministic epoch inputs for the bench.
//!
//! Recipient distribution (per node, drawn independently):
//! - 40 % solo operators: a recipient of their own;
//! - 50 % small operators: one of `N / 10` recipients (about 5 nodes each);
//! - 10 % fleets: one of `N / 10_000` recipients (about 1,000 nodes each).
//!
//! That gives about `N / 2` distinct recipients, not correlated with the node order. Node
//! values: 10 % without stake, stakes up to 10⁴ tokens (9 decimals), work up to 10⁶ units,
//! energy for half of the nodes up to 10⁵ Wh, 30 % hybrid (consume energy, part of it
//! matched clean energy). Two epochs are drawn over the same nodes: epoch 0 builds the
//! previous cumulative state, epoch 1 is the one timed.

use gridmint_protocol::rewards::{
    CumulativeState, EpochManifest, NodeEpochInput, RewardParams, MANIFEST_VERSION,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Seed of every bench input.
pub const SEED: u64 = 0x6772_6964_6265_6e63;
/// Stake mint decimals of the bench deployment.
pub const STAKE_DECIMALS: u8 = 9;
/// Emission per epoch: 10⁶ tokens at 9 decimals.
pub const EMISSION: u64 = 1_000_000_000_000_000;

/// Reward parameters of the bench deployment.
pub fn params() -> RewardParams {
    RewardParams {
        compute_pool_bps: 6_000,
        green_bonus_bps: 5_000,
        work_per_staked_token: 1_000,
        wh_per_staked_token: 100,
        max_capacity_factor_bps: 3_000,
        max_work_per_wh: 10,
    }
}

/// The node keys and each node's recipient, fixed across epochs.
pub struct Fleet {
    /// Strictly increasing node keys.
    pub nodes: Vec<[u8; 32]>,
    /// `recipients[i]` is paid for `nodes[i]`.
    pub recipients: Vec<[u8; 32]>,
}

impl Fleet {
    /// `n` nodes with the recipient distribution described in the module docs.
    pub fn generate(n: usize, rng: &mut StdRng) -> Self {
        let small: Vec<[u8; 32]> = (0..(n / 10).max(1)).map(|_| rng.gen()).collect();
        let fleets: Vec<[u8; 32]> = (0..(n / 10_000).max(1)).map(|_| rng.gen()).collect();
        let mut nodes: Vec<[u8; 32]> = (0..n).map(|_| rng.gen()).collect();
        nodes.sort_unstable();
        nodes.dedup();
        let recipients = nodes
            .iter()
            .map(|_| match rng.gen_range(0..10u8) {
                0..=3 => rng.gen(),
                4..=8 => small[rng.gen_range(0..small.len())],
                _ => fleets[rng.gen_range(0..fleets.len())],
            })
            .collect();
        Self { nodes, recipients }
    }

    /// One epoch's random inputs for every node.
    pub fn epoch_inputs(&self, rng: &mut StdRng) -> Vec<NodeEpochInput> {
        let token = 10u64.pow(u32::from(STAKE_DECIMALS));
        self.nodes
            .iter()
            .zip(&self.recipients)
            .map(|(node, recipient)| {
                let energy_wh = if rng.gen_bool(0.5) { rng.gen_range(1..=100_000) } else { 0 };
                let consumed_wh = if rng.gen_bool(0.3) { rng.gen_range(1..=50_000) } else { 0 };
                NodeEpochInput {
                    node: *node,
                    recipient: *recipient,
                    stake: if rng.gen_bool(0.1) { 0 } else { rng.gen_range(1..=10_000u64) * token },
                    work_units: rng.gen_range(0..=1_000_000),
                    energy_wh,
                    consumed_wh,
                    matched_wh: rng.gen_range(0..=energy_wh.min(consumed_wh)),
                    ..NodeEpochInput::default()
                }
            })
            .collect()
    }
}

/// The manifest of `epoch` continuing `state`.
pub fn manifest(epoch: u64, state: &CumulativeState, nodes: Vec<NodeEpochInput>) -> EpochManifest {
    let start = 1_700_000_000i64.saturating_add(i64::try_from(epoch).unwrap_or(0) * 86_400);
    EpochManifest {
        version: MANIFEST_VERSION,
        node_staking_program: [0xB6; 32],
        rewards_program: [0xB7; 32],
        epoch,
        epoch_start: start,
        epoch_end: start + 86_400,
        emission: EMISSION,
        params: params(),
        stake_decimals: STAKE_DECIMALS,
        inputs_root: [0xB8; 32],
        corrections_hash: [0; 32],
        previous_manifest_hash: state.last_manifest_hash,
        previous_cumulative_total: state.cumulative_total,
        nodes,
    }
}

/// The timed epoch and the state it continues.
pub struct Scenario {
    /// State after epoch 0.
    pub previous: CumulativeState,
    /// Epoch 1's manifest, continuing `previous`.
    pub manifest: EpochManifest,
}

impl Scenario {
    /// `n` nodes from `seed`; epoch 0 is applied (untimed) to build the previous state.
    pub fn generate(n: usize, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let fleet = Fleet::generate(n, &mut rng);
        let mut previous = CumulativeState::default();
        let m0 = manifest(0, &previous, fleet.epoch_inputs(&mut rng));
        previous.apply(&m0).expect("bench epoch 0 applies");
        let manifest = manifest(1, &previous, fleet.epoch_inputs(&mut rng));
        Self { previous, manifest }
    }
}
