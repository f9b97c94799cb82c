//! Sorting `(key, amount)` entries by key. Off chain: most-significant-byte radix partitions
//! (American flag sort) until buckets are small, then a comparison sort. At a million entries
//! a comparison sort walks the whole vector on each of ~20 levels; the partitions walk it once
//! and leave buckets that fit in the cache. [`Buckets`] goes one step further for the epoch's
//! per-recipient sums: each entry is written straight into the bucket of its key's first byte,
//! so the sort starts one level down and the whole vector is never permuted.

use super::sums::{key_order, sum_sorted};
use super::{RecipientAmounts, RewardError};

type Entry = ([u8; 32], u64);

/// Entries written into per-first-byte buckets sized beforehand from an upper bound on each
/// bucket's count.
pub(super) struct Buckets {
    entries: Vec<Entry>,
    /// `next[d]`: the next free slot of bucket `d`; `ends[d]`: one past its last slot. Bucket
    /// `d` starts where bucket `d − 1` ends.
    next: [usize; 256],
    ends: [usize; 256],
}

impl Buckets {
    /// Room for at most `bound[d]` entries whose key starts with byte `d`.
    pub fn new(bound: &[usize; 256]) -> Result<Self, RewardError> {
        let (mut next, mut ends) = ([0usize; 256], [0usize; 256]);
        let mut total = 0usize;
        for ((start, end), count) in next.iter_mut().zip(ends.iter_mut()).zip(bound) {
            *start = total;
            total = total.checked_add(*count).ok_or(RewardError::Overflow)?;
            *end = total;
        }
        Ok(Self { entries: vec![([0; 32], 0); total], next, ends })
    }

    /// Adds an entry. More entries for a bucket than its bound is the caller's error, reported
    /// as `Overflow` (the bound was wrong) rather than a panic.
    pub fn push(&mut self, key: [u8; 32], amount: u64) -> Result<(), RewardError> {
        let d = usize::from(key[0]);
        let slot = self.next[d];
        if slot >= self.ends[d] {
            return Err(RewardError::Overflow);
        }
        self.entries[slot] = (key, amount);
        self.next[d] = slot.wrapping_add(1);
        Ok(())
    }

    /// The entries sorted by key with equal keys summed.
    pub fn into_sums(mut self) -> Result<RecipientAmounts, RewardError> {
        // Close the gaps left by bounds above the real counts, sorting each bucket from its
        // second byte on.
        let mut written = 0usize;
        let mut start = 0usize;
        for d in 0..256 {
            let (filled, end) = (self.next[d], self.ends[d]);
            let len = filled.wrapping_sub(start);
            self.entries.copy_within(start..filled, written);
            let upto = written.wrapping_add(len);
            sort_from_byte(&mut self.entries[written..upto], 1);
            (written, start) = (upto, end);
        }
        self.entries.truncate(written);
        sum_sorted(self.entries)
    }
}

/// Sorts entries by key (bytewise), in place.
pub(super) fn sort_by_key(entries: &mut [Entry]) {
    sort_from_byte(entries, 0);
}

/// On chain, a plain comparison sort (no recursion, no 2 KiB count arrays on the stack).
#[cfg(target_os = "solana")]
fn sort_from_byte(entries: &mut [Entry], _byte: usize) {
    entries.sort_unstable_by(|a, b| key_order(&a.0, &b.0));
}

/// Buckets up to this size are sorted by comparison.
#[cfg(not(target_os = "solana"))]
const SMALL_BUCKET: usize = 48;

/// Sorts `entries` whose keys agree on the bytes before `byte`.
#[cfg(not(target_os = "solana"))]
fn sort_from_byte(entries: &mut [Entry], byte: usize) {
    if entries.len() <= SMALL_BUCKET || byte >= 32 {
        entries.sort_unstable_by(|a, b| key_order(&a.0, &b.0));
        return;
    }
    let digit = |entry: &Entry| usize::from(entry.0[byte]);
    let mut counts = [0usize; 256];
    for entry in entries.iter() {
        // At most `entries.len()`: cannot wrap.
        counts[digit(entry)] = counts[digit(entry)].wrapping_add(1);
    }
    let next_byte = byte.wrapping_add(1);
    if counts.contains(&entries.len()) {
        // Every key has the same byte here: nothing to move.
        return sort_from_byte(entries, next_byte);
    }
    // `next[d]` is the first slot of bucket `d` not yet holding a key with digit `d`.
    let mut ends = [0usize; 256];
    let mut next = [0usize; 256];
    let mut sum = 0usize;
    for d in 0..256 {
        next[d] = sum;
        sum = sum.wrapping_add(counts[d]);
        ends[d] = sum;
    }
    for d in 0..256 {
        while next[d] < ends[d] {
            let target = digit(&entries[next[d]]);
            if target != d {
                // Move the entry to its bucket and look again at what came back.
                entries.swap(next[d], next[target]);
            }
            next[target] = next[target].wrapping_add(1);
        }
    }
    let mut rest = entries;
    for count in counts {
        let (bucket, tail) = rest.split_at_mut(count);
        sort_from_byte(bucket, next_byte);
        rest = tail;
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)] // test arithmetic on small known values
pub(super) mod tests {
    use super::*;
    use rand::{rngs::StdRng, Rng, SeedableRng};
    use std::collections::BTreeMap;

    /// Keys that share long prefixes (radix partitions down to the last byte), equal keys,
    /// and random ones, in sizes around the comparison-sort threshold.
    pub(in crate::rewards) fn adversarial_key(rng: &mut StdRng, shape: u8) -> [u8; 32] {
        let mut key: [u8; 32] = rng.gen();
        match shape {
            0 => key[..31].fill(7),
            1 => key[..rng.gen_range(0..32)].fill(0xFF),
            2 => key = [3; 32],
            _ => {}
        }
        key
    }

    #[test]
    fn radix_sort_orders_like_the_comparison_sort() {
        let mut rng = StdRng::seed_from_u64(0x7261_6469);
        for len in [0, 1, SMALL_BUCKET - 1, SMALL_BUCKET, SMALL_BUCKET + 1, 300, 12_000] {
            for shape in 0..5u8 {
                let mut entries: Vec<Entry> = (0..len)
                    .map(|i| {
                        let mixed = shape.min(rng.gen_range(0..5));
                        (adversarial_key(&mut rng, mixed), i as u64)
                    })
                    .collect();
                let mut expected = entries.clone();
                expected.sort_by_key(|a| a.0);
                sort_by_key(&mut entries);
                // Equal keys may come in any order; the keys themselves must match.
                let keys = |v: &[Entry]| v.iter().map(|e| e.0).collect::<Vec<_>>();
                assert_eq!(keys(&entries), keys(&expected), "len {len} shape {shape}");
            }
        }
    }

    #[test]
    fn buckets_sum_like_a_map_with_loose_bounds() {
        let mut rng = StdRng::seed_from_u64(0x6275_636b);
        for _ in 0..200 {
            let entries: Vec<Entry> = (0..rng.gen_range(0..400))
                .map(|_| {
                    let shape = rng.gen_range(0..5);
                    (adversarial_key(&mut rng, shape), rng.gen_range(1..1u64 << 40))
                })
                .collect();
            let mut bound = [0usize; 256];
            for (key, _) in &entries {
                bound[usize::from(key[0])] += 1;
            }
            // Bounds above the real counts leave gaps that must be closed.
            for b in bound.iter_mut() {
                *b += rng.gen_range(0..3);
            }
            let mut buckets = Buckets::new(&bound).unwrap();
            let mut map: BTreeMap<[u8; 32], u64> = BTreeMap::new();
            for (key, amount) in &entries {
                buckets.push(*key, *amount).unwrap();
                *map.entry(*key).or_insert(0) += amount;
            }
            assert_eq!(buckets.into_sums().unwrap(), map.into_iter().collect::<Vec<_>>());
        }
        // More entries than a bucket's bound is refused, not a panic.
        let mut bound = [0usize; 256];
        bound[5] = 1;
        let mut buckets = Buckets::new(&bound).unwrap();
        let mut key = [0u8; 32];
        key[0] = 5;
        assert_eq!(buckets.push(key, 1), Ok(()));
        assert_eq!(buckets.push(key, 1), Err(RewardError::Overflow));
        key[0] = 6;
        assert_eq!(buckets.push(key, 1), Err(RewardError::Overflow));
    }
}
