//! `epoch_keys`: the device keys that signed a stored reading of each epoch (migration
//! `0011_epoch_keys_table`), from which a close lists its keys.
//!
//! Why a table and not an index of `readings`: an index is written once per reading, at a
//! random page; this table once per (epoch, key). Each group commit lists the pairs of its
//! readings in the same transaction (so a stored reading's key is always listed), skipping
//! pairs it knows were committed before ([`KnownPairs`]). Rows are never deleted: pruning
//! keeps a reading of every key of the epoch.

use std::collections::HashSet;
use std::sync::Mutex;

use sqlx::{Any, Transaction};

use super::commit::values;
use super::rows::{to_db, NewReading};
use super::{Backend, StoreError};

/// Pairs remembered at most (about 50 MB); past that the memory starts over with the pairs
/// of the next commit. A million devices reporting every few minutes fit: each pair is
/// remembered from its first reading of the epoch to the epoch's end, and older epochs' pairs
/// go at the first overflow.
const KNOWN_MAX: usize = 1 << 20;
/// Pairs per `INSERT` statement (2 parameters each).
const PAIRS_PER_STATEMENT: usize = 1_024;

/// An (epoch, device key) pair.
pub type Pair = (u64, [u8; 32]);

/// Pairs committed to `epoch_keys` by this process: only an optimisation (a pair missing
/// here is inserted again, which changes nothing), so it is bounded and may forget. Rows of
/// `epoch_keys` are never deleted (pruning keeps a reading of every key), so a remembered
/// pair stays true.
#[derive(Default)]
pub struct KnownPairs(Mutex<HashSet<Pair>>);

impl KnownPairs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<Pair>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The distinct pairs of `readings` (those with an epoch) not known to be committed,
    /// sorted: PostgreSQL replicas inserting overlapping pairs then lock them in one order.
    pub fn unknown<'a>(&self, readings: impl Iterator<Item = &'a NewReading>) -> Vec<Pair> {
        let known = self.lock();
        let mut pairs: Vec<Pair> = readings
            .filter_map(|r| r.epoch.map(|e| (e, r.signed.device_key)))
            .filter(|p| !known.contains(p))
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }

    /// Remembers `pairs` (call after their transaction committed); more than fit at once
    /// (a peer's whole epoch) are not remembered.
    pub fn committed(&self, pairs: &[Pair]) {
        if pairs.len() > KNOWN_MAX {
            return;
        }
        let mut known = self.lock();
        if known.len().saturating_add(pairs.len()) > KNOWN_MAX {
            known.clear();
        }
        known.extend(pairs.iter().copied());
    }

    /// How many pairs are remembered.
    #[cfg(test)]
    pub fn remembered(&self) -> usize {
        self.lock().len()
    }
}

/// Lists `pairs` in `epoch_keys` within `tx` (pairs already listed are left as they are).
pub async fn insert(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    pairs: &[Pair],
) -> Result<(), StoreError> {
    for chunk in pairs.chunks(PAIRS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO epoch_keys (epoch, device_key) VALUES {} ON CONFLICT DO NOTHING",
            values(backend, chunk.len(), 2)
        );
        let query = chunk
            .iter()
            .fold(sqlx::query(&sql), |q, (epoch, key)| q.bind(to_db(*epoch)).bind(key.to_vec()));
        query.execute(&mut **tx).await?;
    }
    Ok(())
}
