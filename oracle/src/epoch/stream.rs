//! The close's readings, streamed from the store into crediting one device key at a time
//! (`gridmint_protocol::crediting::fed`).
//!
//! Why: an epoch's readings with their keys' history are the largest thing a close reads
//! (two million at a million devices with two readings each; hundreds of millions at a
//! five-minute cadence), and crediting needs them only key by key. So the store's rows,
//! ordered by device key, go in chunks through a bounded channel to the crediting thread,
//! which hands each key's readings to `EpochCrediting::add_device` and drops them. Memory is
//! a few chunks of readings (crediting keeps each binding's outcome and the identities it
//! judged), and the store's reads (its own thread) overlap crediting (another core).

use futures_util::TryStreamExt;
use gridmint_protocol::crediting::{CreditError, EpochCrediting, SignedReading};
use tokio::sync::mpsc;

use crate::store::{Store, StoreError};

/// Readings per message to the crediting thread.
const CHUNK: usize = 4_096;
/// Messages in flight: how far the store may run ahead of crediting.
const IN_FLIGHT: usize = 4;

/// The store's end of the stream.
pub struct ReadingSender(mpsc::Sender<Vec<SignedReading>>);

/// Crediting's end of the stream, with the keys to credit.
pub struct ReadingFeed {
    rx: mpsc::Receiver<Vec<SignedReading>>,
    keys: Vec<[u8; 32]>,
}

/// A stream for the readings of `keys` (sorted, distinct: the keys whose bindings were
/// gathered).
pub fn channel(keys: Vec<[u8; 32]>) -> (ReadingSender, ReadingFeed) {
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    (ReadingSender(tx), ReadingFeed { rx, keys })
}

impl ReadingSender {
    /// The channel's sending half (tests fill it by hand).
    #[cfg(test)]
    pub(crate) fn into_inner(self) -> mpsc::Sender<Vec<SignedReading>> {
        self.0
    }

    /// Sends the readings of `epoch`'s keys (`end` its end) in device-key order. Stops early,
    /// without error, when crediting stopped (its own error is the close's). A store error
    /// mid-stream is returned, and the close must then be discarded: it credited part of
    /// the epoch.
    pub async fn send_epoch(self, store: &Store, epoch: u64, end: i64) -> Result<(), StoreError> {
        let rows = store.readings_of_epoch_keys_by_key(epoch, end);
        futures_util::pin_mut!(rows);
        let mut chunk = Vec::with_capacity(CHUNK);
        while let Some(reading) = rows.try_next().await? {
            chunk.push(reading);
            if chunk.len() == CHUNK {
                let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                if self.0.send(full).await.is_err() {
                    return Ok(());
                }
            }
        }
        if !chunk.is_empty() {
            // A closed channel here is crediting's error, reported by it.
            let _ = self.0.send(chunk).await;
        }
        Ok(())
    }
}

impl ReadingFeed {
    /// Credits every key of `keys` with its readings as they come (blocking: crediting runs
    /// on a thread of its own), until the sender is done. Readings of other keys (their
    /// first reading of the epoch committed after the keys were listed, so their bindings
    /// were not gathered) are skipped whole, as if they had come a moment later. Keys must
    /// come in increasing order: else `DeviceKeysOutOfOrder`, never a silent skip.
    pub fn feed(mut self, crediting: &mut EpochCrediting<'_>) -> Result<(), CreditError> {
        let mut wanted = self.keys.iter().peekable();
        let mut group: Vec<SignedReading> = Vec::new();
        let mut group_key: Option<[u8; 32]> = None;
        let mut take = false;
        while let Some(chunk) = self.rx.blocking_recv() {
            for reading in chunk {
                let key = reading.device_key;
                if group_key != Some(key) {
                    if group_key.is_some_and(|previous| key < previous) {
                        return Err(CreditError::DeviceKeysOutOfOrder(key));
                    }
                    crediting.add_device(&group)?;
                    group.clear();
                    group_key = Some(key);
                    while wanted.next_if(|k| **k < key).is_some() {}
                    take = wanted.peek().is_some_and(|k| **k == key);
                }
                if take {
                    group.push(reading);
                }
            }
        }
        crediting.add_device(&group)
    }
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
