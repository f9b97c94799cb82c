//! Tests of the challenge protocol: the world of `world.rs`, each rule, each verdict named
//! in issue 13, fixed-seed properties and the golden vectors in `docs/vectors/challenge.json`.
#![allow(clippy::arithmetic_side_effects)] // test arithmetic on small known values

mod properties;
mod units;
mod vector_cases;
mod vectors;
mod verdicts;
mod world;
