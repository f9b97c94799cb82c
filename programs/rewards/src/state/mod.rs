//! Account types, seeds and the pure state-transition functions of the rewards program.

pub mod challenge;
pub mod claim_status;
pub mod config;
pub mod epoch;
pub mod oracle_set;
pub mod params;
pub mod params_schedule;
pub mod root_ring;
pub mod seeds;

pub use challenge::*;
pub use claim_status::*;
pub use config::*;
pub use epoch::*;
pub use oracle_set::*;
pub use params::*;
pub use params_schedule::*;
pub use root_ring::*;
