//! Plumbing shared by several instructions: token transfers and PDA account creation.

pub mod pda_account;
pub mod token;
