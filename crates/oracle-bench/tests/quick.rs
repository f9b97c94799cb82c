//! The bench at tiny sizes, end to end, so it cannot rot: every phase on SQLite and on this
//! machine's PostgreSQL (like the oracle's store tests, it fails rather than skips when the
//! server is unreachable). Results are checked, never timings.

use gridmint_oracle::store::Backend;
use gridmint_oracle_bench::{args, run, table};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_run_ingests_everything_closes_like_the_protocol_and_serves_valid_proofs() {
    // Given the --quick sizes on both stores.
    let args = args::parse(["--quick".to_string()]).expect("args");
    assert!(args.postgres && args.check);

    // When every phase runs.
    let report = run(&args).await.expect("bench run");

    // Then every reading sent was answered accepted and is stored, on each store.
    let backends: Vec<Backend> = report.ingest.iter().map(|i| i.backend).collect();
    assert_eq!(backends, [Backend::Sqlite, Backend::Postgres]);
    for i in &report.ingest {
        assert_eq!((i.accepted, i.stored), (args.ingest_readings, args.ingest_readings as u64));
        // The kept round is the fastest of every round run.
        assert_eq!(i.round_rates.len(), gridmint_oracle_bench::ingest::INGEST_ROUNDS);
        assert!(i.round_rates.iter().all(|r| *r <= i.rate()), "{:?}", i.round_rates);
    }
    assert!(report.raw_verify.1 > 0);
    // The close of each store credits every node and equals the direct protocol computation.
    assert_eq!(report.closes.len(), 2);
    for c in &report.closes {
        assert_eq!(c.nodes, args.nodes[0]);
        assert_eq!(c.report.recipient_count, c.nodes as u64, "{:?}", c.backend);
        assert_eq!(c.direct_equal, Some(true), "{:?}", c.backend);
        assert!(c.report.cumulative_total > 0);
        // The read floor read every node's two boundary readings.
        assert_eq!(c.rows_read, 2 * c.nodes, "{:?}", c.backend);
    }
    assert_eq!(report.closes[0].report, report.closes[1].report);
    // Every proof served verified against the closed root.
    assert_eq!(report.proofs.len(), 2);
    for p in &report.proofs {
        assert_eq!((p.verified, p.leaves), (args.proof_requests, args.nodes[0]));
    }
    let text = table::render(&report);
    assert!(text.contains("direct gridmint_protocol: equal") && !text.contains("DIFFERENT"));
}

#[test]
fn the_binary_runs_quick_and_prints_the_tables() {
    // Given the built binary, When it runs --quick on SQLite only.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_oracle-bench"))
        .args(["--quick", "--no-postgres"])
        .output()
        .expect("run oracle-bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Then it succeeds and prints the three tables with consistent roots.
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for heading in ["(1) Ingest over HTTP", "(2) Epoch close", "(3) Proof serving"] {
        assert!(stdout.contains(heading), "{heading}: {stdout}");
    }
    assert!(stdout.contains("direct gridmint_protocol: equal"), "{stdout}");
    assert!(!stdout.contains("DIFFERENT") && !stdout.contains("same on every store: NO"));
}

#[test]
fn bad_arguments_exit_2_with_the_usage() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_oracle-bench"))
        .arg("--bogus")
        .output()
        .expect("run oracle-bench");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("unknown argument --bogus\nusage: oracle-bench"), "{stderr}");
}
