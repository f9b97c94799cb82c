//! Oracle benchmarks (issue 11): HTTP ingest into SQLite and PostgreSQL next to one core's
//! raw `verify_strict` rate, the epoch close from each store next to hashing the same tree
//! (time and peak memory), and proof serving at the largest size.
//!
//! Every phase runs the oracle's own code on real components: its axum server built by
//! `serve` from a `Config`, reqwest clients, a durable SQLite file and a fresh PostgreSQL
//! schema, real Ed25519 device signatures in the protocol's message format. The one stand-in
//! is the chain ([`chain`]): an in-memory account map behind the SDK's `Chain` trait.
//! Results are checked (every reading accepted and stored, roots equal across stores and,
//! with `--check`, equal to a direct `gridmint_protocol` computation, every proof verified);
//! timings are printed, never asserted.

pub mod args;
pub mod chain;
pub mod close;
pub mod ingest;
pub mod mem;
pub mod proofs;
pub mod server;
pub mod stores;
pub mod table;
pub mod world;

use gridmint_oracle::store::Backend;

use args::Args;
use close::CloseResult;
use ingest::IngestResult;
use proofs::ProofResult;

/// Everything one run measured.
#[derive(Clone, Debug)]
pub struct Report {
    pub ingest: Vec<IngestResult>,
    /// One core's `verify_strict` rate (readings/s) and the sample size.
    pub raw_verify: (f64, usize),
    pub closes: Vec<CloseResult>,
    pub proofs: Vec<ProofResult>,
}

/// The stores a run uses.
pub fn backends(args: &Args) -> Vec<Backend> {
    if args.postgres {
        vec![Backend::Sqlite, Backend::Postgres]
    } else {
        vec![Backend::Sqlite]
    }
}

/// Runs every phase of `args`.
pub async fn run(args: &Args) -> anyhow::Result<Report> {
    let backends = backends(args);
    eprintln!("ingest: signing {} readings", args.ingest_readings);
    let work = ingest::Workload::new(args.seed, args.ingest_readings);
    let raw_verify = ingest::raw_verify_rate(&work.readings);
    let mut ingest_results = Vec::new();
    for &backend in &backends {
        ingest_results.push(ingest::fastest_of_rounds(backend, &work, args).await?);
    }
    drop(work);

    let mut sizes = args.nodes.clone();
    sizes.sort_unstable();
    let largest = sizes.last().copied().unwrap_or(0);
    let mut closes = Vec::new();
    let mut proof_results = Vec::new();
    for n in sizes {
        eprintln!("close: loading {n} nodes");
        let loaded = close::load(args.seed, n, &backends).await?;
        let direct = if args.check { Some(close::direct_report(args.seed, n)?) } else { None };
        for (db, store) in &loaded.stores {
            let mut result = close::close(&loaded, db, store, args.reps).await?;
            result.direct_equal = direct.as_ref().map(|d| *d == result.report);
            if n == largest && args.proof_requests > 0 {
                eprintln!(
                    "proofs: {} requests from {}",
                    args.proof_requests,
                    stores::label(db.backend)
                );
                let served = proofs::run(
                    &loaded,
                    db,
                    store,
                    &result,
                    args.seed,
                    args.proof_requests,
                    args.clients,
                )
                .await?;
                proof_results.push(served);
            }
            // Only the report is kept: the next close starts without this one's tree.
            closes.push(result.without_tree());
        }
        for (_, store) in &loaded.stores {
            store.close().await;
        }
    }
    Ok(Report { ingest: ingest_results, raw_verify, closes, proofs: proof_results })
}
