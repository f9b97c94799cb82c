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
    #[error(
        "the binding address stored for device key {} ({address}) is not its binding's: the \
         store's binding_addresses table is corrupt (delete its rows to derive them again)",
        crate::ingest::wire::hex(key)
    )]
    WrongBindingAddress { key: [u8; 32], address: Pubkey },
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

/// The inputs of `ctx.epoch` from the store, the chain and `snapshot`, readings included:
/// for the archive and pruning, which keep them. The close streams them instead
/// ([`gather_keyed`], [`super::stream`]).
pub async fn gather(
    chain: &dyn Chain,
    store: &Store,
    ctx: &EpochContext,
    snapshot: &Snapshot,
) -> Result<EpochInputs, GatherError> {
    check_snapshot(ctx, snapshot)?;
    // The epoch's readings with their keys' history: the start boundary and the low counter
    // (§9.3) come from earlier readings of the keys.
    let mut readings = store.readings_of_epoch_keys(ctx.epoch, ctx.end).await?;
    canonical_readings(&mut readings);
    let mut keys: Vec<[u8; 32]> = readings.iter().map(|r| r.device_key).collect();
    keys.dedup(); // sorted by `canonical_readings`
    let mut inputs = gather_chain(chain, store, ctx, snapshot, &keys).await?;
    inputs.readings = readings;
    Ok(inputs)
}

/// The inputs of `ctx.epoch` but its readings (left empty), and the device keys that signed
/// a reading of the epoch (sorted): the keys whose readings the close then streams.
pub async fn gather_keyed(
    chain: &dyn Chain,
    store: &Store,
    ctx: &EpochContext,
    snapshot: &Snapshot,
) -> Result<(EpochInputs, Vec<[u8; 32]>), GatherError> {
    check_snapshot(ctx, snapshot)?;
    let keys = store.epoch_device_keys(ctx.epoch).await?;
    let inputs = gather_chain(chain, store, ctx, snapshot, &keys).await?;
    Ok((inputs, keys))
}

fn check_snapshot(ctx: &EpochContext, snapshot: &Snapshot) -> Result<(), GatherError> {
    if snapshot.epoch != ctx.epoch {
        return Err(GatherError::WrongSnapshot { snapshot: snapshot.epoch, epoch: ctx.epoch });
    }
    Ok(())
}

/// Everything but the readings: the epoch's receipts, the bindings of `reading_keys`
/// (sorted, distinct) and of the receipts' keys, the requesters the receipts name, the
/// snapshot's node views.
async fn gather_chain(
    chain: &dyn Chain,
    store: &Store,
    ctx: &EpochContext,
    snapshot: &Snapshot,
    reading_keys: &[[u8; 32]],
) -> Result<EpochInputs, GatherError> {
    let started = std::time::Instant::now();
    let mut receipts = store.epoch_receipts(ctx.epoch).await?;
    canonical_receipts(&mut receipts);
    let mut device_keys: Vec<[u8; 32]> =
        reading_keys.iter().copied().chain(receipts.iter().map(|r| r.device_key)).collect();
    device_keys.sort_unstable();
    device_keys.dedup();
    let stored = started.elapsed();
    let addresses = binding_addresses(store, &device_keys).await?;
    let derived = started.elapsed();
    let fetched =
        chain.fetch_all::<DeviceBinding>(&addresses, ns::PROGRAM_ID, "device binding").await?;
    let mut bindings = Vec::with_capacity(fetched.len());
    for (key, f) in device_keys.iter().zip(fetched) {
        let Some(b) = f.account else {
            // No binding there: the key is unbound, or the memo is wrong. Unbound keys are
            // few, so their address is derived again to tell which.
            let pda = ns::device_binding_pda(&ns::config_address(), &Pubkey::from(*key)).0;
            if pda != f.address {
                return Err(GatherError::WrongBindingAddress { key: *key, address: f.address });
            }
            continue;
        };
        // A binding always names its key; another key here means the memo is wrong.
        if b.device_key.to_bytes() != *key {
            return Err(GatherError::WrongBindingAddress { key: *key, address: f.address });
        }
        bindings.push(BindingInput {
            device_key: *key,
            node: b.node.to_bytes(),
            node_id: b.node_id,
            bound_at: b.bound_at,
            unbound_at: b.unbound_at,
        });
    }

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

    tracing::debug!(
        epoch = ctx.epoch,
        keys = device_keys.len(),
        receipts = receipts.len(),
        store_ms = stored.as_millis(),
        derive_ms = derived.saturating_sub(stored).as_millis(),
        chain_ms = started.elapsed().saturating_sub(derived).as_millis(),
        "epoch chain inputs gathered"
    );
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
        readings: Vec::new(),
        receipts,
    })
}

/// The binding address of each of `keys` (sorted, distinct), in order: from the store's
/// memo, and for keys it does not hold yet derived (then remembered).
pub async fn binding_addresses(
    store: &Store,
    keys: &[[u8; 32]],
) -> Result<Vec<Pubkey>, GatherError> {
    // The memo only saves time: a store that cannot read or write it derives instead.
    let known = store.binding_addresses().await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "binding address memo unreadable; deriving every address");
        Vec::new()
    });
    let mut out = Vec::with_capacity(keys.len());
    // Indexes into `keys` of the keys the memo does not hold.
    let mut missing = Vec::new();
    // Both sorted by key: one merge walk.
    let mut held = known.iter().peekable();
    for (i, key) in keys.iter().enumerate() {
        while held.next_if(|(k, _)| k < key).is_some() {}
        match held.peek() {
            Some((k, address)) if k == key => out.push(Pubkey::new_from_array(*address)),
            _ => {
                missing.push(i);
                out.push(Pubkey::default());
            }
        }
    }
    drop(known);
    if !missing.is_empty() {
        let new_keys: Vec<Pubkey> = missing
            .iter()
            .filter_map(|&i| keys.get(i))
            .map(|k| Pubkey::new_from_array(*k))
            .collect();
        let derived = derive_binding_addresses(new_keys.clone()).await?;
        for (&i, address) in missing.iter().zip(&derived) {
            if let Some(slot) = out.get_mut(i) {
                *slot = *address;
            }
        }
        let new: Vec<_> =
            new_keys.iter().zip(&derived).map(|(k, a)| (k.to_bytes(), a.to_bytes())).collect();
        if let Err(e) = store.save_binding_addresses(&new).await {
            tracing::warn!(error = %e, "binding addresses not remembered; the next close derives them");
        }
    }
    Ok(out)
}

/// The binding address of each of `keys`, in order, derived on every core off the async
/// workers: one `find_program_address` costs several microseconds of curve arithmetic, which
/// at a million keys is seconds.
async fn derive_binding_addresses(keys: Vec<Pubkey>) -> Result<Vec<Pubkey>, GatherError> {
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

    fn pda(key: &[u8; 32]) -> Pubkey {
        ns::device_binding_pda(&ns::config_address(), &Pubkey::new_from_array(*key)).0
    }

    #[tokio::test]
    async fn derived_binding_addresses_are_each_keys_pda_in_order() {
        for n in [0usize, 1, 7] {
            let keys: Vec<[u8; 32]> = (0..n).map(|i| [i as u8; 32]).collect();
            let expected: Vec<Pubkey> = keys.iter().map(pda).collect();
            let keys = keys.into_iter().map(Pubkey::new_from_array).collect();
            assert_eq!(derive_binding_addresses(keys).await.expect("derive"), expected);
        }
    }

    #[tokio::test]
    async fn binding_addresses_are_derived_once_then_read_from_the_store() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&Store::sqlite_url(&dir.path().join("o.db"))).await.expect("open");
        // Given keys the store has not seen, When their addresses are asked for, Then each is
        // its key's PDA, and the store remembers them.
        let first: Vec<[u8; 32]> = vec![[2; 32], [4; 32], [6; 32]];
        let addresses = binding_addresses(&store, &first).await.expect("derive");
        assert_eq!(addresses, first.iter().map(pda).collect::<Vec<_>>());
        let held: Vec<_> = first.iter().map(|k| (*k, pda(k).to_bytes())).collect();
        assert_eq!(store.binding_addresses().await.expect("memo"), held);
        // Given a remembered entry (changed here to tell it from a derivation) and keys
        // around the remembered ones, Then held keys come from the store, new ones are derived.
        let marker = [0xee; 32];
        sqlx::query("UPDATE binding_addresses SET address = $1 WHERE device_key = $2")
            .bind(marker.to_vec())
            .bind([4u8; 32].to_vec())
            .execute(store.pool())
            .await
            .expect("mark");
        let keys: Vec<[u8; 32]> = vec![[1; 32], [2; 32], [4; 32], [5; 32], [7; 32]];
        let got = binding_addresses(&store, &keys).await.expect("mixed");
        let expected = vec![
            pda(&[1; 32]),
            pda(&[2; 32]),
            Pubkey::new_from_array(marker),
            pda(&[5; 32]),
            pda(&[7; 32]),
        ];
        assert_eq!(got, expected);
        assert_eq!(store.binding_addresses().await.expect("memo").len(), 6);
    }
}
