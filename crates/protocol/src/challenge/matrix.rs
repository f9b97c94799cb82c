//! The challenge kernel (PROTOCOL.md §10.3–§10.4): sizing, matrices from the seed, product
//! rows, the row Merkle tree and Fiat–Shamir row sampling.
//!
//! `A` is `m×d`, `B` is `d×d`, `C = A × B` (`m×d`, wrapping `i32`, the §9.5.1 kernel). The
//! node commits to `C` by a Merkle root over its rows; the oracle regenerates `B` and the
//! sampled rows of `A`, recomputes those rows of `C` (`k·d²` multiply-adds instead of
//! `m·d²`) and checks their paths.

use crate::challenge::{draw, h, MAX_DIM, MAX_ROWS, MIN_DIM, SAMPLED_ROWS};
use crate::crediting::kernel::MULTIPLY_ADDS_PER_WORK_UNIT;
use crate::merkle::{inner_hash, Hash32};

/// Domains of the generator, leaves and row sampling (ASCII).
pub const A_DOMAIN: &[u8] = b"GMCHAL-A";
pub const B_DOMAIN: &[u8] = b"GMCHAL-B";
pub const ROW_DOMAIN: &[u8] = b"GMCHAL-ROW";
/// Leaf prefix of a product row (§4 uses 0x00/0x01, §9.8 0x02).
pub const ROW_LEAF_PREFIX: u8 = 0x03;

/// The shape of a challenge: `A` is `rows × cols`, `B` is `cols × cols`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KernelSize {
    /// `m`, `1..=MAX_ROWS`.
    pub rows: u32,
    /// `d`, a power of two in `MIN_DIM..=MAX_DIM`.
    pub cols: u32,
}

impl KernelSize {
    pub fn multiply_adds(&self) -> u128 {
        let d = u128::from(self.cols);
        u128::from(self.rows).saturating_mul(d).saturating_mul(d)
    }

    fn d(&self) -> usize {
        usize::try_from(self.cols).unwrap_or(0)
    }

    fn m(&self) -> usize {
        usize::try_from(self.rows).unwrap_or(0)
    }
}

/// The size for a node rated `units_per_hour` and a target of `target_seconds`:
/// `W = ⌊U × T × 10⁶ / 3600⌋` multiply-adds, `d` the largest power of two with `d³ ≤ W`
/// clamped to `[32, 4096]`, `m = ⌊W / d²⌋` clamped to `[1, 2²⁰]`.
pub fn size_for(units_per_hour: u64, target_seconds: u32) -> KernelSize {
    let w = u128::from(units_per_hour)
        .saturating_mul(u128::from(target_seconds))
        .saturating_mul(u128::from(MULTIPLY_ADDS_PER_WORK_UNIT))
        .checked_div(3_600)
        .unwrap_or(0);
    let mut d = MIN_DIM;
    while d < MAX_DIM {
        let next = u128::from(d.saturating_mul(2));
        if next.saturating_mul(next).saturating_mul(next) > w {
            break;
        }
        d = d.saturating_mul(2);
    }
    let d2 = u128::from(d).saturating_mul(u128::from(d));
    let m = w.checked_div(d2).unwrap_or(0).clamp(1, u128::from(MAX_ROWS));
    KernelSize { rows: u32::try_from(m).unwrap_or(MAX_ROWS), cols: d }
}

/// Bytes `[32·first, 32·(first+count))` of the stream `H(domain ‖ seed ‖ counter u64 LE)`,
/// each byte read as a two's-complement `i8`.
fn stream(domain: &[u8], seed: &Hash32, first: usize, count: usize, out: &mut Vec<i8>) {
    for c in first..first.saturating_add(count) {
        let block = h(&[domain, seed, &(c as u64).to_le_bytes()]);
        out.extend(block.iter().map(|b| i8::from_le_bytes([*b])));
    }
}

/// Row `i` of `A`: stream `A` blocks `[i·d/32, (i+1)·d/32)`.
pub fn a_row(seed: &Hash32, size: &KernelSize, i: u32) -> Vec<i8> {
    let blocks = size.d().checked_div(32).unwrap_or(0);
    let first = usize::try_from(i).unwrap_or(0).saturating_mul(blocks);
    let mut out = Vec::with_capacity(size.d());
    stream(A_DOMAIN, seed, first, blocks, &mut out);
    out
}

/// `B`, row-major: stream `B` blocks `[0, d²/32)`.
pub fn b_matrix(seed: &Hash32, size: &KernelSize) -> Vec<i8> {
    let len = size.d().saturating_mul(size.d());
    let mut out = Vec::with_capacity(len);
    stream(B_DOMAIN, seed, 0, len.checked_div(32).unwrap_or(0), &mut out);
    out
}

/// One row of `C`: `out[j] = Σ_p a[p]·b[p][j]`, wrapping, accumulated in increasing `p`
/// (wrapping addition is associative, so the loop order does not change the result).
pub fn row_product(a: &[i8], b: &[i8], d: usize, out: &mut [i32]) {
    out.iter_mut().for_each(|x| *x = 0);
    for (x, brow) in a.iter().zip(b.chunks_exact(d.max(1))) {
        let x = i32::from(*x);
        for (acc, y) in out.iter_mut().zip(brow) {
            *acc = acc.wrapping_add(x.wrapping_mul(i32::from(*y)));
        }
    }
}

/// Four rows of `C` at once: each row of `B` is loaded once for four rows of `A`.
pub fn row_product4(a: [&[i8]; 4], b: &[i8], d: usize, out: [&mut [i32]; 4]) {
    let [o0, o1, o2, o3] = out;
    for o in [&mut *o0, &mut *o1, &mut *o2, &mut *o3] {
        o.iter_mut().for_each(|x| *x = 0);
    }
    for (p, brow) in b.chunks_exact(d.max(1)).enumerate() {
        let x = a.map(|r| i32::from(r.get(p).copied().unwrap_or(0)));
        let it = o0.iter_mut().zip(o1.iter_mut()).zip(o2.iter_mut()).zip(o3.iter_mut());
        for ((((c0, c1), c2), c3), y) in it.zip(brow) {
            let y = i32::from(*y);
            *c0 = c0.wrapping_add(x[0].wrapping_mul(y));
            *c1 = c1.wrapping_add(x[1].wrapping_mul(y));
            *c2 = c2.wrapping_add(x[2].wrapping_mul(y));
            *c3 = c3.wrapping_add(x[3].wrapping_mul(y));
        }
    }
}

/// `H(0x03 ‖ i u32 LE ‖ row as i32 LE)` (`5 + 4d` bytes hashed).
pub fn row_leaf(i: u32, row: &[i32]) -> Hash32 {
    let mut bytes = Vec::with_capacity(row.len().saturating_mul(4).saturating_add(5));
    bytes.push(ROW_LEAF_PREFIX);
    bytes.extend_from_slice(&i.to_le_bytes());
    for x in row {
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    h(&[&bytes])
}

/// Every level of the row tree, leaves first: §4's rules (inner `H(0x01 ‖ min ‖ max)`,
/// an odd last node promoted unchanged).
pub fn tree_levels(leaves: Vec<Hash32>) -> Vec<Vec<Hash32>> {
    let mut levels = vec![leaves];
    while let Some(level) = levels.last().filter(|l| l.len() > 1) {
        let next = level
            .chunks(2)
            .map(|p| match p {
                [a, b] => inner_hash(a, b),
                [a] => *a,
                _ => [0; 32],
            })
            .collect();
        levels.push(next);
    }
    levels
}

/// The root of [`tree_levels`] (zero without leaves; never the case, `m ≥ 1`).
pub fn root(levels: &[Vec<Hash32>]) -> Hash32 {
    levels.last().and_then(|l| l.first()).copied().unwrap_or([0; 32])
}

/// The path of leaf `i`: its sibling at every level where it has one, bottom-up.
pub fn path(levels: &[Vec<Hash32>], i: usize) -> Vec<Hash32> {
    let mut out = Vec::new();
    let mut idx = i;
    for level in levels {
        if let Some(s) = level.get(idx ^ 1) {
            out.push(*s);
        }
        idx = idx.checked_div(2).unwrap_or(0);
    }
    out
}

/// Length of leaf `i`'s path in a tree of `m` leaves.
pub fn path_len(m: u32, i: u32) -> usize {
    let (mut size, mut idx, mut len) = (m, i, 0usize);
    while size > 1 {
        if (idx ^ 1) < size {
            len = len.saturating_add(1);
        }
        idx = idx.checked_div(2).unwrap_or(0);
        size = size.div_ceil(2);
    }
    len
}

/// The `k` rows an answer opens: `draw(H("GMCHAL-ROW" ‖ id ‖ root ‖ j u32)) mod m` for
/// `j = 0..k` (with replacement; the modulo bias is below `m / 2⁶⁴`).
pub fn sampled_rows(challenge_id: &Hash32, root: &Hash32, rows: u32) -> [u32; SAMPLED_ROWS] {
    let mut out = [0u32; SAMPLED_ROWS];
    for (j, r) in out.iter_mut().enumerate() {
        let x = draw(&[ROW_DOMAIN, challenge_id, root, &(j as u32).to_le_bytes()]);
        let v = x.checked_rem(u64::from(rows.max(1))).unwrap_or(0);
        *r = u32::try_from(v).unwrap_or(0);
    }
    out
}

/// Total opening length in bytes for `rows` (sum of the sampled paths × 32).
pub fn opening_len(rows: u32, sampled: &[u32]) -> usize {
    sampled.iter().map(|&i| path_len(rows, i)).sum::<usize>().saturating_mul(32)
}

/// The honest prover's product commitment: every row of `C` hashed as it is computed
/// (the product itself is never held: at most `m × 32` bytes of leaves), then the tree.
pub fn commit_product(seed: &Hash32, size: &KernelSize) -> Vec<Vec<Hash32>> {
    let (m, d) = (size.m(), size.d());
    let b = b_matrix(seed, size);
    let mut leaves = Vec::with_capacity(m);
    let mut rows = vec![vec![0i32; d]; 4];
    let mut i = 0usize;
    while i < m {
        let take = (m.saturating_sub(i)).min(4);
        let a: Vec<Vec<i8>> = (0..4)
            .map(|o| {
                a_row(
                    seed,
                    size,
                    u32::try_from(i.saturating_add(o.min(take.saturating_sub(1)))).unwrap_or(0),
                )
            })
            .collect();
        let [r0, r1, r2, r3] = &mut rows[..] else { break };
        let out = [r0.as_mut_slice(), r1.as_mut_slice(), r2.as_mut_slice(), r3.as_mut_slice()];
        row_product4([&a[0], &a[1], &a[2], &a[3]], &b, d, out);
        for (o, row) in rows.iter().enumerate().take(take) {
            let idx = u32::try_from(i.saturating_add(o)).unwrap_or(0);
            leaves.push(row_leaf(idx, row));
        }
        i = i.saturating_add(4);
    }
    tree_levels(leaves)
}
