//! Command line: `bench [--nodes N]... [--reps R] [--seed S] [--quick] [--wall]`.

use crate::scenario::SEED;

/// Node counts run when none is given.
pub const DEFAULT_NODES: [usize; 2] = [100_000, 1_000_000];
/// Node count of `--quick`.
pub const QUICK_NODES: usize = 2_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    pub nodes: Vec<usize>,
    pub reps: usize,
    pub seed: u64,
    /// Time with the wall clock instead of the thread's CPU time.
    pub wall: bool,
}

pub const USAGE: &str = "usage: bench [--nodes N]... [--reps R] [--seed S] [--quick] [--wall]
  --nodes N  node count (repeatable; default 100000 and 1000000)
  --reps R   runs per node count, fastest counts (default 3)
  --seed S   input seed (default the fixed bench seed)
  --quick    2000 nodes, one run (a smoke test, not a measurement)
  --wall     time with the wall clock (default: the bench thread's CPU time, on Linux)";

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let (mut nodes, mut reps, mut seed, mut quick, mut wall) =
        (Vec::new(), None, SEED, false, false);
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            let raw = it.next().ok_or_else(|| format!("{name} needs a value"))?;
            raw.replace('_', "").parse::<u64>().map_err(|e| format!("{name} {raw}: {e}"))
        };
        match arg.as_str() {
            "--nodes" => nodes.push(usize::try_from(value("--nodes")?).map_err(|e| e.to_string())?),
            "--reps" => reps = Some(usize::try_from(value("--reps")?).map_err(|e| e.to_string())?),
            "--seed" => seed = value("--seed")?,
            "--quick" => quick = true,
            "--wall" => wall = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if nodes.is_empty() {
        nodes = if quick { vec![QUICK_NODES] } else { DEFAULT_NODES.to_vec() };
    }
    let reps = reps.unwrap_or(if quick { 1 } else { 3 }).max(1);
    Ok(Args { nodes, reps, seed, wall })
}
