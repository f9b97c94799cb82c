//! `cargo run --release -p gridmint-bench --bin challenge-bench -- [--reps R] [--quick]`
//!
//! Compute challenges (PROTOCOL.md §10): what the node pays to answer an `n×n` by `n×n`
//! challenge against what an oracle pays to verify the answer, for n = 256, 512, 1024.
//! (a) the product alone: matrices from the seed and `C = A × B` (single-threaded, four rows
//! at a time); (b) the whole prover: (a) plus hashing every row, the row tree and the
//! opening; (c) `verify_opening`: `B` from the seed, 64 sampled rows recomputed, paths.
//! Fastest of R runs on the thread's CPU time; never asserts time.

use std::time::Duration;

use gridmint_bench::Clock;
use gridmint_protocol::challenge::answer::{answer_from_levels, verify_opening};
use gridmint_protocol::challenge::beacon::Challenge;
use gridmint_protocol::challenge::matrix::{
    a_row, b_matrix, commit_product, row_product4, KernelSize,
};

const DEPLOYMENT: [u8; 32] = [0xD0; 32];

fn challenge(n: u32) -> Challenge {
    Challenge {
        id: [0x13; 32],
        node: [1; 32],
        node_id: 1,
        epoch: 1,
        beacon_index: 0,
        issued_at: 0,
        deadline: 60,
        size: KernelSize { rows: n, cols: n },
    }
}

/// The product alone (no hashing of `C`): a checksum keeps it from being optimised away.
fn product_only(c: &Challenge) -> i64 {
    let d = c.size.cols as usize;
    let b = b_matrix(&c.id, &c.size);
    let mut rows = vec![vec![0i32; d]; 4];
    let mut sum = 0i64;
    for i in (0..c.size.rows).step_by(4) {
        let a: Vec<Vec<i8>> =
            (0..4).map(|o| a_row(&c.id, &c.size, (i + o).min(c.size.rows - 1))).collect();
        let [r0, r1, r2, r3] = &mut rows[..] else { unreachable!() };
        row_product4([&a[0], &a[1], &a[2], &a[3]], &b, d, [r0, r1, r2, r3]);
        sum = sum.wrapping_add(rows.iter().map(|r| i64::from(r[d / 2])).sum::<i64>());
    }
    sum
}

struct Row {
    n: u32,
    product: Duration,
    prove: Duration,
    verify: Duration,
    opening_bytes: usize,
}

fn fastest<T>(clock: Clock, reps: usize, mut f: impl FnMut() -> T) -> (T, Duration) {
    let mut best: Option<(T, Duration)> = None;
    for _ in 0..reps.max(1) {
        let (out, t) = clock.time(&mut f);
        if best.as_ref().is_none_or(|(_, b)| t < *b) {
            best = Some((out, t));
        }
    }
    best.expect("at least one run")
}

fn measure(n: u32, reps: usize, clock: Clock) -> Row {
    let c = challenge(n);
    let (_, product) = fastest(clock, reps, || product_only(&c));
    let ((answer, opening), prove) = fastest(clock, reps, || {
        answer_from_levels(&DEPLOYMENT, &c, &commit_product(&c.id, &c.size))
    });
    let (ok, verify) = fastest(clock, reps, || verify_opening(&c, &answer, &opening));
    assert_eq!(ok, Ok(()), "the honest answer verifies");
    Row { n, product, prove, verify, opening_bytes: opening.len() }
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

fn render(rows: &[Row]) -> String {
    let mut out = String::from(
        "| n | product ms | prover ms | verify ms | product/verify | prover/verify | opening bytes | full product bytes |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let ratio = |a: Duration| a.as_secs_f64() / r.verify.as_secs_f64().max(1e-9);
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.1} | {:.1} | {} | {} |\n",
            r.n,
            ms(r.product),
            ms(r.prove),
            ms(r.verify),
            ratio(r.product),
            ratio(r.prove),
            r.opening_bytes,
            4 * u64::from(r.n) * u64::from(r.n),
        ));
    }
    out
}

fn main() {
    let mut reps = 3usize;
    let mut sizes = vec![256u32, 512, 1024];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--reps" => reps = args.next().and_then(|r| r.parse().ok()).unwrap_or(3),
            "--quick" => sizes = vec![64, 128],
            "--wall" => {}
            other => {
                eprintln!("unknown argument {other}; usage: challenge-bench [--reps R] [--quick] [--wall]");
                std::process::exit(2);
            }
        }
    }
    if cfg!(debug_assertions) {
        eprintln!("note: debug build; measure with --release");
    }
    let clock = Clock::pick(std::env::args().any(|a| a == "--wall"));
    println!(
        "GridMint compute challenge: node's work vs oracle's verification (fastest of {reps}, {})",
        clock.describe()
    );
    println!("k = 64 sampled rows; the oracle recomputes 64·n² of the n³ multiply-adds and never the whole product");
    let rows: Vec<Row> = sizes.iter().map(|&n| measure(n, reps, clock)).collect();
    print!("{}", render(&rows));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_sizes_run_and_verify() {
        let rows: Vec<Row> = [32, 64].iter().map(|&n| measure(n, 1, Clock::Wall)).collect();
        let table = render(&rows);
        assert!(table.contains("| 32 |") && table.contains("| 64 |"));
        // 64 paths of 5 (n = 32) and 6 (n = 64) hashes.
        assert_eq!(rows[0].opening_bytes, 64 * 5 * 32);
        assert_eq!(rows[1].opening_bytes, 64 * 6 * 32);
        assert_eq!(product_only(&challenge(32)), product_only(&challenge(32)));
    }
}
