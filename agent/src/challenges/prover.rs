//! The multi-threaded prover (PROTOCOL.md §10.3–§10.5): the rows of `C = A × B` split into
//! contiguous ranges, one thread each, every row hashed to its leaf as it is computed; then
//! the same row tree as `matrix::commit_product` and the opening of `answer_from_levels`.
//!
//! Why the tree is identical: a leaf depends only on its row index and the row's values,
//! and a row's values only on `A`'s row and `B` (wrapping addition is associative), so how
//! rows are grouped over threads cannot change any leaf; the leaves are concatenated in row
//! order before `tree_levels`.

use std::num::NonZeroUsize;

use gridmint_protocol::challenge::answer::{answer_from_levels, ChallengeAnswer};
use gridmint_protocol::challenge::beacon::Challenge;
use gridmint_protocol::challenge::matrix::{
    a_row, b_matrix, row_leaf, row_product4, tree_levels, KernelSize,
};
use gridmint_protocol::merkle::Hash32;

/// Threads to use when none are configured: the machine's parallelism.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// The leaves of rows `[from, to)`, four rows of `A` per pass over `B` (as the reference).
fn leaves(seed: &Hash32, size: &KernelSize, b: &[i8], from: u32, to: u32) -> Vec<Hash32> {
    let d = size.cols as usize;
    let mut out = Vec::with_capacity(to.saturating_sub(from) as usize);
    let mut rows = [vec![0i32; d], vec![0i32; d], vec![0i32; d], vec![0i32; d]];
    let mut i = from;
    while i < to {
        let take = to.saturating_sub(i).min(4);
        // Short last group: repeat its last row (computed, not hashed).
        let a: [Vec<i8>; 4] =
            std::array::from_fn(|o| a_row(seed, size, i.saturating_add((o as u32).min(take - 1))));
        let [r0, r1, r2, r3] = &mut rows;
        row_product4([&a[0], &a[1], &a[2], &a[3]], b, d, [r0, r1, r2, r3]);
        for (o, row) in rows.iter().enumerate().take(take as usize) {
            out.push(row_leaf(i.saturating_add(o as u32), row));
        }
        i = i.saturating_add(4);
    }
    out
}

/// Every level of the row tree of `C` for `seed` and `size`, computed on `threads` threads.
pub fn commit_product(seed: &Hash32, size: &KernelSize, threads: usize) -> Vec<Vec<Hash32>> {
    let m = size.rows;
    let b = b_matrix(seed, size);
    // Ranges of whole groups of four rows, as even as possible.
    let groups = m.div_ceil(4);
    let threads = u32::try_from(threads.max(1)).unwrap_or(u32::MAX).min(groups.max(1));
    let per = groups.div_ceil(threads);
    let bounds: Vec<(u32, u32)> = (0..threads)
        .map(|t| {
            let from = t.saturating_mul(per).saturating_mul(4).min(m);
            let to = t.saturating_add(1).saturating_mul(per).saturating_mul(4).min(m);
            (from, to)
        })
        .filter(|(from, to)| from < to)
        .collect();
    let b = &b;
    let parts: Vec<Vec<Hash32>> = std::thread::scope(|s| {
        let handles: Vec<_> = bounds
            .iter()
            .map(|&(from, to)| s.spawn(move || leaves(seed, size, b, from, to)))
            .collect();
        // A panicking worker is a bug in the kernel: let it reach the caller's task.
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    tree_levels(parts.concat())
}

/// The unsigned answer and opening for `challenge` (same as `answer::prove`).
pub fn prove(
    deployment: &[u8; 32],
    challenge: &Challenge,
    threads: usize,
) -> (ChallengeAnswer, Vec<u8>) {
    let levels = commit_product(&challenge.id, &challenge.size, threads);
    answer_from_levels(deployment, challenge, &levels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridmint_protocol::challenge::answer::{self, verify_opening};

    fn challenge(rows: u32, cols: u32, seed: u8) -> Challenge {
        Challenge {
            id: [seed; 32],
            node: [1; 32],
            node_id: 5,
            epoch: 3,
            beacon_index: 2,
            issued_at: 100,
            deadline: 130,
            size: KernelSize { rows, cols },
        }
    }

    #[test]
    fn same_answer_and_opening_as_the_reference_for_every_size_and_thread_count() {
        let deployment = [7; 32];
        // Sizes with a short last group, fewer groups than threads, one row, odd leaf counts.
        for (rows, cols) in [(1, 32), (5, 32), (13, 64), (64, 32), (37, 64)] {
            let c = challenge(rows, cols, rows as u8);
            let reference = answer::prove(&deployment, &c);
            for threads in [1, 2, 3, 4, 7, 16] {
                let ours = prove(&deployment, &c, threads);
                assert_eq!(ours, reference, "m={rows} d={cols} threads={threads}");
            }
            assert_eq!(verify_opening(&c, &reference.0, &reference.1), Ok(()));
        }
    }

    #[test]
    fn zero_threads_means_one() {
        let c = challenge(9, 32, 4);
        assert_eq!(prove(&[0; 32], &c, 0), answer::prove(&[0; 32], &c));
        assert!(default_threads() >= 1);
    }
}
