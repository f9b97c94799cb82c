//! Fixed-seed property tests over random worlds.
