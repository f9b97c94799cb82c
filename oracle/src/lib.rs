//! GridMint oracle service. Implemented so far: **ingest** (HTTP endpoints that verify
//! device-signed readings and work receipts and answer per item), **store** (durable
//! SQLite, keyed by input identity) and the **watchtower** (reports provable fraud found in
//! the store with `report_fraud`). Snapshot, sync, close and vote come later; they read the
//! store and call `gridmint_protocol::crediting`, never a second copy of the rules.
//!
//! Layers, each importing only those before it: [`config`] → [`store`] → [`ingest`]
//! (`wire` → `verify` + `bindings` + `rate_limit` → `http`) → [`serve`] (the process);
//! [`keypair`] → [`watchtower`] (`detect` → pass) beside ingest, on the store and the chain.

pub mod config;
pub mod ingest;
pub mod keypair;
pub mod serve;
pub mod store;
pub mod watchtower;
