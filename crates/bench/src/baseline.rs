//! The baseline: raw SHA-256 of the same tree, nothing else.
//!
//! One hash per leaf preimage (41 bytes) and per inner preimage (65 bytes), in place, without
//! keeping levels: the least work any implementation of PROTOCOL.md §4 has to do. Its root
//! must equal the real tree's, which keeps the baseline honest.

use gridmint_protocol::merkle::{Hash32, EMPTY_ROOT, INNER_PREFIX, LEAF_PREFIX};
use solana_sha256_hasher::hashv;

/// Root of the tree over `entries` (sorted, non-zero) and the number of hashes computed.
pub fn raw_tree_root(entries: &[([u8; 32], u64)]) -> (Hash32, usize) {
    let mut preimage = [0u8; 65];
    preimage[0] = LEAF_PREFIX;
    let mut level: Vec<Hash32> = entries
        .iter()
        .map(|(recipient, amount)| {
            preimage[1..33].copy_from_slice(recipient);
            preimage[33..41].copy_from_slice(&amount.to_le_bytes());
            hashv(&[&preimage[..41]]).to_bytes()
        })
        .collect();
    let mut hashes = level.len();
    preimage[0] = INNER_PREFIX;
    while level.len() > 1 {
        let pairs = level.len() / 2;
        for i in 0..pairs {
            let (a, b) = (level[2 * i], level[2 * i + 1]);
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            preimage[1..33].copy_from_slice(&lo);
            preimage[33..65].copy_from_slice(&hi);
            level[i] = hashv(&[&preimage]).to_bytes();
        }
        // An odd last node is promoted unchanged.
        if level.len() % 2 == 1 {
            level[pairs] = level[level.len() - 1];
        }
        level.truncate(level.len().div_ceil(2));
        hashes += pairs;
    }
    (level.first().copied().unwrap_or(EMPTY_ROOT), hashes)
}
