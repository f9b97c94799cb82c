//! GridMint agent: runs beside an operator's meters and machines, reads the meter, signs
//! readings with the device key and delivers them to every oracle, without ever signing two
//! different readings with one sequence number.
//!
//! - [`signer`] + [`journal`]: each reading is committed (fsynced) before it can leave;
//!   [`allowance`]: no two signed readings ever break the capacity fraud rule;
//!   [`bootstrap`]: where a fresh journal continues; [`failpoint`]: crash tests.
//! - [`deliver`]: store-and-forward per oracle; [`compact`]: the bounded queue.
//! - [`run`]: the process; [`http`] + [`metrics`]: `/health`, `/metrics`; [`clock`]: chain
//!   clock; [`status`]; [`registration`]: offline signing of `register_node`.
//! - [`challenges`]: compute challenges (discover, multi-threaded prover, answer, submit);
//!   [`jobs`]: jobs for requesters and their work receipts; [`compute`]: both in `run`.
//! - Meter sources are the `gridmint-meters` crate.

pub mod allowance;
pub mod bootstrap;
pub mod challenges;
pub mod clock;
pub mod compact;
pub mod compute;
pub mod config;
pub mod deliver;
pub mod failpoint;
pub mod http;
pub mod jobs;
pub mod journal;
pub mod metrics;
pub mod registration;
pub mod run;
pub mod signer;
pub mod status;

/// The agent's clock: Unix seconds of the system time (device time in readings).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
