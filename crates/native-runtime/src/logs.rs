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

/// Makes `collector` the current one until the guard drops (restoring the outer one, so a
/// CPI from one native program into another keeps the caller's afterwards).
pub fn route(collector: Collector) -> RouteGuard {
    install();
    let outer = CURRENT.with(|current| current.replace(Some(collector)));
    RouteGuard { outer }
}

pub struct RouteGuard {
    outer: Option<Collector>,
}

impl Drop for RouteGuard {
    fn drop(&mut self) {
        let outer = self.outer.take();
        CURRENT.with(|current| current.replace(outer));
    }
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
