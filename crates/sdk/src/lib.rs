//! GridMint client SDK: PDAs, instruction builders, account and event decoding.
//!
//! Seeds come from the programs' own `state::seeds` modules, never repeated here.

pub mod events;
pub mod fraud;
pub mod node_staking;
pub mod rewards;
