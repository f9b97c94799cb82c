//! The showcase's per-epoch table (from the finalized manifest, recomputed here) and its
//! closing checks (supply, replay of every manifest against the chain's roots, the cheater).

use std::fmt;

use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Context, Result};
use gridmint_protocol::rewards::{compute_epoch_rewards, CumulativeState, EpochManifest};
use gridmint_sdk::chain::{ChainExt, RpcChain};
use gridmint_sdk::node_staking as ns;
use gridmint_sdk::rewards::EpochStatus;
use solana_client::nonblocking::rpc_client::RpcClient;

/// Base units per token of the demo's mints (6 decimals).
const TOKEN: f64 = 1e6;

/// One epoch as the table shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochRow {
    pub epoch: u64,
    pub nodes: usize,
    pub energy_wh: u64,
    pub work_units: u64,
    pub green_work: u64,
    pub challenges_passed: u64,
    pub challenges_issued: u64,
    pub paid: u64,
    pub stake: u64,
    /// Slashed so far (all nodes), stake base units.
    pub slashed: u64,
    /// What the chain finalized (read while the epoch state exists: a crank closes it).
    pub root: [u8; 32],
    pub cumulative_total: u64,
    pub manifest_hash: [u8; 32],
}

impl EpochRow {
    pub fn header() -> String {
        format!(
            "{:>5} {:>5} {:>10} {:>10} {:>7} {:>10} {:>12} {:>12} {:>10}",
            "epoch",
            "nodes",
            "energy kWh",
            "work units",
            "green",
            "challenges",
            "reward",
            "stake",
            "slashed"
        )
    }
}

impl fmt::Display for EpochRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let green = match self.work_units {
            0 => "-".to_string(),
            w => format!("{:.0}%", self.green_work as f64 * 100.0 / w as f64),
        };
        write!(
            f,
            "{:>5} {:>5} {:>10.3} {:>10} {:>7} {:>10} {:>12.6} {:>12.6} {:>10.6}",
            self.epoch,
            self.nodes,
            self.energy_wh as f64 / 1_000.0,
            self.work_units,
            green,
            format!("{}/{}", self.challenges_passed, self.challenges_issued),
            self.paid as f64 / TOKEN,
            self.stake as f64 / TOKEN,
            self.slashed as f64 / TOKEN,
        )
    }
}

/// The manifest of `epoch` with hash `hash`, fetched from `oracle` and hash-checked.
async fn manifest(oracle: &str, epoch: u64, hash: &[u8; 32]) -> Result<EpochManifest> {
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    let url = format!("{oracle}/v1/epochs/{epoch}/manifest?format=borsh&hash={hex}");
    let body = reqwest::get(&url).await?.error_for_status()?.bytes().await?;
    let manifest: EpochManifest = borsh::from_slice(&body).context("not a manifest")?;
    if manifest.hash() != *hash {
        bail!("the oracle's manifest of epoch {epoch} does not hash to the finalized one");
    }
    Ok(manifest)
}

/// The row of a finalized epoch (`None` while its state is not final).
pub async fn epoch_row(chain: &RpcChain, oracle: &str, epoch: u64) -> Result<Option<EpochRow>> {
    let state = chain.epoch_state(epoch).await?.account;
    let Some(report) = state.filter(|s| s.status == EpochStatus::Final).map(|s| s.report) else {
        return Ok(None);
    };
    let m = manifest(oracle, epoch, &report.manifest_hash).await?;
    let rewards = compute_epoch_rewards(&m.params, m.stake_decimals, m.emission, &m.nodes)
        .map_err(|e| anyhow::anyhow!("the manifest does not compute: {e:?}"))?;
    let per_node = rewards.node_rewards(&m.nodes).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let slashed = chain.node_staking_config().await?.account.map_or(0, |c| c.total_slashed);
    Ok(Some(EpochRow {
        epoch,
        nodes: m.nodes.len(),
        energy_wh: per_node.iter().map(|r| r.creditable_energy).sum(),
        work_units: per_node.iter().map(|r| r.creditable_work).sum(),
        green_work: per_node.iter().map(|r| r.green_work).sum(),
        challenges_passed: m.nodes.iter().map(|n| u64::from(n.challenges_passed)).sum(),
        challenges_issued: m.nodes.iter().map(|n| u64::from(n.challenges_issued)).sum(),
        paid: rewards.paid,
        stake: m.nodes.iter().map(|n| n.stake).sum(),
        slashed,
        root: report.root,
        cumulative_total: report.cumulative_total,
        manifest_hash: report.manifest_hash,
    }))
}

/// Whether the table shows compute paid: credited work, some of it green, and a passed
/// challenge (the Compute and Hybrid nodes have been at work).
pub fn computed(rows: &[EpochRow]) -> bool {
    rows.iter().any(|r| r.work_units > 0 && r.paid > 0)
        && rows.iter().any(|r| r.green_work > 0)
        && rows.iter().any(|r| r.challenges_passed > 0)
}

/// What the closing checks found.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub rows: Vec<EpochRow>,
    /// `total_claimed` of the rewards config.
    pub claimed: u64,
    /// The reward mint's supply.
    pub supply: u64,
    /// Epochs whose replayed root and total equal the chain's.
    pub replayed: usize,
    pub cheater: u64,
    pub evidence: Pubkey,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "checks:")?;
        writeln!(
            f,
            "  reward mint supply {:.6} = claimed {:.6}",
            self.supply as f64 / TOKEN,
            self.claimed as f64 / TOKEN
        )?;
        writeln!(
            f,
            "  {} manifests replayed from scratch give the chain's roots and totals",
            self.replayed
        )?;
        let work: u64 = self.rows.iter().map(|r| r.work_units).sum();
        let green: u64 = self.rows.iter().map(|r| r.green_work).sum();
        let passed: u64 = self.rows.iter().map(|r| r.challenges_passed).sum();
        let issued: u64 = self.rows.iter().map(|r| r.challenges_issued).sum();
        writeln!(
            f,
            "  {work} work units credited from co-signed receipts, {green} of them green \
             (computed on the Hybrid node's own solar); challenges passed {passed}/{issued}"
        )?;
        write!(
            f,
            "  cheating node {} jailed by the watchtower's report; evidence {}",
            self.cheater, self.evidence
        )
    }
}

pub async fn verify(
    chain: &RpcChain,
    rpc: &RpcClient,
    oracle: &str,
    rows: &[EpochRow],
    cheater: u64,
    evidence: Pubkey,
) -> Result<Outcome> {
    let config = chain.rewards_config().await?.account.context("rewards config")?;
    let supply: u64 = rpc.get_token_supply(&config.reward_mint).await?.amount.parse()?;
    if supply != config.total_claimed {
        bail!("reward mint supply {supply} differs from the {} claimed", config.total_claimed);
    }
    let mut state = CumulativeState::default();
    for row in rows {
        let manifest = manifest(oracle, row.epoch, &row.manifest_hash).await?;
        let (report, _) = state
            .apply(&manifest)
            .map_err(|e| anyhow::anyhow!("replay of epoch {}: {e:?}", row.epoch))?;
        if (report.root, report.cumulative_total) != (row.root, row.cumulative_total) {
            bail!("replaying epoch {} gives another root or total than the chain's", row.epoch);
        }
    }
    let node = ns::node_pda(&ns::config_address(), cheater).0;
    let jailed = chain
        .fetch::<ns::Node>(node, ns::PROGRAM_ID, "node")
        .await?
        .account
        .is_some_and(|n| n.jailed);
    let record = rpc.get_account(&evidence).await.ok();
    if !jailed || record.is_none_or(|a| a.owner != ns::PROGRAM_ID) {
        bail!("the cheating node {cheater} is not jailed with evidence {evidence}");
    }
    Ok(Outcome {
        rows: rows.to_vec(),
        claimed: config.total_claimed,
        supply,
        replayed: rows.len(),
        cheater,
        evidence,
    })
}
