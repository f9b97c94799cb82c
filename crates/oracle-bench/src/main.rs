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
