//! `inputs_root` (PROTOCOL.md §9.8): a Merkle root over the identities of the inputs a
//! manifest's numbers were computed from, with §4's tree rules and its own leaf prefix.

use solana_sha256_hasher::hashv;

use crate::merkle::{inner_hash, Hash32, EMPTY_ROOT};

/// Leaf prefix of an input identity (§4 uses `0x00` for reward leaves, `0x01` for inner
/// nodes), so an input leaf can never stand for a reward leaf or a subtree.
pub const INPUT_LEAF_PREFIX: u8 = 0x02;

/// `H(0x02 ‖ identity)` (33 bytes hashed).
pub fn input_leaf(identity: &Hash32) -> Hash32 {
    hashv(&[&[INPUT_LEAF_PREFIX], identity]).to_bytes()
}

/// The root over `identities` taken in increasing order, repeats once: levels are paired
/// left to right with `inner_hash`, an odd last node is promoted unchanged, and no
/// identity gives [`EMPTY_ROOT`].
pub fn inputs_root(identities: &[Hash32]) -> Hash32 {
    let mut level = identities.to_vec();
    level.sort_unstable();
    level.dedup();
    for id in level.iter_mut() {
        *id = input_leaf(id);
    }
    // Each level is written over the front of the one below it: one buffer for the tree.
    while level.len() > 1 {
        let pairs = level.len().div_ceil(2);
        for i in 0..pairs {
            let left = i.saturating_mul(2);
            let node = match (level.get(left), level.get(left.saturating_add(1))) {
                (Some(a), Some(b)) => inner_hash(a, b),
                (Some(a), None) => *a,
                _ => EMPTY_ROOT,
            };
            if let Some(slot) = level.get_mut(i) {
                *slot = node;
            }
        }
        level.truncate(pairs);
    }
    level.first().copied().unwrap_or(EMPTY_ROOT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_of_three_identities_promotes_the_last() {
        let ids = [[3u8; 32], [1u8; 32], [2u8; 32], [1u8; 32]];
        let (l1, l2, l3) = (input_leaf(&[1; 32]), input_leaf(&[2; 32]), input_leaf(&[3; 32]));
        assert_eq!(inputs_root(&ids), inner_hash(&inner_hash(&l1, &l2), &l3));
        assert_eq!(inputs_root(&[[9; 32]]), input_leaf(&[9; 32]));
        assert_eq!(inputs_root(&[]), EMPTY_ROOT);
    }

    /// The rule as stated: a new list per level.
    #[allow(clippy::arithmetic_side_effects)]
    fn by_levels(ids: &[Hash32]) -> Hash32 {
        let mut sorted = ids.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mut level: Vec<Hash32> = sorted.iter().map(input_leaf).collect();
        while level.len() > 1 {
            level = level
                .chunks(2)
                .map(|p| if p.len() == 2 { inner_hash(&p[0], &p[1]) } else { p[0] })
                .collect();
        }
        level.first().copied().unwrap_or(EMPTY_ROOT)
    }

    #[test]
    fn the_in_place_tree_equals_the_tree_built_level_by_level() {
        for n in 0u8..70 {
            // Repeats and reverse order, so sorting and dedup are exercised too.
            let ids: Vec<Hash32> = (0..n).rev().map(|i| [i / 2; 32]).collect();
            assert_eq!(inputs_root(&ids), by_levels(&ids), "n = {n}");
        }
    }
}
