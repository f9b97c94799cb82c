//! Per-recipient amounts as recipient-sorted vectors: a sort and linear merges, no maps.
//!
//! An amounts vector is strictly increasing by recipient and holds only non-zero amounts,
//! the same shape as the entries of a [`crate::merkle::CumulativeTree`].

use core::cmp::Ordering;

use super::RewardError;

/// Recipient-sorted `(recipient, amount)` pairs, one per recipient, amounts above zero.
pub type RecipientAmounts = Vec<([u8; 32], u64)>;

/// Orders keys exactly like `[u8; 32]`'s `Ord` (bytewise), as four big-endian words: no
/// `memcmp` call per comparison, and random keys are decided by the first word.
fn key_order(a: &[u8; 32], b: &[u8; 32]) -> Ordering {
    let (mut a, mut b) = (a.as_slice(), b.as_slice());
    while let (Some((x, rest_a)), Some((y, rest_b))) =
        (a.split_first_chunk::<8>(), b.split_first_chunk::<8>())
    {
        match u64::from_be_bytes(*x).cmp(&u64::from_be_bytes(*y)) {
            Ordering::Equal => (a, b) = (rest_a, rest_b),
            decided => return decided,
        }
    }
    Ordering::Equal
}

/// Sums `(recipient, amount)` pairs in any order per recipient, dropping zero amounts.
pub fn sum_by_recipient(mut pairs: Vec<([u8; 32], u64)>) -> Result<RecipientAmounts, RewardError> {
    pairs.retain(|(_, amount)| *amount > 0);
    // Order among equal keys does not matter: the sum is the same and, as all amounts are
    // non-negative, it overflows in every order or in none.
    pairs.sort_unstable_by(|a, b| key_order(&a.0, &b.0));
    let mut overflow = false;
    pairs.dedup_by(|next, kept| {
        if key_order(&next.0, &kept.0) != Ordering::Equal {
            return false;
        }
        match kept.1.checked_add(next.1) {
            Some(sum) => kept.1 = sum,
            None => overflow = true,
        }
        true
    });
    if overflow {
        return Err(RewardError::Overflow);
    }
    Ok(pairs)
}

/// Adds one epoch's per-recipient amounts to the cumulative ones: a linear merge of two
/// recipient-sorted vectors into a new one (recipients of either side, amounts summed).
/// Both inputs must be strictly sorted by recipient, as [`sum_by_recipient`] and
/// `CumulativeState` keep them; otherwise `CumulativeTree::new` rejects the result.
pub fn accumulate(
    cumulative: &[([u8; 32], u64)],
    epoch: &[([u8; 32], u64)],
) -> Result<RecipientAmounts, RewardError> {
    let mut out = Vec::with_capacity(cumulative.len().saturating_add(epoch.len()));
    let (mut old, mut new) = (cumulative.iter().peekable(), epoch.iter().peekable());
    while let (Some(a), Some(b)) = (old.peek(), new.peek()) {
        match key_order(&a.0, &b.0) {
            Ordering::Less => out.extend(old.next()),
            Ordering::Greater => out.extend(new.next()),
            Ordering::Equal => {
                out.push((a.0, a.1.checked_add(b.1).ok_or(RewardError::Overflow)?));
                old.next();
                new.next();
            }
        }
    }
    // One side is exhausted: the rest of the other follows in order.
    out.extend(old);
    out.extend(new);
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)] // test arithmetic on small known values
mod tests {
    use super::*;
    use rand::{rngs::StdRng, Rng, SeedableRng};
    use std::collections::BTreeMap;

    fn key(first: u8, last: u8) -> [u8; 32] {
        let mut k = [0u8; 32];
        k[0] = first;
        k[31] = last;
        k
    }

    #[test]
    fn key_order_is_bytewise_order() {
        let mut rng = StdRng::seed_from_u64(0x6b65_7973);
        for _ in 0..20_000 {
            let a: [u8; 32] = rng.gen();
            let mut b = a;
            // Differ from byte i on (or not at all), so every word decides sometimes.
            let i = rng.gen_range(0..=32);
            for byte in b.iter_mut().skip(i) {
                *byte = rng.gen();
            }
            assert_eq!(key_order(&a, &b), a.cmp(&b));
            assert_eq!(key_order(&b, &a), b.cmp(&a));
        }
    }

    #[test]
    fn sums_sort_and_drop_zeros() {
        let pairs = vec![(key(2, 0), 5), (key(1, 9), 0), (key(1, 1), 3), (key(2, 0), 7)];
        assert_eq!(sum_by_recipient(pairs), Ok(vec![(key(1, 1), 3), (key(2, 0), 12)]));
        assert_eq!(sum_by_recipient(vec![]), Ok(vec![]));
        // Keys equal in the first 8 bytes are still told apart by the rest.
        let pairs = vec![(key(1, 2), 1), (key(1, 1), 1), (key(1, 2), 1)];
        assert_eq!(sum_by_recipient(pairs), Ok(vec![(key(1, 1), 1), (key(1, 2), 2)]));
    }

    #[test]
    fn sums_report_overflow() {
        let pairs = vec![(key(1, 0), u64::MAX), (key(1, 0), 1)];
        assert_eq!(sum_by_recipient(pairs), Err(RewardError::Overflow));
        let pairs = vec![(key(1, 0), u64::MAX), (key(2, 0), 1)];
        assert!(sum_by_recipient(pairs).is_ok());
    }

    #[test]
    fn accumulate_merges_and_reports_overflow() {
        let old = vec![(key(1, 0), 10), (key(3, 0), 30)];
        let new = vec![(key(2, 0), 2), (key(3, 0), 3), (key(4, 0), 4)];
        assert_eq!(
            accumulate(&old, &new),
            Ok(vec![(key(1, 0), 10), (key(2, 0), 2), (key(3, 0), 33), (key(4, 0), 4)])
        );
        assert_eq!(accumulate(&[], &new), Ok(new.clone()));
        assert_eq!(accumulate(&old, &[]), Ok(old.clone()));
        assert_eq!(
            accumulate(&[(key(1, 0), u64::MAX)], &[(key(1, 0), 1)]),
            Err(RewardError::Overflow)
        );
    }

    #[test]
    fn random_sums_and_merges_match_a_map() {
        let mut rng = StdRng::seed_from_u64(0x7375_6d73);
        for _ in 0..300 {
            let recipients: Vec<[u8; 32]> = (0..rng.gen_range(1..40))
                .map(|_| {
                    if rng.gen_bool(0.3) {
                        key(rng.gen_range(0..3), rng.gen())
                    } else {
                        rng.gen()
                    }
                })
                .collect();
            let mut map: BTreeMap<[u8; 32], u64> = BTreeMap::new();
            let mut cumulative = Vec::new();
            for _ in 0..4 {
                let pairs: Vec<([u8; 32], u64)> = (0..rng.gen_range(0..80))
                    .map(|_| {
                        let amount =
                            if rng.gen_bool(0.1) { 0 } else { rng.gen_range(1..1u64 << 40) };
                        (recipients[rng.gen_range(0..recipients.len())], amount)
                    })
                    .collect();
                let mut epoch_map: BTreeMap<[u8; 32], u64> = BTreeMap::new();
                for (r, a) in &pairs {
                    if *a > 0 {
                        *epoch_map.entry(*r).or_insert(0) += a;
                        *map.entry(*r).or_insert(0) += a;
                    }
                }
                let epoch = sum_by_recipient(pairs).unwrap();
                assert_eq!(epoch, epoch_map.into_iter().collect::<Vec<_>>());
                cumulative = accumulate(&cumulative, &epoch).unwrap();
                assert_eq!(cumulative, map.iter().map(|(r, a)| (*r, *a)).collect::<Vec<_>>());
            }
        }
    }
}
