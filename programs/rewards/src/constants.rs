//! Build-time constants.

use anchor_lang::prelude::*;

/// The only key allowed to call `initialize` (front-running guard): the base58 key of
/// `gridmint_protocol::deployment::DEPLOY_ADMIN`, overridable at build time with
/// `GRIDMINT_DEPLOY_ADMIN`.
pub const DEPLOY_ADMIN: Pubkey =
    Pubkey::from_str_const(gridmint_protocol::deployment::DEPLOY_ADMIN);
