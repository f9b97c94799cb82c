//! Three oracles, one Bank: snapshot → sync → close → vote → finalize → serve → claim,
//! with the interleavings chosen by the test (see `harness`); the HTTP contract against
//! `openapi.json` and the loop's metrics (`operations`); two replicas of one oracle on
//! PostgreSQL, the leader killed mid-vote (`replicas`); archives and pruning (`archive`); the
//! compute-challenge beacon crank (`beacons`); the close's memo of binding addresses (`memo`); a readings stream that breaks mid-close
//! (`stream`).

mod archive;
mod beacons;
mod challenges;
mod harness;
mod memo;
mod operations;
// The store tests' per-test PostgreSQL schema, shared by path.
#[path = "../../src/store/pg_schema.rs"]
mod pg_schema;
mod quorum;
mod replicas;
mod restart;
mod schema;
mod stream;
mod veto;
