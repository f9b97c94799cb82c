//! Gathers one epoch's crediting inputs (§9.1): the stored signed inputs, the bindings of
//! their device keys, the requesters their receipts name, and the snapshot's node views.
//!
//! Bindings and requester records are read when the epoch is closed, not at its end: a
//! binding is never closed or re-pointed (`unbound_at` only moves from none to a time after
//! the change), and a requester's epochs only change from the next epoch on, so a later
//! read gives the same answers for this epoch.

use std::collections::BTreeSet;

use anchor_lang::prelude::Pubkey;
use gridmint_protocol::crediting::{
    canonical_readings, canonical_receipts, BindingInput, EpochInputs, RequesterEntry,
};
use gridmint_protocol::emission::EpochClock;
use gridmint_protocol::messages::WorkReceipt;
use gridmint_protocol::rewards::RewardParams;
use gridmint_sdk::chain::{Chain, ChainError, ChainExt};
use gridmint_sdk::node_staking::{self as ns, DeviceBinding, Requester};
use gridmint_sdk::rewards as rw;

use super::snapshot::Snapshot;
use crate::store::{Store, StoreError};

/// What the rewards config says about the epoch being closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EpochContext {
    pub epoch: u64,
    /// The node-staking config address every message must name.
    pub deployment: [u8; 32],
    pub clock: EpochClock,
    /// `params_for(e).reward_formula`.
    pub params: RewardParams,
    /// `E(e)` with the hard cap of `params_for(e)`.
    pub emission: u64,
    pub start: i64,
    pub end: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("epoch {0} does not fit the epoch clock or emission schedule")]
    Clock(u64),
    #[error("snapshot of epoch {snapshot} used for epoch {epoch}")]
    WrongSnapshot { snapshot: u64, epoch: u64 },
    #[error("snapshot holds a node of unknown kind {0}")]
    UnknownKind(u8),
    #[error("deriving binding addresses failed: {0}")]
    Task(String),
}

impl EpochContext {
    /// The context of `epoch` under `config` (the rewards config).
    pub fn new(config: &rw::Config, deployment: [u8; 32], epoch: u64) -> Result<Self, GatherError> {
        let clock = config.clock();
        let params = config.params_for(epoch);
        let emission = params.epoch_emission(epoch).map_err(|_| GatherError::Clock(epoch))?;
        Ok(Self {
            epoch,
            deployment,
            clock,
            params: RewardParams::from(params.reward_formula),
            emission,
            start: clock.start(epoch).map_err(|_| GatherError::Clock(epoch))?,
            end: clock.end(epoch).map_err(|_| GatherError::Clock(epoch))?,
        })
    }
}

/// The inputs of `ctx.epoch` from the store, the chain and `snapshot`.
pub async fn gather(
    chain: &dyn Chain,
    store: &Store,
    ctx: &EpochContext,
    snapshot: &Snapshot,
) -> Result<EpochInputs, GatherError> {
    if snapshot.epoch != ctx.epoch {
        return Err(GatherError::WrongSnapshot { snapshot: snapshot.epoch, epoch: ctx.epoch });
    }
    let mut readings = store.epoch_readings(ctx.epoch).await?;
    let mut receipts = store.epoch_receipts(ctx.epoch).await?;
    let reading_keys: Vec<[u8; 32]> =
        readings.iter().map(|r| r.device_key).collect::<BTreeSet<_>>().into_iter().collect();
    // The start boundary and the low counter (§9.3) come from earlier readings of the keys.
    // A second statement: a key whose first reading of the epoch committed in between is
    // left out, so the history matches the readings read above.
    let earlier = store.earlier_readings_of_epoch_keys(ctx.epoch, ctx.start).await?;
    readings
        .extend(earlier.into_iter().filter(|r| reading_keys.binary_search(&r.device_key).is_ok()));
    canonical_readings(&mut readings);
    canonical_receipts(&mut receipts);

    let device_keys: BTreeSet<[u8; 32]> =
        reading_keys.iter().copied().chain(receipts.iter().map(|r| r.device_key)).collect();
    let keys: Vec<Pubkey> = device_keys.iter().map(|k| Pubkey::new_from_array(*k)).collect();
    let addresses = binding_addresses(keys).await?;
    let bindings = chain
        .fetch_all::<DeviceBinding>(&addresses, ns::PROGRAM_ID, "device binding")
        .await?
        .into_iter()
        .filter_map(|f| f.account)
        .map(|b| BindingInput {
            device_key: b.device_key.to_bytes(),
            node: b.node.to_bytes(),
            node_id: b.node_id,
            bound_at: b.bound_at,
            unbound_at: b.unbound_at,
        })
        .collect();

    let requester_keys: BTreeSet<[u8; 32]> = receipts
        .iter()
        .filter_map(|r| WorkReceipt::decode(&r.message).ok())
        .map(|m| m.requester)
        .collect();
    let mut requesters = Vec::with_capacity(requester_keys.len());
    for key in requester_keys {
        let fetched = chain.requester(&Pubkey::new_from_array(key)).await?;
        if let Some(r) = fetched.account {
            requesters.push(RequesterEntry {
                key,
                first_epoch: r.first_epoch,
                retired_epoch: (r.retired_epoch != Requester::ACTIVE).then_some(r.retired_epoch),
            });
        }
    }

    let mut nodes = Vec::with_capacity(snapshot.nodes.len());
    for n in &snapshot.nodes {
        nodes.push(n.input().ok_or(GatherError::UnknownKind(n.kind))?);
    }
    Ok(EpochInputs {
        deployment: ctx.deployment,
        clock: ctx.clock,
        epoch: ctx.epoch,
        params: ctx.params,
        stake_decimals: snapshot.stake_decimals,
        min_stake: snapshot.min_stake,
        nodes,
        bindings,
        requesters,
        readings,
        receipts,
    })
}

/// The binding address of each of `keys`, in order, derived on every core off the async
/// workers: one `find_program_address` costs several microseconds of curve arithmetic, which
/// at a million keys is seconds, the largest part of a gather.
async fn binding_addresses(keys: Vec<Pubkey>) -> Result<Vec<Pubkey>, GatherError> {
    let derive = move || -> Result<Vec<Pubkey>, GatherError> {
        let config = ns::config_address();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let per_thread = keys.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            let workers: Vec<_> = keys
                .chunks(per_thread)
                .map(|chunk| {
                    scope.spawn(move || {
                        chunk.iter().map(|k| ns::device_binding_pda(&config, k).0).collect()
                    })
                })
                .collect();
            let mut out = Vec::with_capacity(keys.len());
            for worker in workers {
                let part: Vec<Pubkey> =
                    worker.join().map_err(|_| GatherError::Task("a worker panicked".into()))?;
                out.extend(part);
            }
            Ok(out)
        })
    };
    tokio::task::spawn_blocking(derive).await.map_err(|e| GatherError::Task(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn binding_addresses_are_each_keys_pda_in_order() {
        for n in [0usize, 1, 7] {
            let keys: Vec<Pubkey> = (0..n).map(|i| Pubkey::new_from_array([i as u8; 32])).collect();
            let expected: Vec<Pubkey> =
                keys.iter().map(|k| ns::device_binding_pda(&ns::config_address(), k).0).collect();
            assert_eq!(binding_addresses(keys).await.expect("derive"), expected);
        }
    }
}
