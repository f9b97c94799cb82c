//! Ingest over real HTTP, with bindings read from a real Bank and real signatures.
//! One test binary (one link) with a module per concern.

mod answers;
mod common;
mod limits;
mod metrics;
