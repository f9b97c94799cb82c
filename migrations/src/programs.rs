//! Program initialisation, the oracle set and requesters: initialise what is missing, leave
//! what matches, and name every field that differs from the file (changing a live deployment
//! is `gridmint admin`'s job, never a side effect of rerunning the deploy).

use anchor_lang::prelude::Pubkey;
use gridmint_sdk::chain::ChainExt;
use gridmint_sdk::node_staking::{self as ns};
use gridmint_sdk::rewards as rw;
use solana_signer::Signer;
use spl_associated_token_account_interface::address::get_associated_token_address_with_program_id;
use spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent;

use crate::mints::ReadyMint;
use crate::plan::{address, Plan};
use crate::{Deployer, Step};

/// `name: chain X, file Y` for each differing pair.
fn compare<T: PartialEq + std::fmt::Debug>(drift: &mut Vec<String>, name: &str, chain: T, file: T) {
    if chain != file {
        drift.push(format!("{name}: chain {chain:?}, file {file:?}"));
    }
}

pub async fn node_staking(
    d: &Deployer,
    plan: &Plan,
    stake: &ReadyMint,
    steps: &mut Vec<Step>,
) -> anyhow::Result<()> {
    let authority = plan.authority(&d.admin.pubkey())?;
    let args = plan.staking_args(authority, d.genesis_time(plan).await?)?;
    let Some(config) = d.chain.node_staking_config().await?.account else {
        let treasury = get_associated_token_address_with_program_id(
            &authority,
            &stake.address,
            &stake.token_program,
        );
        let ata = create_associated_token_account_idempotent(
            &d.admin.pubkey(),
            &authority,
            &stake.address,
            &stake.token_program,
        );
        let init = ns::initialize(
            &d.admin.pubkey(),
            &stake.address,
            &treasury,
            &stake.token_program,
            args,
        );
        d.send(&[ata, init], &[&d.admin]).await?;
        steps.push(Step::changed("node_staking", format!("initialized (treasury {treasury})")));
        return Ok(());
    };
    let mut drift = Vec::new();
    compare(&mut drift, "stake_mint", config.stake_mint, stake.address);
    compare(&mut drift, "authority", config.authority, args.authority);
    compare(&mut drift, "slash_authority", config.slash_authority, args.slash_authority);
    compare(&mut drift, "genesis_time", config.genesis_time, args.genesis_time);
    compare(&mut drift, "epoch_seconds", config.epoch_seconds, args.epoch_seconds);
    compare(&mut drift, "min_stake", config.min_stake.next, args.min_stake);
    compare(&mut drift, "max_capacity", config.max_capacity, args.max_capacity);
    compare(&mut drift, "unbonding_seconds", config.unbonding_seconds, args.unbonding_seconds);
    compare(&mut drift, "slash_bps", config.slash_bps, args.slash_bps);
    compare(
        &mut drift,
        "reporter_bounty_bps",
        config.reporter_bounty_bps,
        args.reporter_bounty_bps,
    );
    steps.push(Step::checked("node_staking", drift));
    Ok(())
}

pub async fn rewards(
    d: &Deployer,
    plan: &Plan,
    reward: &ReadyMint,
    steps: &mut Vec<Step>,
) -> anyhow::Result<()> {
    let authority = plan.authority(&d.admin.pubkey())?;
    let args = plan.rewards_args(authority, d.genesis_time(plan).await?)?;
    let Some(config) = d.chain.rewards_config().await?.account else {
        let init = rw::initialize(&d.admin.pubkey(), &reward.address, &reward.token_program, args);
        d.send(&[init], &[&d.admin]).await?;
        steps.push(Step::changed("rewards", "initialized with the file's oracle set"));
        return Ok(());
    };
    let mut drift = Vec::new();
    compare(&mut drift, "reward_mint", config.reward_mint, reward.address);
    compare(&mut drift, "authority", config.authority, args.authority);
    compare(&mut drift, "genesis_time", config.genesis_time, args.genesis_time);
    compare(&mut drift, "epoch_seconds", config.epoch_seconds, args.epoch_seconds);
    compare(
        &mut drift,
        "min_challenge_period_seconds",
        config.min_challenge_period_seconds,
        args.min_challenge_period_seconds,
    );
    // The parameters in force or scheduled: `gridmint admin set-params` changes them.
    let params = config.scheduled_params.map_or(config.params, |s| s.params);
    compare(&mut drift, "params", params, args.params);
    steps.push(Step::checked("rewards", drift));

    // The oracle set is the one thing the deploy file keeps in line (oracles come and go).
    let (current, threshold) = (config.oracles.active().to_vec(), config.oracles.threshold);
    if current == args.oracles && threshold == args.threshold {
        steps.push(Step::unchanged(
            "oracles",
            format!("{} keys, threshold {threshold}", current.len()),
        ));
    } else {
        let ix = rw::set_oracles(&config.authority, args.oracles.clone(), args.threshold);
        if config.authority != d.admin.pubkey() {
            anyhow::bail!(
                "the oracle set differs from the file, and the rewards authority {} must sign \
                 `set_oracles`: run `gridmint admin set-oracles` with that key",
                config.authority
            );
        }
        d.send(&[ix], &[&d.admin]).await?;
        steps.push(Step::changed(
            "oracles",
            format!("replaced: {} keys, threshold {}", args.oracles.len(), args.threshold),
        ));
    }
    Ok(())
}

pub async fn requesters(d: &Deployer, plan: &Plan, steps: &mut Vec<Step>) -> anyhow::Result<()> {
    let authority = plan.authority(&d.admin.pubkey())?;
    for r in &plan.requesters {
        let key: Pubkey = address("requesters.key", &r.key)?;
        let name = format!("requester {key}");
        if let Some(record) = d.chain.requester(&key).await?.account {
            let mut drift = Vec::new();
            compare(&mut drift, "first_epoch", record.first_epoch, r.first_epoch);
            compare(&mut drift, "label", record.label, ns::requester_label(&r.label));
            steps.push(Step::checked(&name, drift));
            continue;
        }
        if authority != d.admin.pubkey() {
            anyhow::bail!("{name} is missing and only the authority {authority} can register it");
        }
        let args = ns::RegisterRequesterArgs {
            key,
            label: ns::requester_label(&r.label),
            first_epoch: r.first_epoch,
        };
        d.send(&[ns::register_requester(&authority, args)], &[&d.admin]).await?;
        steps.push(Step::changed(&name, format!("registered from epoch {}", r.first_epoch)));
    }
    Ok(())
}
