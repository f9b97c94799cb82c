//! GridMint oracle service. Implemented so far: **ingest** (HTTP endpoints that verify
//! device-signed readings and work receipts and answer per item) and **store** (durable
//! SQLite, keyed by input identity). Snapshot, sync, close, vote, serve and the watchtower
//! come later; they read the store and call `gridmint_protocol::crediting`, never a second
//! copy of the rules.
//!
//! Layers, each importing only those before it: [`config`] → [`store`] → [`ingest`]
//! (`wire` → `verify` + `bindings` + `rate_limit` → `http`) → [`serve`] (the process).

pub mod config;
pub mod ingest;
pub mod serve;
pub mod store;
