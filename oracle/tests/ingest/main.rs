//! Ingest over real HTTP, with bindings read from a real Bank and real signatures.
//! One test binary (one link) with a module per concern.

mod answers;
mod challenges;
mod common;
mod limits;
mod metrics;
// The store tests' per-test PostgreSQL schema, shared by path (the lib's test code is not
// visible to integration tests).
#[path = "../../src/store/pg_schema.rs"]
mod pg_schema;
mod postgres;
