//! `cargo run --release -p gridmint-bench -- [--nodes N]... [--reps R] [--quick]`

use gridmint_bench::{args, run_case, table, Clock};

fn main() {
    let args = match args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    if cfg!(debug_assertions) {
        eprintln!("note: debug build; measure with --release");
    }
    let clock = Clock::pick(args.wall);
    println!(
        "GridMint reward pipeline vs raw SHA-256 of the same tree (seed {:#x}, fastest of {} runs, {})",
        args.seed,
        args.reps,
        clock.describe()
    );
    println!(
        "recipients: 40% solo, 50% of N/10 small operators, 10% of N/10000 fleets (~N/2 distinct)"
    );
    println!(
        "(a) raw SHA-256 of leaves+inner nodes  (b) compute_epoch_rewards  (c) accumulate + \
         CumulativeTree::new  (d) manifest hash  (e) = b+c+d"
    );
    let mut cases = Vec::new();
    for &n in &args.nodes {
        cases.push(run_case(n, args.reps, args.seed, clock));
    }
    print!("{}", table::render(&cases));
}
