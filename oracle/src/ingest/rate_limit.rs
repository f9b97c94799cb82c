//! Per-device rate limit in *device* time.
//!
//! Why device time: an agent that was offline flushes hours of queued readings at once; its
//! readings carry their own (old) timestamps, spread over many minutes, so counting per
//! minute of device time never throttles an honest backlog. Only a device that signs more
//! than the limit within one minute of its own clock is refused (`rate_limited`, retryable).
//! Duplicates give their slot back, so resending a batch is never throttled either.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// Buckets kept per device; older minutes are forgotten (a late duplicate of a forgotten
/// minute is counted afresh, which only ever loosens the limit).
const MAX_BUCKETS: usize = 1_024;

pub struct RateLimiter {
    /// Items per device per minute of device time; 0 disables the limit.
    per_minute: u32,
    counts: Mutex<HashMap<[u8; 32], BTreeMap<i64, u32>>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self { per_minute, counts: Mutex::new(HashMap::new()) }
    }

    /// Takes a slot in the minute of `device_time`; `false` when that minute is full.
    pub fn try_take(&self, device_key: &[u8; 32], device_time: i64) -> bool {
        if self.per_minute == 0 {
            return true;
        }
        let minute = device_time.div_euclid(60);
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let buckets = counts.entry(*device_key).or_default();
        let n = buckets.entry(minute).or_insert(0);
        if *n >= self.per_minute {
            return false;
        }
        *n = n.saturating_add(1);
        while buckets.len() > MAX_BUCKETS {
            buckets.pop_first();
        }
        true
    }

    /// Gives back a slot taken by an input that turned out to be a duplicate.
    pub fn release(&self, device_key: &[u8; 32], device_time: i64) {
        let minute = device_time.div_euclid(60);
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = counts.get_mut(device_key).and_then(|b| b.get_mut(&minute)) {
            *n = n.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_per_device_minute_of_device_time() {
        let l = RateLimiter::new(2);
        assert!(l.try_take(&[1; 32], 120));
        assert!(l.try_take(&[1; 32], 179));
        // Third in the same device minute: refused; another device is unaffected.
        assert!(!l.try_take(&[1; 32], 150));
        assert!(l.try_take(&[2; 32], 150));
        // The next device minute has its own budget.
        assert!(l.try_take(&[1; 32], 180));
    }

    #[test]
    fn backlog_spread_over_device_minutes_is_never_throttled() {
        let l = RateLimiter::new(1);
        // Ten hours of one reading a minute, flushed at once.
        assert!((0..600).all(|m| l.try_take(&[3; 32], m * 60)));
    }

    #[test]
    fn released_slot_can_be_taken_again_and_zero_disables() {
        let l = RateLimiter::new(1);
        assert!(l.try_take(&[4; 32], -5));
        l.release(&[4; 32], -5);
        assert!(l.try_take(&[4; 32], -5));
        assert!(!l.try_take(&[4; 32], -1));
        let off = RateLimiter::new(0);
        assert!((0..1_000).all(|_| off.try_take(&[5; 32], 0)));
    }
}
