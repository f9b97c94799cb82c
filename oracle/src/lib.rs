//! GridMint oracle service, layered ingest → store → snapshot → sync → close → vote → serve:
//!
//! - [`ingest`]: HTTP endpoints that verify device-signed readings and work receipts and
//!   answer per item; [`store`]: durable SQLite or PostgreSQL (inputs, snapshots, manifests, the
//!   finalized ledger, vote intents, correction documents).
//! - [`epoch`]: snapshot of the node views after an epoch's end, gathering of the inputs,
//!   and the close — `gridmint_protocol::crediting` and `rewards`, never a second copy of
//!   the rules.
//! - [`sync`]: peers' inputs, results, manifests and ledgers over HTTP.
//! - [`vote`]: `submit_report` with persisted intents; [`driver`]: the epoch loop.
//! - [`api`]: proofs (trees cached per root, [`claim_tree`]), manifests, explanations,
//!   corrections; [`serve`]: the process;
//!   [`routes`]: every route as data (checked against `openapi.json`); [`metrics`]: Prometheus.
//! - [`leader`]: which of several `serve` replicas on one PostgreSQL store runs the loop.
//! - [`watchtower`]: reports provable fraud found in the store with
//!   `report_fraud`, beside the loop, on the store and the chain.
//! - [`beacon_crank`]: keeps the compute-challenge beacon accounts filled (permissionless).
//! - [`challenges`]: compute-challenge answers and attestations (ingest, sync, the evidence
//!   the close judges).
//! - [`archive`]: per-epoch archive files of the inputs each manifest commits, served and
//!   verifiable by anyone; optional pruning of archived inputs from the store.

pub mod api;
pub mod archive;
pub mod beacon_crank;
pub mod challenges;
pub mod claim_tree;
pub mod commands;
pub mod config;
pub mod driver;
pub mod epoch;
pub mod ingest;
pub mod leader;
pub mod manifest_json;
pub mod metrics;
pub mod routes;
pub mod serve;
pub mod store;
pub mod sync;
pub mod vote;
pub mod watchtower;
