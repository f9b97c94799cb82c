//! Tests of the crediting rules: a signed-input fixture, the hand-worked examples of
//! PROTOCOL.md §9, each rejection reason, and fixed-seed property tests.
#![allow(clippy::arithmetic_side_effects)] // test arithmetic on small known values

mod boundaries;
pub(crate) mod fixture;
mod green;
mod identity;
pub(crate) mod json;
mod properties;
mod receipts;
mod scenarios;
mod vector_cases;
mod vectors;
