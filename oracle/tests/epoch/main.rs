//! Three oracles, one Bank: snapshot → sync → close → vote → finalize → serve → claim,
//! with the interleavings chosen by the test (see `harness`); the HTTP contract against
//! `openapi.json` and the loop's metrics (`operations`); archives and pruning (`archive`).

mod archive;
mod harness;
mod operations;
mod quorum;
mod restart;
mod schema;
mod veto;
