//! The built-in compute job both sides of a work receipt can reproduce: the §9.5.1 reference
//! kernel (`i8 × i8 → wrapping i32`) on matrices generated from a seed that the requester
//! and the job id fix, so a requester can recompute the output hash of a small job before it
//! co-signs (PROTOCOL.md §6.3: `output_hash` is "agreed by both sides").
//!
//! Definition (ASCII domains, integers little-endian, `H` = SHA-256):
//! - `seed = H("GMJOB-SEED" ‖ requester[32] ‖ job_id u64)`;
//! - `A` (`m×k`, row-major) is bytes `[0, m·k)` and `B` (`k×n`) bytes `[0, k·n)` of the
//!   streams `"GMJOB-A"` and `"GMJOB-B"`: the concatenation of `H(domain ‖ seed ‖ c u64)` for
//!   `c = 0, 1, …`, each byte a two's-complement `i8` (the generator of §10.3);
//! - `output_hash = H("GMJOB-OUT" ‖ m u32 ‖ k u32 ‖ n u32 ‖ C[0][0] i32 ‖ … ‖ C[m−1][n−1] i32)`,
//!   `C` row-major, hashed row by row as it is computed (never held whole);
//! - work units `⌊m·k·n / 10⁶⌋` (§9.5.1).

use gridmint_protocol::challenge::matrix::row_product;
use gridmint_protocol::crediting::kernel;
use solana_sha256_hasher::{hashv, Hasher};

pub const SEED_DOMAIN: &[u8] = b"GMJOB-SEED";
pub const A_DOMAIN: &[u8] = b"GMJOB-A";
pub const B_DOMAIN: &[u8] = b"GMJOB-B";
pub const OUTPUT_DOMAIN: &[u8] = b"GMJOB-OUT";
/// Largest `m`, `k` or `n` of a kernel job (a 4,096³ product is 68,719 work units; `B` is
/// at most 16 MiB in memory).
pub const MAX_KERNEL_DIM: u32 = 4_096;

/// A kernel job's shape: `A` is `m×k`, `B` is `k×n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "chain", derive(serde::Serialize, serde::Deserialize))]
pub struct KernelJob {
    pub m: u32,
    pub k: u32,
    pub n: u32,
}

/// Why a kernel job is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelSizeError {
    pub max: u32,
}

impl std::fmt::Display for KernelSizeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "kernel dimensions must each be between 1 and {}", self.max)
    }
}

impl std::error::Error for KernelSizeError {}

/// The output hash of a configured command's job: SHA-256 of its whole stdout.
pub fn command_output_hash(stdout: &[u8]) -> [u8; 32] {
    hashv(&[stdout]).to_bytes()
}

/// The seed of job `job_id` of `requester`.
pub fn job_seed(requester: &[u8; 32], job_id: u64) -> [u8; 32] {
    hashv(&[SEED_DOMAIN, requester, &job_id.to_le_bytes()]).to_bytes()
}

/// Bytes `[0, len)` of the stream `H(domain ‖ seed ‖ c u64 LE)`, as `i8`.
fn stream(domain: &[u8], seed: &[u8; 32], len: usize) -> Vec<i8> {
    let mut out = Vec::with_capacity(len.saturating_add(32));
    let mut c = 0u64;
    while out.len() < len {
        let block = hashv(&[domain, seed, &c.to_le_bytes()]).to_bytes();
        out.extend(block.iter().map(|b| i8::from_le_bytes([*b])));
        c = c.saturating_add(1);
    }
    out.truncate(len);
    out
}

impl KernelJob {
    /// An `n×n` by `n×n` product.
    pub fn square(n: u32) -> Self {
        Self { m: n, k: n, n }
    }

    pub fn validate(&self) -> Result<(), KernelSizeError> {
        let ok = |x: u32| (1..=MAX_KERNEL_DIM).contains(&x);
        if ok(self.m) && ok(self.k) && ok(self.n) {
            Ok(())
        } else {
            Err(KernelSizeError { max: MAX_KERNEL_DIM })
        }
    }

    /// `⌊m·k·n / 10⁶⌋` (at most 68,719 for valid sizes).
    pub fn work_units(&self) -> u64 {
        let units = kernel::work_units(self.m.into(), self.k.into(), self.n.into());
        u64::try_from(units).unwrap_or(u64::MAX)
    }

    /// Runs the job with `seed` and answers its output hash (single-threaded).
    pub fn output_hash(&self, seed: &[u8; 32]) -> Result<[u8; 32], KernelSizeError> {
        self.validate()?;
        let (m, k, n) = (self.m as usize, self.k as usize, self.n as usize);
        let b = stream(B_DOMAIN, seed, k.saturating_mul(n));
        let mut hasher = Hasher::default();
        hasher.hashv(&[
            OUTPUT_DOMAIN,
            &self.m.to_le_bytes(),
            &self.k.to_le_bytes(),
            &self.n.to_le_bytes(),
        ]);
        // Rows of `A` need not start on a 32-byte block, so `A` is generated whole (≤ 16 MiB).
        let a = stream(A_DOMAIN, seed, m.saturating_mul(k));
        let mut row = vec![0i32; n];
        let mut bytes = Vec::with_capacity(n.saturating_mul(4));
        for a_row in a.chunks_exact(k) {
            row_product(a_row, &b, n, &mut row);
            bytes.clear();
            for x in &row {
                bytes.extend_from_slice(&x.to_le_bytes());
            }
            hasher.hash(&bytes);
        }
        Ok(hasher.result().to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_hash_is_the_hash_of_the_reference_product() {
        let job = KernelJob { m: 3, k: 5, n: 7 };
        let seed = job_seed(&[4; 32], 9);
        let a = stream(A_DOMAIN, &seed, 15);
        let b = stream(B_DOMAIN, &seed, 35);
        let c = kernel::matmul_i8(&a, &b, 3, 5, 7).expect("sizes");
        let mut bytes = OUTPUT_DOMAIN.to_vec();
        for x in [3u32, 5, 7] {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        for x in &c {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        assert_eq!(job.output_hash(&seed), Ok(hashv(&[&bytes]).to_bytes()));
        // The seed is the requester's and the job's: another job id, another output.
        assert_ne!(job.output_hash(&job_seed(&[4; 32], 10)), job.output_hash(&seed));
    }

    #[test]
    fn work_units_and_size_bounds() {
        assert_eq!(KernelJob::square(1_000).work_units(), 1_000);
        assert_eq!(KernelJob::square(4_096).work_units(), 68_719);
        assert_eq!(KernelJob::square(99).work_units(), 0);
        let err = KernelSizeError { max: MAX_KERNEL_DIM };
        assert_eq!(KernelJob { m: 0, k: 1, n: 1 }.validate(), Err(err));
        assert_eq!(KernelJob::square(4_097).output_hash(&[0; 32]), Err(err));
        assert_eq!(err.to_string(), "kernel dimensions must each be between 1 and 4096");
    }
}
