//! Failpoints for crash tests: `GRIDMINT_AGENT_FAILPOINT=<name>[:<n>]` aborts the process
//! (as `kill -9` would: no destructors, no flush) the `n`-th time (default 1) execution
//! passes the named point. Unset, each point is one relaxed atomic load.
//!
//! The points are the steps between which a crash could matter for equivocation; see
//! [`crate::journal`] and [`crate::deliver`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

pub const ENV: &str = "GRIDMINT_AGENT_FAILPOINT";

/// Every failpoint, in the order a reading passes them.
pub const ALL: [&str; 5] =
    ["after_sample", "after_sign", "after_persist", "after_send", "after_ack"];

struct Armed {
    name: String,
    countdown: AtomicU64,
}

fn armed() -> Option<&'static Armed> {
    static ARMED: OnceLock<Option<Armed>> = OnceLock::new();
    ARMED
        .get_or_init(|| {
            let spec = std::env::var(ENV).ok()?;
            let (name, n) = match spec.split_once(':') {
                Some((name, n)) => (name.to_string(), n.parse().ok()?),
                None => (spec, 1),
            };
            Some(Armed { name, countdown: AtomicU64::new(n) })
        })
        .as_ref()
}

/// Aborts here if this point is armed and its count is reached.
pub fn hit(name: &str) {
    let Some(armed) = armed() else { return };
    if armed.name != name {
        return;
    }
    if armed.countdown.fetch_sub(1, Ordering::SeqCst) == 1 {
        eprintln!("failpoint {name}: aborting");
        std::process::abort();
    }
}
