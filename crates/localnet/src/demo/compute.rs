//! The compute half of the demo: compute challenges switched on, a registered requester, a
//! Compute node and a Hybrid node that computes on its own solar. Sized so that on two busy
//! cores of a debug build a challenge is proven well inside its deadline and every job fits
//! the node's capacity allowance (§9.5.2 rule 7).

use anyhow::{Context, Result};
use gridmint_protocol::emission::EpochClock;
use gridmint_sdk::chain::{ChainExt, RpcChain};
use gridmint_sdk::node_staking::{self as staking, Capacity, NodeKind, RegisterRequesterArgs};
use gridmint_sdk::rewards::{self as rw, ChallengeSettings};
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_signer::Signer;

use super::{send, Demo};

/// Both compute nodes' registered capacity: 10 work units (10⁷ multiply-adds) a second, so a
/// one-second challenge is a ~10⁷ multiply-add product and an epoch of `L` seconds credits at
/// most `⌊36,000 × L / 3,600⌋ = 10·L` units.
pub const COMPUTE_UNITS_PER_HOUR: u64 = 36_000;
/// The Hybrid node's registered panels, Wp (the simulated meter runs 48× faster than real
/// time, so the registered capacity is far above its peak), and its hardware's draw, W.
pub const HYBRID_CAPACITY_WP: u64 = 10_000_000;
pub const HYBRID_LOAD_W: u64 = 2_000;
/// The Hybrid roof's simulated peak, W (sped up 48× like the energy node's: far below the
/// registered capacity).
pub const HYBRID_PEAK_W: u64 = 20_000;

/// One demo node with its keys.
pub struct DemoNode {
    pub node_id: u64,
    pub kind: NodeKind,
    pub operator: Keypair,
    pub device: Keypair,
}

/// What [`enable`] set up.
pub struct ComputeSide {
    pub requester: Keypair,
    pub compute: DemoNode,
    pub hybrid: DemoNode,
    pub challenges: ChallengeSettings,
}

/// Three beacons an epoch (windows of `L/6` seconds), one challenge per node per epoch, one
/// second of work and the rest of the report grace (`L/6`, `demo_params`) to deliver it.
pub fn challenge_settings(epoch_seconds: i64) -> ChallengeSettings {
    let report_grace = (epoch_seconds / 6).max(1);
    ChallengeSettings {
        beacons_per_epoch: 3,
        challenges_per_epoch: 1,
        target_seconds: 1,
        grace_seconds: u32::try_from(report_grace.saturating_sub(1)).unwrap_or(0),
    }
}

/// Switches challenges on, registers the requester (from the next epoch) and both compute
/// nodes.
pub async fn enable(rpc: &RpcClient, faucet: &Keypair, d: &Demo) -> Result<ComputeSide> {
    let challenges = challenge_settings(d.epoch_seconds);
    let requester = Keypair::new();
    // Receipts count from the requester's first epoch, which must not have started when the
    // registration lands: the epoch after the one a few seconds from now.
    let chain = RpcChain::from_url(rpc.url(), CommitmentConfig::confirmed());
    let now = chain.clock().await?.unix_timestamp;
    let clock = EpochClock { genesis_time: d.genesis_time, epoch_seconds: d.epoch_seconds };
    let first_epoch = match clock.epoch_at(now.saturating_add(3)) {
        Ok(Some(e)) => e.saturating_add(1),
        _ => 0,
    };
    let register_requester = staking::register_requester(
        &d.admin.pubkey(),
        RegisterRequesterArgs {
            key: requester.pubkey(),
            label: staking::requester_label("demo requester"),
            first_epoch,
        },
    );
    let params = rw::set_challenge_params(&d.admin.pubkey(), challenges);
    send(rpc, &d.admin, &[params, register_requester], &[])
        .await
        .context("switch challenges on and register the requester")?;
    let mut nodes = Vec::new();
    for (kind, energy_wp) in [(NodeKind::Compute, 0), (NodeKind::Hybrid, HYBRID_CAPACITY_WP)] {
        let (operator, device) = (Keypair::new(), Keypair::new());
        let capacity = Capacity { energy_wp, compute_units_per_hour: COMPUTE_UNITS_PER_HOUR };
        let node_id = d
            .register_node(rpc, faucet, (&operator, &device), kind, capacity)
            .await
            .with_context(|| format!("register the {kind:?} node"))?;
        nodes.push(DemoNode { node_id, kind, operator, device });
    }
    let hybrid = nodes.pop().context("hybrid node")?;
    let compute = nodes.pop().context("compute node")?;
    Ok(ComputeSide { requester, compute, hybrid, challenges })
}

#[cfg(test)]
mod tests {
    use gridmint_protocol::challenge::matrix::size_for;

    use super::*;

    #[test]
    fn challenges_fit_the_report_grace_and_the_epoch() {
        for l in [12, 30, 60] {
            let s = challenge_settings(l);
            let grace = (l / 6).max(1);
            assert_eq!(i64::from(s.target_seconds) + i64::from(s.grace_seconds), grace);
            s.protocol().validate(l).expect("valid for the epoch");
        }
    }

    #[test]
    fn a_challenge_is_about_ten_million_multiply_adds() {
        let size = size_for(COMPUTE_UNITS_PER_HOUR, 1);
        let work = u64::from(size.rows) * u64::from(size.cols) * u64::from(size.cols);
        assert!((2_000_000..=10_000_000).contains(&work), "{size:?}");
    }
}
