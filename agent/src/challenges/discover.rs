//! Finding this node's challenges on chain: the rewards program's beacon account of the
//! current epoch (and of the previous one while its last challenges may still be open), the
//! node account (its address is the `node` of the schedule; its capacity sizes the kernel),
//! and `beacon::schedule`, exactly as the oracles derive it at close (§10.2).

use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use gridmint_protocol::challenge::beacon::{schedule, Challenge};
use gridmint_protocol::challenge::{MAX_GRACE_SECONDS, MAX_TARGET_SECONDS};
use gridmint_sdk::chain::{Chain, ChainExt, ClockedChain, RpcChain};
use gridmint_sdk::node_staking::{self as ns, Node};
use solana_commitment_config::CommitmentConfig;
use tokio::sync::watch;

use super::{Answered, Responder};

/// Answers stay in the journal this long after their deadline (for `status` and audits).
pub const KEEP_ANSWERS_SECONDS: i64 = 7 * 86_400;

/// Longest response window (`T + grace`): a challenge of the previous epoch can be open this
/// long into the next one.
const MAX_RESPONSE_SECONDS: i64 = (MAX_TARGET_SECONDS + MAX_GRACE_SECONDS) as i64;

/// This node's challenges of the epochs whose challenges may be open at the chain's `now`,
/// whatever their deadline (the responder decides what is still worth proving).
pub async fn challenges<C: Chain + ?Sized>(
    chain: &C,
    deployment: &[u8; 32],
    node_id: u64,
) -> anyhow::Result<Vec<Challenge>> {
    let rewards =
        chain.rewards_config().await?.account.ok_or_else(|| {
            anyhow::anyhow!("the rewards program is not initialised: check rpc_url")
        })?;
    let staking = chain
        .node_staking_config()
        .await?
        .account
        .ok_or_else(|| anyhow::anyhow!("node-staking is not initialised: check rpc_url"))?;
    let address = ns::node_pda(&Pubkey::from(*deployment), node_id).0;
    let fetched = chain.fetch::<Node>(address, ns::PROGRAM_ID, "node").await?;
    let now = fetched.unix_timestamp;
    let node = fetched.account.ok_or_else(|| {
        anyhow::anyhow!(
            "node {node_id} does not exist ({address}): check node_id and deployment in the \
             agent config"
        )
    })?;
    let clock = rewards.clock();
    let bad_clock = |e: gridmint_protocol::emission::EmissionError| {
        anyhow::anyhow!("the rewards config's epoch clock is invalid: {e:?}")
    };
    let Some(epoch) = clock.epoch_at(now).map_err(bad_clock)? else { return Ok(Vec::new()) };
    let mut epochs = vec![epoch];
    let start = clock.start(epoch).map_err(bad_clock)?;
    if epoch > 0 && now < start.saturating_add(MAX_RESPONSE_SECONDS) {
        epochs.insert(0, epoch - 1);
    }
    let mut out = Vec::new();
    for e in epochs {
        let Some(set) = chain.beacons(e).await?.account else { continue };
        let units = ns::capacity_during(&node, &staking.clock(), e)
            .map_or(node.capacity.compute_units_per_hour, |c| c.compute_units_per_hour);
        out.extend(schedule(deployment, &set, &address.to_bytes(), node_id, units));
    }
    Ok(out)
}

/// Polls the chain every `poll` and answers every new challenge, until `shutdown`. Answers
/// still open from an earlier run are sent first.
pub async fn run(
    responder: Arc<Responder>,
    rpc_url: String,
    node_id: u64,
    poll: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let rpc: Arc<dyn Chain> = Arc::new(RpcChain::from_url(rpc_url, CommitmentConfig::confirmed()));
    // Every read refreshes the chain clock the deadlines are judged by.
    let chain = ClockedChain::new(rpc, Arc::clone(&responder.time));
    let mut deliveries = tokio::task::JoinSet::new();
    match responder.journal.open_answers(responder.time.now()).await {
        Ok(open) => {
            for answer in open {
                if let Err(e) =
                    responder.spawn_deliveries(&answer, &mut deliveries, &shutdown).await
                {
                    tracing::error!(error = %e, "cannot resume a challenge answer's delivery");
                }
            }
        }
        Err(e) => tracing::error!(error = %e, "cannot read open challenge answers"),
    }
    let mut last_error = String::new();
    loop {
        match challenges(&chain, &responder.deployment, node_id).await {
            Ok(found) => {
                last_error.clear();
                for challenge in found {
                    step(&responder, &challenge, &mut deliveries, &shutdown).await;
                }
            }
            // Say it once per distinct error, not every poll.
            Err(e) if e.to_string() != last_error => {
                last_error = e.to_string();
                tracing::warn!(error = %last_error, "cannot read this node's challenges");
            }
            Err(_) => {}
        }
        while deliveries.try_join_next().is_some() {}
        match responder
            .journal
            .prune_answers(responder.time.now().saturating_sub(KEEP_ANSWERS_SECONDS))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(pruned = n, "old challenge answers removed from the journal"),
            Err(e) => tracing::warn!(error = %e, "cannot prune old challenge answers"),
        }
        tokio::select! {
            () = tokio::time::sleep(poll) => {}
            _ = shutdown.changed() => break,
        }
    }
    while deliveries.join_next().await.is_some() {}
}

/// Answers one challenge (if new and open) and starts its deliveries.
async fn step(
    responder: &Arc<Responder>,
    challenge: &Challenge,
    deliveries: &mut tokio::task::JoinSet<()>,
    shutdown: &watch::Receiver<bool>,
) {
    let mut stop = shutdown.clone();
    let answered = tokio::select! {
        a = responder.answer(challenge) => a,
        // Stopping mid-proof is safe: nothing is signed until the proof is done.
        _ = stop.changed() => return,
    };
    match answered {
        Ok(Answered::New(answer)) => {
            if let Err(e) = responder.spawn_deliveries(&answer, deliveries, shutdown).await {
                tracing::error!(error = %e, "cannot start a challenge answer's delivery");
            }
        }
        Ok(Answered::Stored(_) | Answered::Late) => {}
        Err(e) => tracing::error!(error = %e, epoch = challenge.epoch,
            beacon = challenge.beacon_index, "cannot answer a challenge"),
    }
}
