//! GridMint client SDK: PDAs, instruction builders, account and event decoding.
//!
//! Seeds come from the programs' own `state::seeds` modules, never repeated here.
//!
//! Always built: [`node_staking`], [`rewards`], [`fraud`], [`events`], [`errors`] (error
//! codes to names) and [`vote`] (the oracle's transactions with a compute budget).
//! Cargo features add chain access ([`chain`]): `rpc` (`RpcChain`, nonblocking `RpcClient`)
//! and `banks` (`BanksChain`, a solana-program-test Bank), and with them [`offline`]
//! (durable-nonce transactions signed on several machines) and [`requester`] (checking and
//! co-signing work receipts). Neither pulls in the validator. [`jobs`]: the built-in compute
//! job whose output both sides of a receipt can reproduce.

#[cfg(feature = "chain")]
pub mod chain;
pub mod errors;
pub mod events;
pub mod fraud;
pub mod jobs;
pub mod node_staking;
#[cfg(feature = "chain")]
pub mod offline;
#[cfg(feature = "chain")]
pub mod requester;
pub mod rewards;
pub mod vote;
