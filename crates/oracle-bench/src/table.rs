//! The printed tables, one per phase, each with its ratio to the baseline of the same run.

use std::fmt::Write;

use gridmint_oracle::store::Backend;

use crate::mem::PhaseMemory;
use crate::stores::label;
use crate::Report;

/// Durable SQLite ingest must reach this multiple of one core's raw `verify_strict` rate.
pub const INGEST_TARGET: f64 = 1.0;
/// A close of 1M nodes must take at most this multiple of hashing its tree...
pub const CLOSE_TARGET: f64 = 5.0;
/// ...and add less than this much memory.
pub const CLOSE_MEMORY_TARGET: u64 = 1 << 30;
/// The node count the close targets are set for.
pub const TARGET_NODES: usize = 1_000_000;

fn mib(bytes: u64) -> String {
    format!("{:.0}", bytes as f64 / f64::from(1u32 << 20))
}

fn memory(m: Option<PhaseMemory>) -> (String, String) {
    m.map_or_else(|| ("-".into(), "-".into()), |m| (mib(m.peak), mib(m.added())))
}

fn short(h: &[u8; 32]) -> String {
    gridmint_oracle::ingest::wire::hex(&h[..6])
}

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let (raw, sample) = r.raw_verify;
    let _ = writeln!(
        out,
        "(1) Ingest over HTTP: binary batches of 64 readings, concurrent clients, commit before \
         answer; fastest of {ingest_rounds} rounds, each into a fresh store\n    baseline: raw \
         verify_strict on one core = {raw:.0} readings/s (thread CPU time, fastest of {rounds} \
         rounds of {sample} readings)",
        ingest_rounds = crate::ingest::INGEST_ROUNDS,
        rounds = crate::ingest::RAW_ROUNDS
    );
    let _ = writeln!(
        out,
        "{:<11} {:>9} {:>9} {:>12} {:>8}  verdict (SQLite target >= {INGEST_TARGET:.1}x); every \
         round's readings/s",
        "store", "readings", "seconds", "readings/s", "vs raw"
    );
    for i in &r.ingest {
        let ratio = i.rate() / raw.max(1e-9);
        let verdict = match (i.backend, ratio >= INGEST_TARGET) {
            (Backend::Sqlite, true) => "PASS",
            (Backend::Sqlite, false) => "below target",
            (Backend::Postgres, _) => "(no target)",
        };
        let _ = writeln!(
            out,
            "{:<11} {:>9} {:>9.2} {:>12.0} {:>7.2}x  {verdict}; {}",
            label(i.backend),
            i.accepted,
            i.elapsed.as_secs_f64(),
            i.rate(),
            ratio,
            i.round_rates.iter().map(|r| format!("{r:.0}")).collect::<Vec<_>>().join(", ")
        );
    }
    let _ = writeln!(
        out,
        "\n(2) Epoch close: Engine::compute from the store (2 boundary readings per node) vs \
         CumulativeTree::new of the same leaves (wall clock, fastest run)\n    peak = VmHWM \
         during the close (reset before it); added = peak - resident size at its start\n    \
         read = the floor: only reading the rows the close streams from the store"
    );
    let _ = writeln!(
        out,
        "{:<11} {:>9} {:>10} {:>9} {:>8} {:>9} {:>10} {:>8} {:>8}  verdict (at {TARGET_NODES}: \
         <= {CLOSE_TARGET:.0}x and added < 1 GiB)",
        "store", "nodes", "close s", "hash s", "ratio", "peak MiB", "added MiB", "read s", "read x"
    );
    for c in &r.closes {
        let (peak, added) = memory(c.memory);
        let fits = c.memory.is_some_and(|m| m.added() < CLOSE_MEMORY_TARGET);
        let verdict = match (c.nodes == TARGET_NODES, c.ratio() <= CLOSE_TARGET, fits) {
            (false, _, _) => "(target is at 1M)",
            (true, true, true) => "PASS",
            (true, false, true) => "over time target",
            (true, true, false) => "over memory target",
            (true, false, false) => "over both targets",
        };
        let _ = writeln!(
            out,
            "{:<11} {:>9} {:>10.2} {:>9.3} {:>7.1}x {peak:>9} {added:>10} {:>8.2} {:>7.1}x  \
             {verdict}",
            label(c.backend),
            c.nodes,
            c.close.as_secs_f64(),
            c.hash.as_secs_f64(),
            c.ratio(),
            c.read.as_secs_f64(),
            c.read_ratio(),
        );
    }
    for c in &r.closes {
        let same = r.closes.iter().filter(|o| o.nodes == c.nodes).all(|o| o.report == c.report);
        let direct = match c.direct_equal {
            Some(true) => "equal",
            Some(false) => "DIFFERENT",
            None => "not run (--check)",
        };
        let _ = writeln!(
            out,
            "  {} n={}: root {}.. leaves {} total {}; same on every store: {}; direct \
             gridmint_protocol: {direct}",
            label(c.backend),
            c.nodes,
            short(&c.report.root),
            c.report.recipient_count,
            c.report.cumulative_total,
            if same { "yes" } else { "NO" },
        );
    }
    if !r.proofs.is_empty() {
        let _ = writeln!(
            out,
            "\n(3) Proof serving: GET /v1/claims/{{recipient}} for random recipients, every \
             proof verified"
        );
        let _ = writeln!(
            out,
            "{:<11} {:>9} {:>9} {:>9} {:>10}",
            "store", "leaves", "requests", "seconds", "requests/s"
        );
        for p in &r.proofs {
            let _ = writeln!(
                out,
                "{:<11} {:>9} {:>9} {:>9.2} {:>10.1}",
                label(p.backend),
                p.leaves,
                p.verified,
                p.elapsed.as_secs_f64(),
                p.rate()
            );
        }
    }
    out
}
