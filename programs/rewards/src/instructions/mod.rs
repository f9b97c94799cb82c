//! One module per instruction: its args struct, its `#[derive(Accounts)]` struct (with a
//! `validate()` run through `#[access_control]` where there are business rules) and its
//! handler.

// Every module has a `handler`; `lib.rs` calls each by its full path, and the globs are
// only there for the types Anchor's `#[program]` expects at the crate root.
#![allow(ambiguous_glob_reexports)]

pub mod accept_authority;
pub mod claim;
pub mod close_epoch;
pub mod create_beacons;
pub mod initialize;
pub mod open_round;
pub mod pause;
pub mod record_beacon;
pub mod set_challenge_params;
pub mod set_oracles;
pub mod set_params;
pub mod submit_report;
pub mod transfer_authority;
pub mod unpause;
pub mod veto_epoch;

pub use accept_authority::*;
pub use claim::*;
pub use close_epoch::*;
pub use create_beacons::*;
pub use initialize::*;
pub use open_round::*;
pub use pause::*;
pub use record_beacon::*;
pub use set_challenge_params::*;
pub use set_oracles::*;
pub use set_params::*;
pub use submit_report::*;
pub use transfer_authority::*;
pub use unpause::*;
pub use veto_epoch::*;
