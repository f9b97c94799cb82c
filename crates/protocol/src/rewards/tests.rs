#![allow(clippy::arithmetic_side_effects)] // test arithmetic on small known values
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
    let rewards = r.node_rewards(nodes).unwrap();
    let of_recipient = rewards.iter().zip(nodes).filter(|(_, n)| n.recipient == k(recipient));
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
    let col = |f: fn(&NodeReward) -> u64| {
        r.node_rewards(&nodes).unwrap().iter().map(f).collect::<Vec<_>>()
    };
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
    assert_eq!(r.node_rewards(&nodes).unwrap()[1].green_work, 100);
    // Weights 10⁶ and 1.5 × 10⁶ of the 1,500,000 compute pool.
    assert_eq!(
        (
            r.node_rewards(&nodes).unwrap()[0].compute_reward,
            r.node_rewards(&nodes).unwrap()[1].compute_reward
        ),
        (600_000, 900_000)
    );
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
    assert!(
        r.node_rewards(&nodes).unwrap().iter().map(|n| n.compute_reward).sum::<u64>()
            <= r.compute_pool
    );
    assert!(
        r.node_rewards(&nodes).unwrap().iter().map(|n| n.energy_reward).sum::<u64>()
            <= r.energy_pool
    );
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
        let work_paid = r.node_rewards(&nodes).unwrap().iter().any(|x| x.creditable_work > 0);
        let energy_paid = r.node_rewards(&nodes).unwrap().iter().any(|x| x.creditable_energy > 0);
        let paying_pools = u64::from(work_paid) + u64::from(energy_paid);
        let unpaid_pools = (if work_paid { 0 } else { r.compute_pool })
            + (if energy_paid { 0 } else { r.energy_pool });
        assert!(r.dust < unpaid_pools + paying_pools * (nodes.len() as u64) + 1);
        // The per-node breakdown adds up to what was paid per recipient.
        let per_node = r.node_rewards(&nodes).unwrap();
        assert_eq!(per_node.iter().map(NodeReward::total).sum::<u64>(), r.paid);
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
