//! The Merkle tree of cumulative rewards (PROTOCOL.md §4).
//!
//! - `leaf  = H(0x00 ‖ recipient[32] ‖ cumulative u64 LE)`
//! - `inner = H(0x01 ‖ min(a, b) ‖ max(a, b))` (bytewise order: proofs carry no directions)
//! - leaves are ordered by recipient key, strictly increasing (no duplicates), and only
//!   recipients with a cumulative amount above zero are in the tree;
//! - a node without a sibling (the last one of a level with an odd count) is promoted to the
//!   next level unchanged, so its proof has no element for that level;
//! - the root of the empty tree is [`EMPTY_ROOT`] (32 zero bytes), which no proof reaches.
//!
//! The one-byte prefixes separate the two domains (a leaf preimage is 41 bytes, an inner one
//! 65), so an inner node can never be passed off as a leaf or the other way round.

use solana_sha256_hasher::hashv;

/// A SHA-256 digest.
pub type Hash32 = [u8; 32];

/// Domain prefix of a leaf preimage.
pub const LEAF_PREFIX: u8 = 0x00;
/// Domain prefix of an inner-node preimage.
pub const INNER_PREFIX: u8 = 0x01;
/// Root of a tree without leaves. Not the hash of anything, so no proof can reach it.
pub const EMPTY_ROOT: Hash32 = [0u8; 32];
/// Longest proof accepted anywhere (a tree of up to 2^32 leaves).
pub const MAX_PROOF_LEN: usize = 32;

/// Hash of the leaf of `recipient` holding `cumulative` base units.
pub fn leaf_hash(recipient: &[u8; 32], cumulative: u64) -> Hash32 {
    // The preimage in one buffer: one hasher update off chain, one slice for the syscall.
    let mut preimage = [LEAF_PREFIX; 41];
    preimage[1..33].copy_from_slice(recipient);
    preimage[33..].copy_from_slice(&cumulative.to_le_bytes());
    hashv(&[&preimage]).to_bytes()
}

/// Hash of an inner node over two children, in either order.
pub fn inner_hash(a: &Hash32, b: &Hash32) -> Hash32 {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut preimage = [INNER_PREFIX; 65];
    preimage[1..33].copy_from_slice(lo);
    preimage[33..].copy_from_slice(hi);
    hashv(&[&preimage]).to_bytes()
}

/// Folds a proof from a leaf hash up to the root it implies.
pub fn root_from_proof(leaf: Hash32, proof: &[Hash32]) -> Hash32 {
    proof.iter().fold(leaf, |node, sibling| inner_hash(&node, sibling))
}

/// Whether `proof` shows that `recipient` holds `cumulative` in the tree with `root`.
/// Proofs longer than [`MAX_PROOF_LEN`] are refused.
pub fn verify(root: &Hash32, recipient: &[u8; 32], cumulative: u64, proof: &[Hash32]) -> bool {
    proof.len() <= MAX_PROOF_LEN
        && root_from_proof(leaf_hash(recipient, cumulative), proof) == *root
}

/// Why a set of entries does not form a canonical tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MerkleError {
    /// Entries are not strictly increasing by recipient at this index (unsorted or duplicate).
    NotStrictlySorted { index: usize },
    /// A recipient with a zero cumulative amount (such recipients are left out of the tree).
    ZeroAmount { index: usize },
    /// More leaves than a proof of [`MAX_PROOF_LEN`] can address.
    TooManyLeaves,
    /// The sum of all cumulative amounts does not fit in a `u64`.
    TotalOverflow,
}

/// A canonical tree over `(recipient, cumulative)` entries, with the inner levels kept so that
/// proofs can be served. Off-chain use (oracle, SDK, tests); programs only verify proofs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CumulativeTree {
    entries: Vec<([u8; 32], u64)>,
    /// `inner[0]` is the level above the leaves, the last level holds the root alone. Leaf
    /// hashes are not kept: a proof needs one, recomputed, where keeping them all would cost
    /// 32 bytes per recipient.
    inner: Vec<Vec<Hash32>>,
    root: Hash32,
    total: u64,
}

impl CumulativeTree {
    /// Builds the tree over entries that are already strictly sorted by recipient and have
    /// non-zero amounts.
    pub fn new(entries: Vec<([u8; 32], u64)>) -> Result<Self, MerkleError> {
        let mut total: u64 = 0;
        for (index, (recipient, amount)) in entries.iter().enumerate() {
            if *amount == 0 {
                return Err(MerkleError::ZeroAmount { index });
            }
            if let Some(prev) = index.checked_sub(1).and_then(|p| entries.get(p)) {
                if prev.0 >= *recipient {
                    return Err(MerkleError::NotStrictlySorted { index });
                }
            }
            total = total.checked_add(*amount).ok_or(MerkleError::TotalOverflow)?;
        }
        if u64::try_from(entries.len()).map_or(true, |n| n > 1u64 << MAX_PROOF_LEN) {
            return Err(MerkleError::TooManyLeaves);
        }
        let leaf = |(recipient, amount): &([u8; 32], u64)| leaf_hash(recipient, *amount);
        // One exactly sized allocation per level (each is kept for proofs).
        let depth = usize::try_from(max_proof_len(entries.len() as u64)).unwrap_or(0);
        let mut inner: Vec<Vec<Hash32>> = Vec::with_capacity(depth);
        if entries.len() > 1 {
            let first = entries
                .chunks(2)
                .map(|pair| match pair {
                    [a, b] => inner_hash(&leaf(a), &leaf(b)),
                    [single] => leaf(single),
                    _ => unreachable!("chunks(2) yields one or two items"),
                })
                .collect();
            inner.push(first);
        }
        while let Some(level) = inner.last().filter(|l| l.len() > 1) {
            let next = level
                .chunks(2)
                .map(|pair| match pair {
                    [a, b] => inner_hash(a, b),
                    [single] => *single,
                    _ => unreachable!("chunks(2) yields one or two items"),
                })
                .collect();
            inner.push(next);
        }
        // A single leaf is its own root.
        let root = match inner.last().and_then(|level| level.first()) {
            Some(root) => *root,
            None => entries.first().map_or(EMPTY_ROOT, leaf),
        };
        Ok(Self { entries, inner, root, total })
    }

    /// Builds the tree from entries in any order: sorts them, drops zero amounts and rejects
    /// a recipient listed twice.
    pub fn from_unsorted(mut entries: Vec<([u8; 32], u64)>) -> Result<Self, MerkleError> {
        entries.retain(|(_, amount)| *amount > 0);
        entries.sort_unstable_by_key(|e| e.0);
        Self::new(entries)
    }

    /// The root ([`EMPTY_ROOT`] for no leaves).
    pub fn root(&self) -> Hash32 {
        self.root
    }

    /// Number of leaves (the `recipient_count` reported on chain).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sum of all cumulative amounts (the `cumulative_total` reported on chain).
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The entries, sorted by recipient.
    pub fn entries(&self) -> &[([u8; 32], u64)] {
        &self.entries
    }

    /// Index of `recipient`'s leaf.
    pub fn index_of(&self, recipient: &[u8; 32]) -> Option<usize> {
        self.entries.binary_search_by(|(r, _)| r.cmp(recipient)).ok()
    }

    /// Cumulative amount of `recipient` (0 if it is not in the tree).
    pub fn amount_of(&self, recipient: &[u8; 32]) -> u64 {
        self.index_of(recipient).and_then(|i| self.entries.get(i)).map_or(0, |(_, a)| *a)
    }

    /// The proof for the leaf at `index`: siblings from the leaf level upwards, skipping the
    /// levels where the node was promoted without a sibling.
    pub fn proof(&self, index: usize) -> Option<Vec<Hash32>> {
        if index >= self.entries.len() {
            return None;
        }
        let mut proof = Vec::with_capacity(self.inner.len());
        if let Some((recipient, amount)) = self.entries.get(index ^ 1) {
            proof.push(leaf_hash(recipient, *amount));
        }
        let mut i = index / 2;
        for level in self.inner.iter().take(self.inner.len().saturating_sub(1)) {
            if let Some(sibling) = level.get(i ^ 1) {
                proof.push(*sibling);
            }
            i /= 2;
        }
        Some(proof)
    }

    /// The proof for `recipient`, with its cumulative amount.
    pub fn proof_for(&self, recipient: &[u8; 32]) -> Option<(u64, Vec<Hash32>)> {
        let index = self.index_of(recipient)?;
        Some((self.entries.get(index)?.1, self.proof(index)?))
    }
}

/// Length of the longest proof in a tree of `leaves` leaves: `ceil(log2(leaves))`.
pub fn max_proof_len(leaves: u64) -> u32 {
    match leaves {
        0 | 1 => 0,
        n => u64::BITS.saturating_sub(n.saturating_sub(1).leading_zeros()),
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)] // test arithmetic on small known values
mod tests {
    use super::*;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    fn key(n: u8) -> [u8; 32] {
        let mut k = [0u8; 32];
        k[0] = n;
        k[31] = 0xAA;
        k
    }

    fn entries(n: usize) -> Vec<([u8; 32], u64)> {
        (0..n).map(|i| (key(u8::try_from(i).unwrap()), 1_000 + i as u64)).collect()
    }

    fn assert_all_proofs(tree: &CumulativeTree) {
        let root = tree.root();
        for (i, (recipient, amount)) in tree.entries().iter().enumerate() {
            let proof = tree.proof(i).unwrap();
            assert!(proof.len() <= max_proof_len(tree.len() as u64) as usize);
            assert!(verify(&root, recipient, *amount, &proof), "leaf {i} of {}", tree.len());
            // The amount is bound: one more or one less fails.
            assert!(!verify(&root, recipient, amount + 1, &proof));
            assert!(!verify(&root, recipient, amount - 1, &proof));
        }
    }

    #[test]
    fn leaf_and_inner_hashes_match_the_spec_bytes() {
        let r = key(7);
        let mut preimage = vec![0x00];
        preimage.extend_from_slice(&r);
        preimage.extend_from_slice(&42u64.to_le_bytes());
        assert_eq!(leaf_hash(&r, 42), hashv(&[&preimage]).to_bytes());

        let (a, b) = (leaf_hash(&key(1), 1), leaf_hash(&key(2), 2));
        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
        let mut inner = vec![0x01];
        inner.extend_from_slice(&lo);
        inner.extend_from_slice(&hi);
        assert_eq!(inner_hash(&a, &b), hashv(&[&inner]).to_bytes());
        assert_eq!(inner_hash(&a, &b), inner_hash(&b, &a));
    }

    #[test]
    fn known_vector_for_three_leaves() {
        // Pins the rules (sorted leaves, promotion of the odd node) to fixed bytes, so an
        // independent implementation can check itself against PROTOCOL.md §4.
        let tree =
            CumulativeTree::new(vec![([1u8; 32], 10), ([2u8; 32], 20), ([3u8; 32], 30)]).unwrap();
        let l: Vec<Hash32> = [([1u8; 32], 10u64), ([2u8; 32], 20), ([3u8; 32], 30)]
            .iter()
            .map(|(r, a)| leaf_hash(r, *a))
            .collect();
        let expected = inner_hash(&inner_hash(&l[0], &l[1]), &l[2]);
        assert_eq!(tree.root(), expected);
        assert_eq!(tree.proof(2).unwrap(), vec![inner_hash(&l[0], &l[1])]);
        // Computed independently (Python hashlib) from the byte rules above.
        assert_eq!(
            hex(&tree.root()),
            "1d8e2086f60b6f82790a7be5004562119902ce7c55f1b91b01a2c5cdef0ae240"
        );
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn empty_tree_has_the_zero_root_and_no_proofs() {
        let tree = CumulativeTree::new(vec![]).unwrap();
        assert_eq!(tree.root(), EMPTY_ROOT);
        assert_eq!(tree.total(), 0);
        assert!(tree.proof(0).is_none());
        // Nothing folds to the zero root.
        assert!(!verify(&EMPTY_ROOT, &key(1), 0, &[]));
    }

    #[test]
    fn one_leaf_root_is_the_leaf_and_proof_is_empty() {
        let tree = CumulativeTree::new(vec![(key(9), 5)]).unwrap();
        assert_eq!(tree.root(), leaf_hash(&key(9), 5));
        assert_eq!(tree.proof(0).unwrap(), Vec::<Hash32>::new());
        assert!(verify(&tree.root(), &key(9), 5, &[]));
        assert!(!verify(&tree.root(), &key(8), 5, &[]));
    }

    #[test]
    fn every_size_up_to_70_proves_every_leaf() {
        for n in 1..=70 {
            let tree = CumulativeTree::new(entries(n)).unwrap();
            assert_eq!(tree.len(), n);
            assert_all_proofs(&tree);
        }
    }

    #[test]
    fn odd_counts_promote_the_last_node_unchanged() {
        let tree = CumulativeTree::new(entries(5)).unwrap();
        let leaves: Vec<Hash32> = entries(5).iter().map(|(r, a)| leaf_hash(r, *a)).collect();
        let left =
            inner_hash(&inner_hash(&leaves[0], &leaves[1]), &inner_hash(&leaves[2], &leaves[3]));
        assert_eq!(tree.root(), inner_hash(&left, &leaves[4]));
        // Leaf 4 was promoted twice: its proof has a single element.
        assert_eq!(tree.proof(4).unwrap(), vec![left]);
        // Not the duplicate-last-node rule: that would give a different root.
        let dup = inner_hash(
            &left,
            &inner_hash(&inner_hash(&leaves[4], &leaves[4]), &inner_hash(&leaves[4], &leaves[4])),
        );
        assert_ne!(tree.root(), dup);
    }

    #[test]
    fn inner_node_cannot_pass_as_a_leaf() {
        // Second preimage: present the two children of an inner node as a "leaf" payload.
        let tree = CumulativeTree::new(entries(4)).unwrap();
        let leaves: Vec<Hash32> = entries(4).iter().map(|(r, a)| leaf_hash(r, *a)).collect();
        let left = inner_hash(&leaves[0], &leaves[1]);
        let right = inner_hash(&leaves[2], &leaves[3]);
        // The inner node itself as a leaf hash with the remaining proof does fold to the root …
        assert_eq!(root_from_proof(left, &[right]), tree.root());
        // … but no (recipient, amount) has that leaf hash: a leaf preimage is 41 bytes with
        // prefix 0x00, an inner one 65 bytes with prefix 0x01. Try the obvious reinterpretations.
        let (lo, hi) =
            if leaves[0] < leaves[1] { (leaves[0], leaves[1]) } else { (leaves[1], leaves[0]) };
        let amount = u64::from_le_bytes(hi[..8].try_into().unwrap());
        assert_ne!(leaf_hash(&lo, amount), left);
        assert!(!verify(&tree.root(), &lo, amount, &[right]));
        // A leaf hashed with the inner prefix is not the leaf.
        let mut fake = [0u8; 32];
        fake[..8].copy_from_slice(&amount.to_le_bytes());
        assert_ne!(inner_hash(&lo, &fake), leaf_hash(&lo, amount));
    }

    #[test]
    fn leaf_cannot_pass_as_an_inner_node() {
        // A one-leaf tree's root is a leaf hash; it cannot be claimed as an inner node of a
        // bigger tree: proofs of the bigger tree never end at it.
        let tree = CumulativeTree::new(entries(2)).unwrap();
        let lone = CumulativeTree::new(vec![entries(2)[0]]).unwrap();
        assert_ne!(tree.root(), lone.root());
        assert!(!verify(&lone.root(), &entries(2)[1].0, entries(2)[1].1, &tree.proof(1).unwrap()));
    }

    #[test]
    fn proof_for_another_recipient_or_amount_fails() {
        let tree = CumulativeTree::new(entries(9)).unwrap();
        let root = tree.root();
        let proof3 = tree.proof(3).unwrap();
        let (r4, a4) = tree.entries()[4];
        assert!(!verify(&root, &r4, a4, &proof3));
        let (r3, a3) = tree.entries()[3];
        assert!(!verify(&root, &r3, a3 + 1_000_000, &proof3));
        // Truncated or extended proofs fail.
        assert!(!verify(&root, &r3, a3, &proof3[..proof3.len() - 1]));
        let mut longer = proof3.clone();
        longer.push([7u8; 32]);
        assert!(!verify(&root, &r3, a3, &longer));
    }

    #[test]
    fn over_long_proofs_are_refused() {
        let proof = vec![[1u8; 32]; MAX_PROOF_LEN + 1];
        let root = root_from_proof(leaf_hash(&key(1), 1), &proof);
        assert!(!verify(&root, &key(1), 1, &proof));
    }

    #[test]
    fn construction_rejects_non_canonical_entries() {
        let mut unsorted = entries(3);
        unsorted.swap(0, 2);
        assert_eq!(
            CumulativeTree::new(unsorted.clone()),
            Err(MerkleError::NotStrictlySorted { index: 1 })
        );
        let mut dup = entries(3);
        dup[2].0 = dup[1].0;
        assert_eq!(
            CumulativeTree::new(dup.clone()),
            Err(MerkleError::NotStrictlySorted { index: 2 })
        );
        assert_eq!(
            CumulativeTree::from_unsorted(dup),
            Err(MerkleError::NotStrictlySorted { index: 2 })
        );
        let mut zero = entries(3);
        zero[1].1 = 0;
        assert_eq!(CumulativeTree::new(zero.clone()), Err(MerkleError::ZeroAmount { index: 1 }));
        assert_eq!(CumulativeTree::from_unsorted(zero).unwrap().len(), 2);
        assert_eq!(
            CumulativeTree::new(vec![(key(1), u64::MAX), (key(2), 1)]),
            Err(MerkleError::TotalOverflow)
        );
        // from_unsorted yields the same root as the sorted input.
        assert_eq!(
            CumulativeTree::from_unsorted(unsorted).unwrap().root(),
            CumulativeTree::new(entries(3)).unwrap().root()
        );
    }

    #[test]
    fn random_trees_prove_every_leaf() {
        let mut rng = StdRng::seed_from_u64(0x6d65_726b);
        for _ in 0..20 {
            let n = rng.gen_range(1..600);
            let raw: Vec<([u8; 32], u64)> =
                (0..n).map(|_| (rng.gen(), rng.gen_range(1..1u64 << 40))).collect();
            let tree = CumulativeTree::from_unsorted(raw).unwrap();
            assert_eq!(tree.total(), tree.entries().iter().map(|e| e.1).sum::<u64>());
            assert_all_proofs(&tree);
        }
    }

    #[test]
    fn proof_length_bound() {
        assert_eq!(max_proof_len(0), 0);
        assert_eq!(max_proof_len(1), 0);
        assert_eq!(max_proof_len(2), 1);
        assert_eq!(max_proof_len(3), 2);
        assert_eq!(max_proof_len(1 << 20), 20);
        assert_eq!(max_proof_len(1_000_000), 20);
        assert_eq!(max_proof_len((1 << 20) + 1), 21);
        assert_eq!(max_proof_len(u64::MAX), 64);
    }
}
