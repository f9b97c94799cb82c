//! All program tests in one binary (each `tests/*.rs` would link the whole graph again).
//! Programs run natively inside a real Solana Bank (solana-program-test).

mod fraud;
mod logs;
mod node_staking;
mod rewards;
