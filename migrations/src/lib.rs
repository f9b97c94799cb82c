//! `gridmint-deploy`: brings a cluster where GridMint's programs are deployed to the state a
//! TOML file describes — mints created or adopted (and checked), the reward mint's authority
//! handed to the rewards PDA, both programs initialised on one epoch clock, the oracle set and
//! requesters registered, and an address lookup table for claims. Every step first reads the
//! chain; a rerun changes nothing and says so, and a field that differs from the file is named
//! (changing a live deployment is `gridmint admin`'s job).
//!
//! Off the localnet it refuses the localnet test admin key, whose secret is in this repository.

pub mod cluster;
pub mod lookup;
pub mod mints;
pub mod plan;
pub mod programs;

use anchor_lang::prelude::Pubkey;
use gridmint_sdk::chain::{Chain, ChainExt, RpcChain};
use serde::Serialize;
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::plan::Plan;

/// The connection and the deploying key (the programs' deploy admin, which also pays).
pub struct Deployer {
    pub rpc: RpcClient,
    pub chain: RpcChain,
    pub admin: Keypair,
}

impl Deployer {
    pub fn new(
        rpc_url: &str,
        commitment: solana_commitment_config::CommitmentConfig,
        admin: Keypair,
    ) -> Self {
        Self {
            rpc: RpcClient::new_with_commitment(rpc_url.to_string(), commitment),
            chain: RpcChain::from_url(rpc_url.to_string(), commitment),
            admin,
        }
    }

    /// The epoch clock's start: the file's, else the one already on chain, else a minute
    /// after the chain's clock.
    pub async fn genesis_time(&self, plan: &Plan) -> anyhow::Result<i64> {
        if let Some(genesis) = plan.genesis_time {
            return Ok(genesis);
        }
        if let Some(config) = self.chain.node_staking_config().await?.account {
            return Ok(config.genesis_time);
        }
        Ok(self.chain.clock().await?.unix_timestamp.saturating_add(60))
    }

    /// One transaction paid and signed by the admin (plus `signers`), its error named.
    pub async fn send(&self, ixs: &[Instruction], signers: &[&Keypair]) -> anyhow::Result<()> {
        self.chain
            .send_transaction(ixs, &self.admin, signers)
            .await
            .map_err(gridmint_cli::explain)?;
        Ok(())
    }
}

/// What one step found or did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    pub step: String,
    /// `changed`, `unchanged` or `differs`.
    pub outcome: &'static str,
    pub detail: String,
}

impl Step {
    pub fn changed(step: &str, detail: impl Into<String>) -> Self {
        Self { step: step.into(), outcome: "changed", detail: detail.into() }
    }

    pub fn unchanged(step: &str, detail: impl Into<String>) -> Self {
        Self { step: step.into(), outcome: "unchanged", detail: detail.into() }
    }

    /// `unchanged` when `drift` is empty, else `differs` listing it.
    pub fn checked(step: &str, drift: Vec<String>) -> Self {
        if drift.is_empty() {
            Self::unchanged(step, "matches the file")
        } else {
            Self { step: step.into(), outcome: "differs", detail: drift.join("; ") }
        }
    }
}

/// The outcome of a run.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub cluster: String,
    pub stake_mint: String,
    pub reward_mint: String,
    pub lookup_table: Option<String>,
    pub steps: Vec<Step>,
}

impl Report {
    pub fn changed_anything(&self) -> bool {
        self.steps.iter().any(|s| s.outcome == "changed")
    }

    pub fn drift(&self) -> Vec<&Step> {
        self.steps.iter().filter(|s| s.outcome == "differs").collect()
    }
}

/// Runs every step in order: cluster check, mints, node-staking, rewards and its oracle set,
/// requesters, lookup table.
pub async fn deploy(d: &Deployer, plan: &Plan) -> anyhow::Result<Report> {
    let cluster = cluster::check(d).await?;
    let mut steps = Vec::new();
    let stake = mints::ensure(d, mints::Role::Stake, &plan.stake_mint, &mut steps).await?;
    let reward = mints::ensure(d, mints::Role::Reward, &plan.reward_mint, &mut steps).await?;
    programs::node_staking(d, plan, &stake, &mut steps).await?;
    programs::rewards(d, plan, &reward, &mut steps).await?;
    programs::requesters(d, plan, &mut steps).await?;
    let lookup_table = match plan.lookup_table {
        true => Some(lookup::ensure(d, &reward, &mut steps).await?.to_string()),
        false => None,
    };
    Ok(Report {
        cluster,
        stake_mint: stake.address.to_string(),
        reward_mint: reward.address.to_string(),
        lookup_table,
        steps,
    })
}

/// The localnet test admin's public key (its secret is committed in `keys/localnet/`).
pub fn localnet_test_admin() -> Pubkey {
    let bytes: Vec<u8> =
        serde_json::from_str(include_str!("../../keys/localnet/deploy-admin.json"))
            .unwrap_or_default();
    Keypair::try_from(bytes.as_slice()).map(|k| k.pubkey()).unwrap_or_default()
}
