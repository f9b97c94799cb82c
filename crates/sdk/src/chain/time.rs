//! The chain's clock between reads.
//!
//! Protocol deadlines (challenge deadlines, beacon windows, epoch ends) are in chain time,
//! `Clock::unix_timestamp`, which may differ from a machine's wall clock: a real cluster's by
//! seconds, an in-process validator's by much more while its cores are busy. A service that
//! judges or meets such a deadline stamps it with [`ChainTime::now`]: the last chain clock it
//! read plus the monotonic time since, so that it agrees with the chain rather than with its
//! own wall clock. Until the first read it falls back to the wall clock.

use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;

use super::Signature;
use super::{Account, Chain, ChainError, DataSlice, InnerInstruction, Keypair, ReadAt, Scan};

/// The newest observed chain clock and when it was observed.
#[derive(Debug, Default)]
pub struct ChainTime {
    seen: Mutex<Option<(i64, Instant)>>,
}

impl ChainTime {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a chain clock read just now (e.g. `Fetched::unix_timestamp`). The newest read
    /// wins even when it is behind the estimate: the chain, not the extrapolation, is right.
    pub fn observe(&self, unix_timestamp: i64) {
        self.observe_at(unix_timestamp, Instant::now());
    }

    fn observe_at(&self, unix_timestamp: i64, at: Instant) {
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = Some((unix_timestamp, at));
    }

    /// The estimated chain time in whole seconds; `None` before the first read.
    pub fn estimate(&self) -> Option<i64> {
        self.estimate_at(Instant::now())
    }

    fn estimate_at(&self, at: Instant) -> Option<i64> {
        let (seen, when) = (*self.seen.lock().unwrap_or_else(|p| p.into_inner()))?;
        let elapsed = at.saturating_duration_since(when).as_secs();
        Some(seen.saturating_add(i64::try_from(elapsed).unwrap_or(i64::MAX)))
    }

    /// [`ChainTime::estimate`], or the wall clock before the first read.
    pub fn now(&self) -> i64 {
        self.estimate().unwrap_or_else(wall_clock)
    }
}

/// Any [`Chain`] whose every read feeds a [`ChainTime`]: wrap the process's chain once and
/// everything that reads it keeps the estimate fresh.
pub struct ClockedChain {
    inner: Arc<dyn Chain>,
    time: Arc<ChainTime>,
}

impl ClockedChain {
    pub fn new(inner: Arc<dyn Chain>, time: Arc<ChainTime>) -> Self {
        Self { inner, time }
    }
}

#[async_trait::async_trait]
impl Chain for ClockedChain {
    async fn read_accounts(
        &self,
        addresses: &[Pubkey],
        slice: Option<DataSlice>,
    ) -> Result<ReadAt<Vec<Option<Account>>>, ChainError> {
        let read = self.inner.read_accounts(addresses, slice).await?;
        self.time.observe(read.unix_timestamp);
        Ok(read)
    }

    async fn scan(&self, scan: Scan) -> Result<Vec<Pubkey>, ChainError> {
        self.inner.scan(scan).await
    }

    async fn send_transaction(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<Signature, ChainError> {
        self.inner.send_transaction(instructions, payer, signers).await
    }

    async fn inner_instructions(
        &self,
        signature: &Signature,
    ) -> Result<Option<Vec<InnerInstruction>>, ChainError> {
        self.inner.inner_instructions(signature).await
    }
}

/// Unix seconds of the system clock.
pub fn wall_clock() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn extrapolates_from_the_newest_read_and_falls_back_to_the_wall_clock() {
        let t = ChainTime::new();
        assert_eq!(t.estimate(), None);
        let wall = wall_clock();
        assert!((wall..=wall + 1).contains(&t.now()));
        let start = Instant::now();
        t.observe_at(1_000, start);
        assert_eq!(t.estimate_at(start), Some(1_000));
        assert_eq!(t.estimate_at(start + Duration::from_millis(2_500)), Some(1_002));
        // A later read behind the extrapolation (the chain slowed down) is believed.
        t.observe_at(1_001, start + Duration::from_secs(5));
        assert_eq!(t.estimate_at(start + Duration::from_secs(5)), Some(1_001));
        // An instant before the read (clock source races) never goes below it.
        assert_eq!(t.estimate_at(start), Some(1_001));
    }
}
