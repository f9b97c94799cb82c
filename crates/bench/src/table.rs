//! The printed table.

use std::fmt::Write;
use std::time::Duration;

use crate::{short_hex, CaseResult, TARGET_RATIO};

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

/// The table for `cases`, one row per node count.
pub fn render(cases: &[CaseResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>9} {:>10} {:>10} {:>12} {:>12} {:>12} {:>12} {:>10} {:>9} {:>7}  verdict (target <= {TARGET_RATIO}x)",
        "nodes", "recipients", "hashes", "(a) sha ms", "(b) rew ms", "(c) tree ms", "(d) mfst ms",
        "(e) tot ms", "faults(e)", "e/a",
    );
    for c in cases {
        let t = &c.timings;
        let ratio = t.ratio();
        let verdict = if ratio <= TARGET_RATIO { "PASS" } else { "over target" };
        let _ = writeln!(
            out,
            "{:>9} {:>10} {:>10} {:>12} {:>12} {:>12} {:>12} {:>10} {:>9} {:>6.2}x  {verdict}",
            c.nodes,
            c.recipients,
            c.tree_hashes,
            ms(t.baseline),
            ms(t.rewards),
            ms(t.tree),
            ms(t.manifest),
            ms(t.total()),
            t.faults.map_or_else(|| "-".to_string(), |f| f.to_string()),
            ratio,
        );
    }
    for c in cases {
        let _ = writeln!(
            out,
            "  n={}: root {}.. total {} manifest {}.. (fastest of {} runs)",
            c.nodes,
            short_hex(&c.report.root),
            c.report.cumulative_total,
            short_hex(&c.report.manifest_hash),
            c.reps,
        );
    }
    out
}
