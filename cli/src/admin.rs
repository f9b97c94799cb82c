//! `gridmint admin …`: the deployment authority's commands. Each reads what it changes from
//! the chain first, sends one transaction signed by the authority (`-k`), and answers the
//! state the chain holds afterwards.

use clap::{Args, Subcommand, ValueEnum};
use gridmint_sdk::chain::ChainExt;
use gridmint_sdk::node_staking as ns;
use gridmint_sdk::rewards as rw;
use serde_json::{json, Value};
use solana_signer::Signer;

use crate::context::Context;
use crate::{amount, pubkey, veto};

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Schedule new reward parameters: only the named ones change, from the earliest epoch
    /// the program accepts (or `--epoch`).
    SetParams(SetParams),
    /// Replace the oracle set and its quorum threshold.
    SetOracles {
        /// Votes needed to finalize an epoch.
        #[arg(long)]
        threshold: u8,
        /// The oracles' vote keys.
        #[arg(required = true)]
        oracles: Vec<String>,
    },
    /// Registered compute-work requesters (whose co-signed receipts count as work).
    #[command(subcommand)]
    Requester(RequesterCommand),
    /// Pause a program (claims, stake changes and registrations stop).
    Pause {
        #[arg(long, value_enum, default_value_t = Program::All)]
        program: Program,
    },
    /// Unpause a program.
    Unpause {
        #[arg(long, value_enum, default_value_t = Program::All)]
        program: Program,
    },
    /// Release a jailed node.
    Unjail { node_id: u64 },
    /// Slash a node's stake (tokens, e.g. 2.5) with a reason code; signed by the slash
    /// authority.
    Slash {
        node_id: u64,
        amount: String,
        #[arg(long)]
        reason: u16,
    },
    /// Open a new voting round for an epoch that did not reach its quorum.
    OpenRound { epoch: u64 },
    /// Veto a pending root: recompute, exclude nodes or declare the epoch empty; the
    /// correction document is sent to the oracles before the veto.
    Veto(veto::VetoArgs),
}

#[derive(Subcommand, Debug)]
pub enum RequesterCommand {
    /// Register a requester key.
    Add {
        key: String,
        /// A name for people (at most 32 bytes).
        #[arg(long, default_value = "")]
        label: String,
        /// First epoch its receipts count [default: the next epoch].
        #[arg(long)]
        first_epoch: Option<u64>,
    },
    /// Retire a requester from an epoch on [default: the next epoch].
    Retire {
        key: String,
        #[arg(long)]
        epoch: Option<u64>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Program {
    NodeStaking,
    Rewards,
    All,
}

/// Reward parameters to change; the others keep their current (or already scheduled) value.
#[derive(Args, Debug, Default)]
pub struct SetParams {
    /// Epoch the parameters take effect [default: the earliest the program accepts].
    #[arg(long)]
    pub epoch: Option<u64>,
    #[arg(long)]
    pub compute_pool_bps: Option<u16>,
    #[arg(long)]
    pub green_bonus_bps: Option<u16>,
    #[arg(long)]
    pub work_per_staked_token: Option<u64>,
    #[arg(long)]
    pub wh_per_staked_token: Option<u64>,
    #[arg(long)]
    pub max_capacity_factor_bps: Option<u16>,
    #[arg(long)]
    pub max_work_per_wh: Option<u64>,
    /// Emission of epoch 0, reward-mint base units.
    #[arg(long)]
    pub initial_per_epoch: Option<u64>,
    #[arg(long)]
    pub decay_bps: Option<u16>,
    #[arg(long)]
    pub decay_interval_epochs: Option<u64>,
    #[arg(long)]
    pub floor_per_epoch: Option<u64>,
    #[arg(long)]
    pub hard_cap_per_epoch: Option<u64>,
    #[arg(long)]
    pub report_grace_seconds: Option<i64>,
    #[arg(long)]
    pub challenge_period_seconds: Option<i64>,
}

impl SetParams {
    fn apply(&self, mut p: rw::Params) -> rw::Params {
        let f = &mut p.reward_formula;
        let set = |slot: &mut u64, v: Option<u64>| *slot = v.unwrap_or(*slot);
        let set16 = |slot: &mut u16, v: Option<u16>| *slot = v.unwrap_or(*slot);
        set16(&mut f.compute_pool_bps, self.compute_pool_bps);
        set16(&mut f.green_bonus_bps, self.green_bonus_bps);
        set(&mut f.work_per_staked_token, self.work_per_staked_token);
        set(&mut f.wh_per_staked_token, self.wh_per_staked_token);
        set16(&mut f.max_capacity_factor_bps, self.max_capacity_factor_bps);
        set(&mut f.max_work_per_wh, self.max_work_per_wh);
        let e = &mut p.emission;
        set(&mut e.initial_per_epoch, self.initial_per_epoch);
        set16(&mut e.decay_bps, self.decay_bps);
        set(&mut e.decay_interval_epochs, self.decay_interval_epochs);
        set(&mut e.floor_per_epoch, self.floor_per_epoch);
        set(&mut p.hard_cap_per_epoch, self.hard_cap_per_epoch);
        p.report_grace_seconds = self.report_grace_seconds.unwrap_or(p.report_grace_seconds);
        p.challenge_period_seconds =
            self.challenge_period_seconds.unwrap_or(p.challenge_period_seconds);
        p
    }
}

pub async fn run(ctx: &Context, command: AdminCommand) -> anyhow::Result<Value> {
    match command {
        AdminCommand::SetParams(args) => set_params(ctx, &args).await,
        AdminCommand::SetOracles { threshold, oracles } => {
            set_oracles(ctx, threshold, &oracles).await
        }
        AdminCommand::Requester(c) => requester(ctx, c).await,
        AdminCommand::Pause { program } => pause(ctx, program, true).await,
        AdminCommand::Unpause { program } => pause(ctx, program, false).await,
        AdminCommand::Unjail { node_id } => unjail(ctx, node_id).await,
        AdminCommand::Slash { node_id, amount, reason } => {
            slash(ctx, node_id, &amount, reason).await
        }
        AdminCommand::OpenRound { epoch } => open_round(ctx, epoch).await,
        AdminCommand::Veto(args) => veto::veto(ctx, &args).await,
    }
}

/// The epoch after the current one on the node-staking clock (0 before genesis).
async fn next_epoch(ctx: &Context) -> anyhow::Result<u64> {
    let config = ctx.staking_config().await?;
    let now = ctx.chain().clock().await?.unix_timestamp;
    let current = config.clock().epoch_at(now).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok(current.map_or(0, |e| e.saturating_add(1)))
}

async fn set_params(ctx: &Context, args: &SetParams) -> anyhow::Result<Value> {
    let config = ctx.rewards_config().await?;
    let now = ctx.chain().clock().await?.unix_timestamp;
    // Start from what will be in force: a due or scheduled set, else the current one.
    let base = config.scheduled_params.map_or(config.params, |s| s.params);
    let params = args.apply(base);
    let epoch = match args.epoch {
        Some(epoch) => epoch,
        None => rw::earliest_effective_epoch(&config, &params, now)
            .ok_or_else(|| anyhow::anyhow!("no effective epoch fits: the clock overflowed"))?,
    };
    let signer = ctx.signer()?.pubkey();
    let signature = ctx.send(&[rw::set_params(&signer, params, epoch)]).await?;
    let scheduled = ctx.rewards_config().await?.scheduled_params;
    Ok(json!({
        "signature": signature,
        "effective_epoch": scheduled.map(|s| s.effective_epoch),
        "reward_formula": format!("{:?}", scheduled.map(|s| s.params.reward_formula)),
    }))
}

async fn set_oracles(ctx: &Context, threshold: u8, keys: &[String]) -> anyhow::Result<Value> {
    let oracles = keys.iter().map(|k| pubkey("oracle", k)).collect::<anyhow::Result<Vec<_>>>()?;
    let signer = ctx.signer()?.pubkey();
    let signature = ctx.send(&[rw::set_oracles(&signer, oracles, threshold)]).await?;
    let set = ctx.rewards_config().await?.oracles;
    Ok(json!({
        "signature": signature,
        "version": set.version,
        "threshold": set.threshold,
        "oracles": set.active().iter().map(ToString::to_string).collect::<Vec<_>>(),
    }))
}

async fn requester(ctx: &Context, command: RequesterCommand) -> anyhow::Result<Value> {
    let signer = ctx.signer()?.pubkey();
    let (key, ix) = match command {
        RequesterCommand::Add { key, label, first_epoch } => {
            let key = pubkey("requester", &key)?;
            if label.len() > ns::REQUESTER_LABEL_LEN {
                anyhow::bail!(
                    "label is {} bytes; at most {}",
                    label.len(),
                    ns::REQUESTER_LABEL_LEN
                );
            }
            let first_epoch = match first_epoch {
                Some(e) => e,
                None => next_epoch(ctx).await?,
            };
            let args =
                ns::RegisterRequesterArgs { key, label: ns::requester_label(&label), first_epoch };
            (key, ns::register_requester(&signer, args))
        }
        RequesterCommand::Retire { key, epoch } => {
            let key = pubkey("requester", &key)?;
            let epoch = match epoch {
                Some(e) => e,
                None => next_epoch(ctx).await?,
            };
            (key, ns::retire_requester(&signer, &key, epoch))
        }
    };
    let signature = ctx.send(&[ix]).await?;
    let record = ctx.chain().requester(&key).await?.account;
    Ok(json!({
        "signature": signature,
        "requester": key.to_string(),
        "first_epoch": record.as_ref().map(|r| r.first_epoch),
        "retired_epoch": record.map(|r| r.retired_epoch),
    }))
}

async fn pause(ctx: &Context, program: Program, paused: bool) -> anyhow::Result<Value> {
    let signer = ctx.signer()?.pubkey();
    // Only the programs not already in the wanted state (the programs refuse a no-op).
    let mut ixs = Vec::new();
    if program != Program::Rewards && ctx.staking_config().await?.paused != paused {
        ixs.push(if paused { ns::pause(&signer) } else { ns::unpause(&signer) });
    }
    if program != Program::NodeStaking && ctx.rewards_config().await?.paused != paused {
        ixs.push(if paused { rw::pause(&signer) } else { rw::unpause(&signer) });
    }
    let signature = match ixs.is_empty() {
        true => None,
        false => Some(ctx.send(&ixs).await?),
    };
    Ok(json!({
        "signature": signature,
        "node_staking_paused": ctx.staking_config().await?.paused,
        "rewards_paused": ctx.rewards_config().await?.paused,
    }))
}

async fn unjail(ctx: &Context, node_id: u64) -> anyhow::Result<Value> {
    let signer = ctx.signer()?.pubkey();
    let signature = ctx.send(&[ns::unjail(&signer, node_id)]).await?;
    let node = crate::node::fetch_node(ctx, node_id).await?.account;
    Ok(json!({
        "signature": signature, "node_id": node_id,
        "jailed": node.map(|n| n.jailed),
    }))
}

async fn slash(ctx: &Context, node_id: u64, text: &str, reason: u16) -> anyhow::Result<Value> {
    let config = ctx.staking_config().await?;
    let decimals = crate::stake::mint_decimals(&ctx.chain(), &config.stake_mint).await?;
    let raw = amount::parse(text, decimals)?;
    let tokens = ns::SlashTokens {
        stake_mint: config.stake_mint,
        token_program: config.stake_token_program,
        treasury: config.treasury,
    };
    let signer = ctx.signer()?.pubkey();
    let signature = ctx.send(&[ns::slash(&signer, node_id, &tokens, raw, reason)]).await?;
    let node = crate::node::fetch_node(ctx, node_id).await?.account;
    Ok(json!({
        "signature": signature, "node_id": node_id, "slashed": amount::format(raw, decimals),
        "active_stake": node.map(|n| amount::format(n.active_stake, decimals)),
    }))
}

async fn open_round(ctx: &Context, epoch: u64) -> anyhow::Result<Value> {
    let signer = ctx.signer()?.pubkey();
    let signature = ctx.send(&[rw::open_round(&signer, epoch)]).await?;
    let state = ctx.chain().epoch_state(epoch).await?.account;
    Ok(json!({
        "signature": signature, "epoch": epoch,
        "round": state.map(|s| s.round),
    }))
}
