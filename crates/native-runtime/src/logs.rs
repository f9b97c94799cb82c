//! Program logs into the transaction's log messages.
//!
//! Natively, `msg!` would print to stdout and `sol_log_data` (`emit!`) would be dropped
//! (upstream host code paths). The patched `solana-msg` (see `vendor/README.md`) offers both
//! to the hooks below, which write into the log collector of the invocation running on this
//! thread with the runtime's own stable format, as the SBF syscalls do on a real cluster.
//! Outside an invocation (validator code on other threads) the hooks decline and upstream
//! behaviour applies.

use std::{cell::RefCell, rc::Rc, sync::Once};

use solana_program_runtime::stable_log;
use solana_svm_log_collector::LogCollector;

type Collector = Option<Rc<RefCell<LogCollector>>>;

thread_local! {
    /// The log collector of the native invocation running on this thread, if any.
    static CURRENT: RefCell<Option<Collector>> = const { RefCell::new(None) };
}

/// Installs the hooks (once per process).
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| solana_msg::host::set_hooks(log, log_data));
}

/// Runs one native invocation (`call`) with `collector` as the current one, restoring the
/// outer one afterwards (a CPI from one native program into another), then removes the lines
/// solana-program-test's wrappers print a second time (see [`drop_duplicates`]).
pub fn routed<R>(collector: Collector, call: impl FnOnce() -> R) -> R {
    install();
    let start = collector.as_ref().map(|c| c.borrow().messages.len());
    let outer = CURRENT.with(|current| current.replace(Some(collector.clone())));
    let result = call();
    CURRENT.with(|current| current.replace(outer));
    if let (Some(collector), Some(start)) = (collector, start) {
        let mut collector = collector.borrow_mut();
        let start = start.min(collector.messages.len());
        let lines = collector.messages.split_off(start);
        let bytes =
            |lines: &[String]| lines.iter().map(String::len).fold(0usize, usize::saturating_add);
        let written = bytes(&lines);
        let kept = drop_duplicates(lines);
        // Dropped lines no longer count against the transaction's log size limit.
        collector.bytes_written =
            collector.bytes_written.saturating_sub(written.saturating_sub(bytes(&kept)));
        collector.messages.extend(kept);
    }
    result
}

/// The runtime already logs `invoke`/`success`/`failed` around every builtin and every CPI;
/// solana-program-test's `invoke_builtin_function` logs the builtin's pair again (first and
/// last line here) and its CPI stub logs each CPI's pair again: its `invoke` line (with the
/// caller's depth) right before the runtime's, its `success` line right after the runtime's.
/// Without this, Anchor's log parsers (`EventParser`, error stacks) see unbalanced frames.
/// A real log never has an `invoke` line directly followed by another `invoke` of the same
/// program, and two identical adjacent `success` lines are real only for a self-CPI returning
/// into its caller, where the stub's copy makes three, so collapsing such runs is exact.
fn drop_duplicates(mut lines: Vec<String>) -> Vec<String> {
    let invoked =
        |l: &str| l.strip_prefix("Program ")?.split_once(" invoke [").map(|(p, _)| p.to_string());
    let end_line =
        |l: &str| l.starts_with("Program ") && (l.ends_with(" success") || l.contains(" failed: "));
    if lines.first().is_some_and(|l| invoked(l).is_some()) {
        lines.remove(0);
    }
    if lines.last().is_some_and(|l| end_line(l)) {
        lines.pop();
    }
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let program = invoked(line);
        if program.is_some() && lines.get(i.saturating_add(1)).and_then(|n| invoked(n)) == program {
            continue; // the stub's copy; the runtime's line follows
        }
        if line.ends_with(" success") && out.last() == Some(line) {
            continue;
        }
        out.push(line.clone());
    }
    out
}

fn log(message: &str) -> bool {
    with_current(|collector| stable_log::program_log(collector, message))
}

fn log_data(data: &[&[u8]]) -> bool {
    with_current(|collector| stable_log::program_data(collector, data))
}

/// Runs `write` on the current collector. Inside an invocation whose transaction records no
/// logs, the message is taken and dropped, as a cluster would.
fn with_current(write: impl FnOnce(&Collector)) -> bool {
    CURRENT.with(|current| match &*current.borrow() {
        Some(collector) => {
            write(collector);
            true
        }
        None => false,
    })
}

#[cfg(test)]
mod tests {
    use super::drop_duplicates;

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn wrapper_and_stub_copies_are_dropped_and_real_lines_kept() {
        // What program-test's wrappers leave between the runtime's own frame of X: X's
        // invoke again, a token CPI and a self-CPI (event) each logged by stub and runtime,
        // X's success again.
        let raw = lines(&[
            "Program X invoke [1]",
            "Program log: Instruction: Stake",
            "Program T invoke [1]",
            "Program T invoke [2]",
            "Program log: Instruction: TransferChecked",
            "Program T consumed 105 of 199000 compute units",
            "Program T success",
            "Program T success",
            "Program X invoke [1]",
            "Program X invoke [2]",
            "Program X success",
            "Program X success",
            "Program X success",
        ]);
        let expected = lines(&[
            "Program log: Instruction: Stake",
            "Program T invoke [2]",
            "Program log: Instruction: TransferChecked",
            "Program T consumed 105 of 199000 compute units",
            "Program T success",
            "Program X invoke [2]",
            "Program X success",
        ]);
        assert_eq!(drop_duplicates(raw), expected);
    }

    #[test]
    fn a_failure_keeps_the_programs_lines() {
        let raw = lines(&[
            "Program X invoke [1]",
            "Program log: AnchorError occurred. Error Code: Paused. Error Number: 6003.",
            "Program X failed: custom program error: 0x1773",
        ]);
        let expected =
            lines(&["Program log: AnchorError occurred. Error Code: Paused. Error Number: 6003."]);
        assert_eq!(drop_duplicates(raw), expected);
    }
}
