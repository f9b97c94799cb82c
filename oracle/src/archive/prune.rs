//! Pruning an archived epoch `e` from the store without changing any later close.
//!
//! A later close reads, per device key, every stored reading before its start (§9.3): the
//! start boundary `S` (the valid readings with the highest sequence) and the low counters
//! (the highest `produced_wh` and `consumed_wh` of any valid reading). Of `e`'s readings it
//! therefore keeps, per key:
//!
//! - every valid reading with the key's highest sequence in `e` (all of them: several are an
//!   equivocation that a later close must still see);
//! - one valid reading with the highest `produced_wh`, one with the highest `consumed_wh`
//!   (ties: the highest sequence, then identity; for an honest device all three are one
//!   reading);
//! - every reading with the key's highest sequence in `e` whatever its validity, so
//!   `GET /v1/devices/{key}/last-reading` answers the same.
//!
//! Maxima of maxima are maxima, so the readings kept from each epoch give every later close
//! the same `S` and low counters as the full history. "Valid" is decided by `credit_epoch`
//! over the same gathered inputs; a reading counts as invalid only for a reason that can
//! never change for a past reading (a binding is never re-pointed, its window only closes,
//! a node's kind is fixed); `UnknownNode` (a node missing from the snapshot) counts as valid.
//! Receipts are read by their own epoch's close only: all of `e`'s go. Readings before
//! genesis (no epoch) are never pruned.

use std::collections::{BTreeMap, BTreeSet};

use anchor_lang::prelude::Pubkey;
use gridmint_protocol::crediting::{EpochCredit, InputKind, RejectReason, SignedReading};
use gridmint_protocol::merkle::Hash32;
use gridmint_protocol::messages::EnergyReading;
use gridmint_sdk::chain::ChainExt;
use gridmint_sdk::node_staking as ns;
use gridmint_sdk::rewards as rw;

use super::build::{credit_stored, Unavailable};
use super::{verify, Archiver, PassSummary, TaskError};
use crate::epoch::Engine;
use crate::store::{PrunedEpoch, ReadingKey};

/// Reasons that make a reading of a past epoch invalid for every later close.
fn invalid_for_good(reason: RejectReason) -> bool {
    use RejectReason as R;
    matches!(
        reason,
        R::MalformedMessage
            | R::WrongDeployment
            | R::UnknownDeviceKey
            | R::BindingNodeMismatch
            | R::NotBound
            | R::ConsumedOnNonHybrid
    )
}

/// The readings `credit` rejected for a reason that holds for every later close.
pub fn invalid_readings(credit: &EpochCredit) -> BTreeSet<Hash32> {
    credit
        .rejected
        .iter()
        .filter(|r| r.input == InputKind::Reading && invalid_for_good(r.reason))
        .map(|r| r.id)
        .collect()
}

/// The maxima of one device key's readings in the epoch.
#[derive(Default)]
struct Maxima {
    /// Highest sequence of any reading, with every reading that has it.
    any_sequence: Option<(u64, Vec<Hash32>)>,
    /// The same over the valid readings.
    valid_sequence: Option<(u64, Vec<Hash32>)>,
    /// `(counter, sequence, identity)` of the best valid reading by that counter: ties go to
    /// the highest sequence, so an honest device keeps one reading per epoch.
    produced: Option<(u64, u64, Hash32)>,
    consumed: Option<(u64, u64, Hash32)>,
}

fn top_set(slot: &mut Option<(u64, Vec<Hash32>)>, value: u64, id: Hash32) {
    match slot {
        Some((v, ids)) if *v == value => ids.push(id),
        Some((v, _)) if *v > value => {}
        _ => *slot = Some((value, vec![id])),
    }
}

fn top_one(slot: &mut Option<(u64, u64, Hash32)>, candidate: (u64, u64, Hash32)) {
    if slot.is_none_or(|best| candidate > best) {
        *slot = Some(candidate);
    }
}

/// The identities among `rows` (one epoch's stored readings) that later closes still read;
/// `invalid` are the readings invalid for good. A row whose message does not decode is kept.
pub fn readings_to_keep(rows: &[SignedReading], invalid: &BTreeSet<Hash32>) -> BTreeSet<Hash32> {
    let mut keep = BTreeSet::new();
    let mut per_key: BTreeMap<[u8; 32], Maxima> = BTreeMap::new();
    for r in rows {
        let id = r.identity();
        let Ok(m) = EnergyReading::decode(&r.message) else {
            keep.insert(id);
            continue;
        };
        let best = per_key.entry(r.device_key).or_default();
        top_set(&mut best.any_sequence, m.sequence, id);
        if !invalid.contains(&id) {
            top_set(&mut best.valid_sequence, m.sequence, id);
            top_one(&mut best.produced, (m.produced_wh, m.sequence, id));
            top_one(&mut best.consumed, (m.consumed_wh, m.sequence, id));
        }
    }
    for best in per_key.into_values() {
        keep.extend(best.any_sequence.into_iter().flat_map(|(_, ids)| ids));
        keep.extend(best.valid_sequence.into_iter().flat_map(|(_, ids)| ids));
        keep.extend(best.produced.map(|(_, _, id)| id));
        keep.extend(best.consumed.map(|(_, _, id)| id));
    }
    keep
}

/// Deletes what later closes do not read of `epoch` (see the module docs) and records the
/// epoch as pruned. The caller checked the archive and the dispute window.
pub async fn prune_epoch(
    engine: &Engine,
    config: &rw::Config,
    epoch: u64,
    manifest_hash: Hash32,
    now: i64,
) -> Result<Result<PrunedEpoch, Unavailable>, TaskError> {
    let credit = match credit_stored(engine, config, epoch).await? {
        Ok((_, _, credit)) => credit,
        Err(why) => return Ok(Err(why)),
    };
    let rows = engine.store.epoch_readings(epoch).await?;
    let keep = readings_to_keep(&rows, &invalid_readings(&credit));
    // By their unique key (identity, device key, sequence): a stored reading decodes (ingest
    // checked it); one that did not would only be kept.
    let readings: Vec<ReadingKey> = rows
        .iter()
        .filter_map(|r| {
            let id = r.identity();
            let sequence = EnergyReading::decode(&r.message).ok()?.sequence;
            (!keep.contains(&id)).then_some((id, r.device_key, sequence))
        })
        .collect();
    let receipts: Vec<Hash32> =
        engine.store.epoch_receipts(epoch).await?.iter().map(|r| r.identity()).collect();
    let record = PrunedEpoch {
        epoch,
        manifest_hash,
        readings_deleted: 0,
        readings_kept: keep.len() as u64,
        receipts_deleted: 0,
        pruned_at: now,
    };
    Ok(Ok(engine.store.prune_inputs(&record, &readings, &receipts).await?))
}

impl Archiver {
    /// Prunes the epochs in `from..archived` whose retention has passed; returns the new
    /// cursor (the first epoch not pruned). An epoch that cannot be pruned yet is reported in
    /// `summary.waiting` and the later ones are still tried.
    pub(super) async fn prune_pass(
        &self,
        config: &rw::Config,
        now: i64,
        from: u64,
        archived: u64,
        summary: &mut PassSummary,
    ) -> Result<u64, TaskError> {
        let retain = match self.settings.retain_epochs {
            Some(n) => i64::try_from(n).unwrap_or(i64::MAX).saturating_mul(config.epoch_seconds),
            None => self.unbonding_seconds().await?,
        };
        let (mut cursor, mut contiguous) = (from, true);
        for epoch in from..archived {
            let end = config.clock().end(epoch).unwrap_or(i64::MAX);
            if now < end.saturating_add(retain) {
                break; // later epochs end later
            }
            if self.engine.store.pruned(epoch).await?.is_none() {
                match self.prune_one(config, epoch, now, summary).await? {
                    Ok(done) => summary.pruned.push(done),
                    Err(why) => {
                        summary.waiting.push((epoch, why));
                        contiguous = false;
                    }
                }
            }
            if contiguous {
                cursor = epoch + 1;
            }
        }
        Ok(cursor)
    }

    async fn prune_one(
        &self,
        config: &rw::Config,
        epoch: u64,
        now: i64,
        summary: &mut PassSummary,
    ) -> Result<Result<PrunedEpoch, Unavailable>, TaskError> {
        let (manifest, hash) = match self.finalized_manifest(epoch).await? {
            Ok(found) => found,
            Err(why) => return Ok(Err(why)),
        };
        // Without the close's snapshot no reading's validity can be judged: keep them all.
        if self.engine.store.snapshot(epoch).await?.is_none() {
            return Ok(Err(format!("no snapshot of epoch {epoch} here: its inputs stay")));
        }
        let path = self.path(epoch);
        let bytes = tokio::fs::read(&path).await?;
        let checked = tokio::task::spawn_blocking(move || verify(&bytes, Some(&manifest)).err())
            .await
            .map_err(|e| TaskError::Task(e.to_string()))?;
        if let Some(e) = checked {
            // Its header looked current: replace it now (the inputs are all still here).
            tracing::error!(epoch, error = %e, path = %path.display(), "corrupt archive replaced");
            tokio::fs::remove_file(&path).await?;
            self.ensure(config, epoch, summary).await?;
            return Ok(Err(format!("the archive file failed verification ({e}); rewritten")));
        }
        let done = prune_epoch(&self.engine, config, epoch, hash, now).await?;
        if let Ok(p) = &done {
            tracing::info!(epoch, deleted = p.readings_deleted, kept = p.readings_kept, "pruned");
        }
        Ok(done)
    }

    async fn unbonding_seconds(&self) -> Result<i64, TaskError> {
        let address = Pubkey::new_from_array(self.engine.deployment);
        let fetched =
            self.engine.chain.fetch::<ns::Config>(address, ns::PROGRAM_ID, "node-staking config");
        let config = fetched.await?.account.ok_or(TaskError::NoConfig)?;
        Ok(config.unbonding_seconds)
    }
}

#[cfg(test)]
#[path = "prune_tests.rs"]
mod tests;
