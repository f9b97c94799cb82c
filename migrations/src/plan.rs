//! The deployment file (`deploy.toml`): what the chain should hold. Read with
//! `gridmint_ops::config::load_layered`, so `GRIDMINT_DEPLOY__SECTION__KEY` overrides a value.

use std::path::{Path, PathBuf};

use anchor_lang::prelude::Pubkey;
use gridmint_sdk::node_staking::{self as ns, Capacity};
use gridmint_sdk::rewards::{self as rw, EmissionParams, Params, RewardFormulaParams};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Start of epoch 0 (unix seconds), shared by both programs; not in the past. Left out:
    /// a minute after the chain's clock when the programs are initialised (and whatever the
    /// chain holds on a rerun).
    pub genesis_time: Option<i64>,
    pub epoch_seconds: i64,
    /// Config authority of both programs [default: the deploying keypair].
    pub authority: Option<String>,
    pub stake_mint: MintPlan,
    pub reward_mint: MintPlan,
    pub node_staking: StakingPlan,
    pub rewards: RewardsPlan,
    #[serde(default)]
    pub requesters: Vec<RequesterPlan>,
    #[serde(default = "yes")]
    pub lookup_table: bool,
}

fn yes() -> bool {
    true
}

/// A mint to adopt (`address`) or create (`keypair`, a file written on first use so a rerun
/// finds the same address).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MintPlan {
    pub address: Option<String>,
    pub keypair: Option<PathBuf>,
    /// Decimals of a created mint.
    #[serde(default = "six")]
    pub decimals: u8,
    /// Token-2022 instead of SPL Token for a created mint.
    #[serde(default)]
    pub token_2022: bool,
    /// Stake mint only: accept a freeze authority or refused Token-2022 extensions anyway.
    #[serde(default)]
    pub allow_unsafe_mint: bool,
}

fn six() -> u8 {
    6
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StakingPlan {
    /// Slash authority [default: the authority].
    pub slash_authority: Option<String>,
    /// Minimum stake per kind (compute, energy, hybrid), stake-mint base units.
    pub min_stake: [u64; 3],
    pub max_energy_wp: u64,
    pub max_compute_units_per_hour: u64,
    pub unbonding_seconds: i64,
    pub slash_bps: u16,
    pub reporter_bounty_bps: u16,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewardsPlan {
    pub min_challenge_period_seconds: i64,
    pub report_grace_seconds: i64,
    pub challenge_period_seconds: i64,
    pub initial_per_epoch: u64,
    pub decay_bps: u16,
    pub decay_interval_epochs: u64,
    pub floor_per_epoch: u64,
    pub hard_cap_per_epoch: u64,
    pub compute_pool_bps: u16,
    pub green_bonus_bps: u16,
    pub work_per_staked_token: u64,
    pub wh_per_staked_token: u64,
    pub max_capacity_factor_bps: u16,
    pub max_work_per_wh: u64,
    /// Oracle vote keys (base58) and the votes needed to finalize.
    pub oracles: Vec<String>,
    pub threshold: u8,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequesterPlan {
    pub key: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub first_epoch: u64,
}

/// A base58 address from the file, with an error naming the field.
pub fn address(field: &str, text: &str) -> anyhow::Result<Pubkey> {
    text.parse().map_err(|_| anyhow::anyhow!("{field}: {text:?} is not a base58 address"))
}

impl Plan {
    pub fn load(
        path: &Path,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Self> {
        let mut plan: Plan =
            gridmint_ops::config::load_layered(Some(path), "GRIDMINT_DEPLOY__", env)?;
        // Relative keypair paths are relative to the file, as users write them.
        let base = path.parent().unwrap_or(Path::new("."));
        for mint in [&mut plan.stake_mint, &mut plan.reward_mint] {
            if let Some(k) = mint.keypair.as_mut().filter(|k| k.is_relative()) {
                *k = base.join(&*k);
            }
        }
        plan.validate()?;
        Ok(plan)
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        for (name, mint) in [("stake_mint", &self.stake_mint), ("reward_mint", &self.reward_mint)] {
            if mint.address.is_some() == mint.keypair.is_some() {
                anyhow::bail!(
                    "[{name}]: give exactly one of `address` (adopt) or `keypair` (create)"
                );
            }
        }
        if self.rewards.oracles.is_empty() {
            anyhow::bail!("[rewards] oracles: at least one oracle key is needed");
        }
        for r in &self.requesters {
            if r.label.len() > ns::REQUESTER_LABEL_LEN {
                anyhow::bail!(
                    "requester {}: label longer than {} bytes",
                    r.key,
                    ns::REQUESTER_LABEL_LEN
                );
            }
        }
        Ok(())
    }

    pub fn authority(&self, deployer: &Pubkey) -> anyhow::Result<Pubkey> {
        self.authority.as_deref().map_or(Ok(*deployer), |a| address("authority", a))
    }

    pub fn oracles(&self) -> anyhow::Result<Vec<Pubkey>> {
        self.rewards.oracles.iter().map(|o| address("rewards.oracles", o)).collect()
    }

    pub fn staking_args(
        &self,
        authority: Pubkey,
        genesis_time: i64,
    ) -> anyhow::Result<ns::InitializeArgs> {
        let s = &self.node_staking;
        let slash_authority = s
            .slash_authority
            .as_deref()
            .map_or(Ok(authority), |a| address("slash_authority", a))?;
        Ok(ns::InitializeArgs {
            authority,
            slash_authority,
            genesis_time,
            epoch_seconds: self.epoch_seconds,
            min_stake: s.min_stake,
            max_capacity: Capacity {
                energy_wp: s.max_energy_wp,
                compute_units_per_hour: s.max_compute_units_per_hour,
            },
            unbonding_seconds: s.unbonding_seconds,
            slash_bps: s.slash_bps,
            reporter_bounty_bps: s.reporter_bounty_bps,
        })
    }

    pub fn params(&self) -> Params {
        let r = &self.rewards;
        Params {
            report_grace_seconds: r.report_grace_seconds,
            challenge_period_seconds: r.challenge_period_seconds,
            emission: EmissionParams {
                initial_per_epoch: r.initial_per_epoch,
                decay_bps: r.decay_bps,
                decay_interval_epochs: r.decay_interval_epochs,
                floor_per_epoch: r.floor_per_epoch,
            },
            hard_cap_per_epoch: r.hard_cap_per_epoch,
            reward_formula: RewardFormulaParams {
                compute_pool_bps: r.compute_pool_bps,
                green_bonus_bps: r.green_bonus_bps,
                work_per_staked_token: r.work_per_staked_token,
                wh_per_staked_token: r.wh_per_staked_token,
                max_capacity_factor_bps: r.max_capacity_factor_bps,
                max_work_per_wh: r.max_work_per_wh,
            },
        }
    }

    pub fn rewards_args(
        &self,
        authority: Pubkey,
        genesis_time: i64,
    ) -> anyhow::Result<rw::InitializeArgs> {
        Ok(rw::InitializeArgs {
            authority,
            genesis_time,
            epoch_seconds: self.epoch_seconds,
            min_challenge_period_seconds: self.rewards.min_challenge_period_seconds,
            params: self.params(),
            oracles: self.oracles()?,
            threshold: self.rewards.threshold,
        })
    }
}
