//! Runs the bench logic on tiny inputs so it cannot rot. No timing assertions.

use gridmint_bench::{args, baseline, run_case, table, Clock, Scenario};
use gridmint_protocol::merkle::EMPTY_ROOT;

#[test]
fn quick_cases_agree_with_apply_and_render() {
    // run_case asserts that the timed phases equal CumulativeState::apply and that the raw
    // baseline reaches the same root.
    let cases: Vec<_> = [1usize, 2, 37, 500]
        .iter()
        .map(|&n| run_case(n, 2, 7, if n % 2 == 0 { Clock::pick(false) } else { Clock::Wall }))
        .collect();
    for c in &cases {
        assert!(c.recipients >= 1 && c.recipients <= 2 * c.nodes);
        assert!(c.tree_hashes >= c.recipients);
        assert_ne!(c.report.root, EMPTY_ROOT);
    }
    let text = table::render(&cases);
    assert_eq!(text.lines().count(), 1 + 2 * cases.len());
    assert!(text.contains("verdict"));
}

#[test]
fn inputs_are_deterministic_and_about_half_as_many_recipients_as_nodes() {
    let (a, b) = (Scenario::generate(4_000, 1), Scenario::generate(4_000, 1));
    assert_eq!(a.manifest, b.manifest);
    assert_eq!(a.previous, b.previous);
    let c = run_case(4_000, 1, 1, Clock::Wall);
    assert!((1_600..=2_400).contains(&c.recipients), "{} recipients", c.recipients);
}

#[test]
fn baseline_of_no_entries_is_the_empty_root() {
    assert_eq!(baseline::raw_tree_root(&[]), (EMPTY_ROOT, 0));
}

#[test]
fn arguments() {
    let parse = |s: &str| args::parse(s.split_whitespace().map(String::from));
    assert_eq!(parse("").unwrap().nodes, args::DEFAULT_NODES.to_vec());
    let quick = parse("--quick").unwrap();
    assert_eq!((quick.nodes, quick.reps), (vec![args::QUICK_NODES], 1));
    let some = parse("--nodes 1_000 --nodes 5 --reps 2 --seed 9 --wall").unwrap();
    assert_eq!((some.nodes, some.reps, some.seed, some.wall), (vec![1_000, 5], 2, 9, true));
    assert!(!parse("").unwrap().wall);
    assert!(parse("--nodes").unwrap_err().contains("needs a value"));
    assert!(parse("--nodes x").unwrap_err().contains("--nodes x"));
    assert!(parse("--fast").unwrap_err().contains("unknown argument --fast"));
}
