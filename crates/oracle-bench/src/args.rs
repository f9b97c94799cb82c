//! Command line: `oracle-bench [--nodes N]... [--ingest-readings N] [--proof-requests N]
//! [--clients C] [--reps R] [--seed S] [--no-postgres] [--check] [--quick]`.

/// Node counts of the close when none is given (the issue's sizes).
pub const DEFAULT_NODES: [usize; 2] = [100_000, 1_000_000];
/// Readings sent in the ingest phase by default (2,048 batches of 64).
pub const DEFAULT_INGEST: usize = 131_072;
/// Proof requests per store at the largest node count.
pub const DEFAULT_PROOFS: usize = 64;
/// Closes per size and store: the second is the steady state (binding addresses remembered).
pub const DEFAULT_REPS: usize = 2;
/// Items per ingest request and concurrent clients (fixed by the issue).
pub const BATCH: usize = 64;
pub const CLIENTS: usize = 8;
pub const SEED: u64 = 0x6d69_6e74;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    pub nodes: Vec<usize>,
    pub ingest_readings: usize,
    pub proof_requests: usize,
    pub clients: usize,
    /// Closes per store and node count; the fastest counts.
    pub reps: usize,
    pub seed: u64,
    pub postgres: bool,
    /// Recompute every close directly with `gridmint_protocol` and compare (costly at 1M).
    pub check: bool,
}

pub const USAGE: &str = "usage: oracle-bench [options]
  --nodes N            close size (repeatable; default 100000 and 1000000); proofs use the largest
  --ingest-readings N  readings sent over HTTP per store (default 131072)
  --proof-requests N   proof requests per store (default 64)
  --clients C          concurrent HTTP clients (default 8)
  --reps R             closes per size and store, fastest counts (default 2: a store's first
                       close also derives and remembers every binding address)
  --seed S             input seed
  --no-postgres        SQLite only
  (PostgreSQL: the server of GRIDMINT_TEST_POSTGRES_URL, default the local `test` database;
   a fresh schema per run, dropped after)
  --check              recompute each close with gridmint_protocol and compare roots
  --quick              tiny sizes and --check (a smoke test, not a measurement)";

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut out = Args {
        nodes: Vec::new(),
        ingest_readings: DEFAULT_INGEST,
        proof_requests: DEFAULT_PROOFS,
        clients: CLIENTS,
        reps: DEFAULT_REPS,
        seed: SEED,
        postgres: true,
        check: false,
    };
    let mut quick = false;
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let mut raw = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        let number = |name: &str, raw: String| {
            raw.replace('_', "").parse::<usize>().map_err(|e| format!("{name} {raw}: {e}"))
        };
        match arg.as_str() {
            "--nodes" => out.nodes.push(number("--nodes", raw("--nodes")?)?),
            "--ingest-readings" => {
                out.ingest_readings = number(&arg, raw(&arg)?)?;
            }
            "--proof-requests" => out.proof_requests = number(&arg, raw(&arg)?)?,
            "--clients" => out.clients = number(&arg, raw(&arg)?)?.max(1),
            "--reps" => out.reps = number(&arg, raw(&arg)?)?.max(1),
            "--seed" => out.seed = number(&arg, raw(&arg)?)? as u64,
            "--no-postgres" => out.postgres = false,
            "--check" => out.check = true,
            "--quick" => quick = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if quick {
        out = Args {
            nodes: if out.nodes.is_empty() { vec![200] } else { out.nodes },
            ingest_readings: out.ingest_readings.min(256),
            proof_requests: out.proof_requests.min(32),
            check: true,
            ..out
        };
    }
    if out.nodes.is_empty() {
        out.nodes = DEFAULT_NODES.to_vec();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Args, String> {
        parse(list.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults_are_the_issue_sizes_and_quick_is_tiny_and_checked() {
        let a = args(&[]).expect("defaults");
        assert_eq!(
            (a.nodes, a.clients, a.postgres, a.check),
            (vec![100_000, 1_000_000], 8, true, false)
        );
        let q = args(&["--quick", "--no-postgres"]).expect("quick");
        assert_eq!(
            (q.nodes, q.ingest_readings, q.check, q.postgres),
            (vec![200], 256, true, false)
        );
        let n = args(&["--nodes", "1_000", "--reps", "0"]).expect("nodes");
        assert_eq!((n.nodes, n.reps), (vec![1_000], 1));
    }

    #[test]
    fn bad_arguments_are_refused_by_name() {
        assert_eq!(args(&["--nodes"]), Err("--nodes needs a value".to_string()));
        assert!(args(&["--nodes", "x"]).expect_err("x").starts_with("--nodes x: invalid digit"));
        assert!(args(&["--fast"]).expect_err("unknown").starts_with("unknown argument --fast"));
    }
}
