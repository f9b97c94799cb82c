//! Three oracles, one Bank: snapshot → sync → close → vote → finalize → serve → claim,
//! with the interleavings chosen by the test (see `harness`).

mod harness;
mod quorum;
mod restart;
mod veto;
