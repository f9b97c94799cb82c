//! The work unit (PROTOCOL.md §9.5.1): what `compute_units_per_hour`, receipts and
//! challenges count.
//!
//! The reference kernel is an integer matrix product `C = A × B` with `A: m×k`, `B: k×n` of
//! `i8` and `C` of `i32`, each entry accumulated with wrapping `i32` arithmetic in increasing
//! `k` order — what the integer units of accelerators compute. One work unit is
//! [`MULTIPLY_ADDS_PER_WORK_UNIT`] multiply-adds of it.

/// Multiply-adds per work unit (10⁶).
pub const MULTIPLY_ADDS_PER_WORK_UNIT: u64 = 1_000_000;

/// Multiply-adds of an `m×k` by `k×n` product: `m × k × n` (saturating).
pub fn multiply_adds(m: u64, k: u64, n: u64) -> u128 {
    u128::from(m).saturating_mul(u128::from(k)).saturating_mul(u128::from(n))
}

/// Work units of an `m×k` by `k×n` product, rounded down.
pub fn work_units(m: u64, k: u64, n: u64) -> u128 {
    multiply_adds(m, k, n).checked_div(u128::from(MULTIPLY_ADDS_PER_WORK_UNIT)).unwrap_or(0)
}

/// The reference kernel: row-major `a` (`m×k`) times row-major `b` (`k×n`), row-major result;
/// `None` if the slices do not have the stated sizes.
pub fn matmul_i8(a: &[i8], b: &[i8], m: usize, k: usize, n: usize) -> Option<Vec<i32>> {
    if a.len() != m.checked_mul(k)? || b.len() != k.checked_mul(n)? {
        return None;
    }
    let mut c = vec![0i32; m.checked_mul(n)?];
    for (i, row) in c.chunks_mut(n.max(1)).enumerate().take(m) {
        for (j, out) in row.iter_mut().enumerate() {
            let mut acc: i32 = 0;
            for p in 0..k {
                let x = i32::from(*a.get(i.checked_mul(k)?.checked_add(p)?)?);
                let y = i32::from(*b.get(p.checked_mul(n)?.checked_add(j)?)?);
                acc = acc.wrapping_add(x.wrapping_mul(y));
            }
            *out = acc;
        }
    }
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_product_and_wrapping() {
        // [1 2; 3 4] × [5 6; 7 8] = [19 22; 43 50]
        assert_eq!(matmul_i8(&[1, 2, 3, 4], &[5, 6, 7, 8], 2, 2, 2), Some(vec![19, 22, 43, 50]));
        // 2¹⁷ products of (−128)·(−128) = 2¹⁴ each sum to 2³¹, which wraps to i32::MIN.
        let k = 1 << 17;
        let a = vec![-128i8; k];
        assert_eq!(matmul_i8(&a, &a, 1, k, 1), Some(vec![i32::MIN]));
        assert_eq!(matmul_i8(&[1], &[1, 2], 1, 1, 1), None);
    }

    #[test]
    fn work_units_count_multiply_adds_in_millions() {
        assert_eq!(work_units(1_000, 1_000, 1_000), 1_000);
        assert_eq!(work_units(100, 100, 99), 0);
        assert_eq!(multiply_adds(512, 512, 512), 134_217_728);
    }
}
