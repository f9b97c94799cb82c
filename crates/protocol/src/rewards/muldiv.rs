//! `⌊a × b / d⌋` over a 256-bit intermediate, exact (consensus values depend on it).
//!
//! When `a × b` fits in `u128` it is one plain division. Otherwise the 256-bit product is
//! divided by `d` in 64-bit limbs: two 128-by-64 steps when `d < 2⁶⁴`, else Knuth's
//! algorithm D with a two-limb divisor (normalise, then two 3-by-2 limb steps whose quotient
//! digit is exact after at most two corrections, TAOCP vol. 2 §4.3.1).

use core::num::NonZeroU128;

const LOW: u128 = u64::MAX as u128;

/// `⌊a × b / d⌋`; `None` if `d` is 0 or the quotient exceeds `u128`.
pub fn mul_div_floor(a: u128, b: u128, d: u128) -> Option<u128> {
    let d = NonZeroU128::new(d)?;
    if let Some(product) = a.checked_mul(b) {
        return Some(product / d);
    }
    let (hi, lo) = mul_wide(a, b);
    // The quotient needs more than 128 bits.
    if hi >= d.get() {
        return None;
    }
    div_wide(hi, lo, d)
}

/// The 256-bit product `a × b` as `(high, low)` halves.
fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    let (a1, a0) = (a >> 64, a & LOW);
    let (b1, b0) = (b >> 64, b & LOW);
    // Each partial product of two 64-bit halves is at most (2⁶⁴ − 1)² < 2¹²⁸.
    let p00 = a0.wrapping_mul(b0);
    let p01 = a0.wrapping_mul(b1);
    let p10 = a1.wrapping_mul(b0);
    let p11 = a1.wrapping_mul(b1);
    // Middle column: at most 3 × (2⁶⁴ − 1), no wrap.
    let mid = (p00 >> 64).wrapping_add(p01 & LOW).wrapping_add(p10 & LOW);
    let lo = (p00 & LOW) | ((mid & LOW) << 64);
    // The full product is below 2²⁵⁶, so its high half cannot wrap.
    let hi = p11.wrapping_add(p01 >> 64).wrapping_add(p10 >> 64).wrapping_add(mid >> 64);
    (hi, lo)
}

/// `⌊(hi·2¹²⁸ + lo) / d⌋` for `hi < d`, so the quotient fits in `u128`. Always `Some`; the
/// `Option` only carries the (unreachable) zero checks of the normalised divisor.
fn div_wide(hi: u128, lo: u128, d: NonZeroU128) -> Option<u128> {
    if d.get() <= LOW {
        // hi < d < 2⁶⁴: each step divides a value below d·2⁶⁴ by d, so each quotient digit
        // is below 2⁶⁴ and each remainder below d.
        let top = (hi << 64) | (lo >> 64);
        let (q1, r1) = (top / d, top % d);
        let q0 = ((r1 << 64) | (lo & LOW)) / d;
        return Some((q1 << 64) | q0);
    }
    // Normalise: shift so the divisor's top bit is set. The quotient does not change, and
    // since hi < d the shifted dividend still fits in 256 bits. s < 64 because d ≥ 2⁶⁴.
    let s = d.leading_zeros();
    let v = d.get().wrapping_shl(s);
    let (n_hi, n_lo) = if s == 0 {
        (hi, lo)
    } else {
        (hi.wrapping_shl(s) | lo.wrapping_shr(128u32.wrapping_sub(s)), lo.wrapping_shl(s))
    };
    // v's top limb has its top bit set, so it is not zero.
    let v1 = NonZeroU128::new(v >> 64)?;
    // Dividend limbs n_hi = u3:u2, n_lo = u1:u0; (u3:u2) < v.
    let (q1, r) = div_3by2(n_hi, (n_lo >> 64) as u64, v, v1);
    let (q0, _) = div_3by2(r, n_lo as u64, v, v1);
    Some((u128::from(q1) << 64) | u128::from(q0))
}

/// `(u2:u1:u0) / v` for a normalised `v` (top bit set, top limb `v1`) and `top = u2:u1 < v`:
/// the quotient digit (below 2⁶⁴ because top < v) and the remainder (below v).
fn div_3by2(top: u128, u0: u64, v: u128, v1: NonZeroU128) -> (u64, u128) {
    let v0 = v & LOW;
    let u2 = top >> 64;
    // Estimate from the top limbs. u2 ≤ v1 since top < v; when they are equal the estimate
    // would reach 2⁶⁴, so start from the largest digit instead (Knuth D3).
    let (mut qhat, mut rhat) = if u2 >= v1.get() {
        // rhat = top − (2⁶⁴ − 1)·v1 = u1 + v1 (u2 = v1), below 2⁶⁵.
        (LOW, (top & LOW).wrapping_add(v1.get()))
    } else {
        // v1 ≥ 2⁶³ (normalised) and u2 < v1, so top / v1 < 2⁶⁴.
        (top / v1, top % v1)
    };
    // With a two-limb divisor this test compares qhat·v with the dividend exactly, so the
    // digit is exact when it stops; it lowers qhat at most twice. Once rhat ≥ 2⁶⁴ the test
    // cannot hold (qhat·v0 < 2¹²⁸ ≤ rhat·2⁶⁴).
    while rhat <= LOW && qhat.wrapping_mul(v0) > ((rhat << 64) | u128::from(u0)) {
        // qhat > 0 here (0·v0 is never greater), and rhat < 2⁶⁴ + v1 < 2⁶⁵.
        qhat = qhat.wrapping_sub(1);
        rhat = rhat.wrapping_add(v1.get());
    }
    // The remainder is below v < 2¹²⁸, so computing it modulo 2¹²⁸ gives it exactly.
    let dividend_mod = ((top & LOW) << 64) | u128::from(u0);
    let rem = dividend_mod.wrapping_sub(qhat.wrapping_mul(v));
    // qhat ≤ 2⁶⁴ − 1 by construction.
    (qhat as u64, rem)
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)] // test arithmetic on known values
mod tests {
    use super::*;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    /// The previous implementation (restoring long division, one bit per step), kept as the
    /// reference the fast one must match bit for bit.
    fn mul_div_floor_bitwise(a: u128, b: u128, d: u128) -> Option<u128> {
        if d == 0 {
            return None;
        }
        let (hi, lo) = mul_wide(a, b);
        if hi >= d {
            return None;
        }
        let mut rem = hi;
        let mut quotient: u128 = 0;
        for bit in (0..128u32).rev() {
            let carry = rem >> 127;
            rem = (rem << 1) | ((lo >> bit) & 1);
            quotient <<= 1;
            if carry == 1 || rem >= d {
                rem = rem.wrapping_sub(d);
                quotient |= 1;
            }
        }
        Some(quotient)
    }

    #[test]
    fn mul_div_matches_u128_when_it_fits_and_handles_wide_products() {
        assert_eq!(mul_div_floor(10, 3, 4), Some(7));
        assert_eq!(mul_div_floor(0, 3, 4), Some(0));
        assert_eq!(mul_div_floor(1, 1, 0), None);
        assert_eq!(mul_div_floor(u128::MAX, u128::MAX, 0), None);
        assert_eq!(mul_div_floor(u128::MAX, u128::MAX, u128::MAX), Some(u128::MAX));
        assert_eq!(mul_div_floor(u128::MAX, 2, 3), Some(u128::MAX / 3 * 2));
        assert_eq!(mul_div_floor(u128::MAX, 2, 1), None);
        assert_eq!(mul_div_floor(u128::MAX, 2, 2), Some(u128::MAX));
        let a = u128::from(u64::MAX);
        let b = 3u128 << 100;
        assert_eq!(mul_div_floor(a, b, b), Some(a));
        assert_eq!(mul_div_floor(a, b - 1, b), Some(a - 1));
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..2_000 {
            let (a, b): (u64, u64) = (rng.gen(), rng.gen());
            let d: u64 = rng.gen_range(1..u64::MAX);
            let expected = u128::from(a) * u128::from(b) / u128::from(d);
            assert_eq!(mul_div_floor(u128::from(a), u128::from(b), u128::from(d)), Some(expected));
        }
    }

    /// Schoolbook product on 32-bit limbs: an independent check of `mul_wide`.
    fn mul_wide_u32_limbs(a: u128, b: u128) -> (u128, u128) {
        let limbs =
            |x: u128| -> [u64; 4] { std::array::from_fn(|i| (x >> (32 * i)) as u64 & 0xFFFF_FFFF) };
        let (x, y) = (limbs(a), limbs(b));
        let mut out = [0u64; 8];
        for i in 0..4 {
            let mut carry = 0u64;
            for j in 0..4 {
                let t = x[i] * y[j] + out[i + j] + carry;
                out[i + j] = t & 0xFFFF_FFFF;
                carry = t >> 32;
            }
            out[i + 4] = carry;
        }
        let join = |l: &[u64]| l.iter().rev().fold(0u128, |acc, &w| (acc << 32) | u128::from(w));
        (join(&out[4..]), join(&out[..4]))
    }

    #[test]
    fn wide_product_is_exact() {
        let mut rng = StdRng::seed_from_u64(0x6d75_6c77);
        for _ in 0..20_000 {
            let (a, b) = (wide(&mut rng), wide(&mut rng));
            assert_eq!(mul_wide(a, b), mul_wide_u32_limbs(a, b), "a={a:#x} b={b:#x}");
        }
        assert_eq!(mul_wide(u128::MAX, u128::MAX), (u128::MAX - 1, 1));
    }

    /// Values of every width, with extra weight on the edges of the limb arithmetic.
    fn wide(rng: &mut StdRng) -> u128 {
        match rng.gen_range(0..8u8) {
            0 => rng.gen::<u128>() >> rng.gen_range(0..128),
            1 => u128::MAX - u128::from(rng.gen::<u8>()),
            2 => (1u128 << rng.gen_range(0..128)).wrapping_add(rng.gen_range(0..3)) ^ 1,
            3 => (u128::from(rng.gen::<u64>()) << 64) | u128::from(rng.gen::<u8>()),
            4 => (u128::from(u64::MAX) << 64) | u128::from(rng.gen::<u64>()),
            _ => rng.gen(),
        }
    }

    #[test]
    fn matches_the_bitwise_reference_on_random_wide_values() {
        let mut rng = StdRng::seed_from_u64(0x6d75_6c64_6976);
        let (mut wide_products, mut quotients) = (0u32, 0u32);
        for _ in 0..300_000 {
            let (a, b, mut d) = (wide(&mut rng), wide(&mut rng), wide(&mut rng));
            if rng.gen_bool(0.5) {
                // Divisors just above the high half keep the quotient in range.
                d = mul_wide(a, b).0.saturating_add(wide(&mut rng) >> rng.gen_range(0..128));
            }
            let expected = mul_div_floor_bitwise(a, b, d);
            assert_eq!(mul_div_floor(a, b, d), expected, "a={a:#x} b={b:#x} d={d:#x}");
            wide_products += u32::from(a.checked_mul(b).is_none());
            quotients += u32::from(expected.is_some() && a.checked_mul(b).is_none());
        }
        // The seed exercises the wide path, with and without a representable quotient.
        assert!(wide_products > 100_000 && quotients > 50_000, "{wide_products} {quotients}");
    }

    #[test]
    fn quotient_digit_corrections_are_exercised() {
        // u2 = v1 (the estimate starts at 2⁶⁴ − 1) and divisors whose low limb forces the
        // correction loop: (2¹²⁸ − 1)² / (2¹²⁸ − 1) and neighbours.
        for d in [u128::MAX, u128::MAX - 1, (u128::MAX >> 1) + 1, (1u128 << 127) | 1] {
            for (a, b) in [(u128::MAX, u128::MAX), (u128::MAX, d), (d, d - 1), (d - 1, d - 1)] {
                assert_eq!(mul_div_floor(a, b, d), mul_div_floor_bitwise(a, b, d));
            }
        }
        let v1 = (1u128 << 127) | (1u128 << 64);
        for low in [0u128, 1, u128::from(u64::MAX)] {
            let d = v1 | low;
            let (a, b) = (d - 1, u128::MAX);
            assert_eq!(mul_div_floor(a, b, d), mul_div_floor_bitwise(a, b, d));
        }
    }
}
