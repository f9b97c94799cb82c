//! Times the off-chain reward pipeline of one epoch against raw SHA-256 of its tree.
//!
//! Phases, as `CumulativeState::apply` runs them: (b) `compute_epoch_rewards` (formula and
//! per-recipient sums), (c) adding the epoch to the previous cumulative amounts and building
//! the cumulative tree with all levels, (d) the manifest hash. The baseline (a) hashes the
//! same tree's leaves and inner nodes and nothing else. Each phase is run `reps` times and
//! the fastest run counts (the machine is shared; the minimum is the least noisy estimate),
//! on the bench thread's CPU time where the platform has it (see [`clock`]).
//! Benchmarks never assert time: the tests only check that the phases agree with `apply`.

pub mod args;
pub mod baseline;
pub mod clock;
pub mod scenario;
pub mod table;

use std::hint::black_box;
use std::time::Duration;

use gridmint_protocol::merkle::{CumulativeTree, Hash32};
use gridmint_protocol::rewards::{accumulate_into, compute_epoch_rewards, EpochReport};

pub use clock::Clock;
pub use scenario::Scenario;

/// Target of the issue: the pipeline may take at most this many times the baseline.
pub const TARGET_RATIO: f64 = 3.0;

/// Fastest time of each phase over all runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    pub baseline: Duration,
    pub rewards: Duration,
    pub tree: Duration,
    pub manifest: Duration,
    /// Minor page faults during (b)–(d) (Linux only): fresh memory is a large part of the
    /// cost on a VM, and the reason runs with a warm allocator are faster.
    pub faults: Option<u64>,
}

impl Timings {
    /// (b) + (c) + (d).
    pub fn total(&self) -> Duration {
        self.rewards + self.tree + self.manifest
    }

    /// total / baseline.
    pub fn ratio(&self) -> f64 {
        self.total().as_secs_f64() / self.baseline.as_secs_f64().max(f64::MIN_POSITIVE)
    }

    fn keep_min(&mut self, run: &Timings) {
        self.baseline = self.baseline.min(run.baseline);
        self.rewards = self.rewards.min(run.rewards);
        self.tree = self.tree.min(run.tree);
        self.manifest = self.manifest.min(run.manifest);
        self.faults = match (self.faults, run.faults) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
}

/// One row of the table.
#[derive(Clone, Debug)]
pub struct CaseResult {
    pub nodes: usize,
    pub recipients: usize,
    /// Hashes in the tree (leaves and inner nodes).
    pub tree_hashes: usize,
    pub reps: usize,
    pub timings: Timings,
    /// What the timed phases produced; equal to `CumulativeState::apply`'s report.
    pub report: EpochReport,
}

/// Minor page faults of this process so far, from `/proc/self/stat` (None elsewhere).
pub fn minor_faults() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name: state is field 3, minflt field 10.
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    rest.split_whitespace().nth(7)?.parse().ok()
}

/// One run of every phase on `scenario`.
fn run_once(scenario: &Scenario, clock: Clock) -> (Timings, EpochReport, usize, usize) {
    let m = &scenario.manifest;
    let mut state = scenario.previous.clone();
    let faults_before = minor_faults();
    let (rewards, rewards_time) = clock.time(|| {
        compute_epoch_rewards(&m.params, m.stake_decimals, m.emission, &m.nodes)
            .expect("bench inputs are valid")
    });
    let (paid, per_recipient) = (rewards.paid, rewards.per_recipient);
    // As `CumulativeState::apply`: merge, build the tree, copy the entries into the state.
    let (tree, tree_time) = clock.time(|| {
        let cumulative = accumulate_into(&state.cumulative, per_recipient).expect("no overflow");
        let tree = CumulativeTree::new(cumulative).expect("canonical tree");
        state.cumulative.clear();
        state.cumulative.extend_from_slice(tree.entries());
        tree
    });
    assert_eq!(state.cumulative, tree.entries());
    let (manifest_hash, manifest_time) = clock.time(|| m.hash());
    let faults = faults_before.zip(minor_faults()).map(|(a, b)| b.saturating_sub(a));
    let ((raw_root, hashes), baseline_time) =
        clock.time(|| baseline::raw_tree_root(black_box(tree.entries())));
    assert_eq!(raw_root, tree.root(), "baseline and tree disagree");
    let report = EpochReport {
        epoch: m.epoch,
        root: tree.root(),
        cumulative_total: scenario.previous.cumulative_total + paid,
        recipient_count: tree.len() as u64,
        manifest_hash,
    };
    let timings = Timings {
        baseline: baseline_time,
        rewards: rewards_time,
        tree: tree_time,
        manifest: manifest_time,
        faults,
    };
    (timings, report, tree.len(), hashes)
}

/// Runs `reps` (at least 1) times on `n` nodes from `seed` and checks the outcome against
/// `CumulativeState::apply`.
pub fn run_case(n: usize, reps: usize, seed: u64, clock: Clock) -> CaseResult {
    let scenario = Scenario::generate(n, seed);
    let (mut best, report, recipients, tree_hashes) = run_once(&scenario, clock);
    for _ in 1..reps {
        let (run, again, ..) = run_once(&scenario, clock);
        assert_eq!(again, report, "runs disagree");
        best.keep_min(&run);
    }
    let (applied, _) = scenario.previous.clone().apply(&scenario.manifest).expect("applies");
    assert_eq!(applied, report, "timed phases disagree with CumulativeState::apply");
    CaseResult {
        nodes: scenario.manifest.nodes.len(),
        recipients,
        tree_hashes,
        reps: reps.max(1),
        timings: best,
        report,
    }
}

/// Short hex of a hash, for the table footer.
pub fn short_hex(hash: &Hash32) -> String {
    hash.iter().take(8).map(|b| format!("{b:02x}")).collect()
}
