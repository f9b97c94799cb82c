//! `cargo run --profile bench-fast -p gridmint-oracle-bench -- [options]` (see `--help`).

use gridmint_oracle_bench::{args, run, table};

#[tokio::main]
async fn main() {
    let args = match args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    // The oracle's own logs, e.g. `RUST_LOG=gridmint_oracle::epoch=debug` for each close's
    // phases; nothing unless asked (the table is the output).
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    if cfg!(debug_assertions) {
        eprintln!("note: debug build; measure with --profile bench-fast (or --release)");
    }
    let report = match run(&args).await {
        Ok(report) => report,
        Err(e) => {
            eprintln!("oracle-bench failed: {e:#}");
            std::process::exit(1);
        }
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!(
        "GridMint oracle benchmarks (seed {:#x}, {} client(s), {cores} core(s), {} close \
         run(s) per size and store)\n",
        args.seed, args.clients, args.reps
    );
    print!("{}", table::render(&report));
}
