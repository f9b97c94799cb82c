//! One module per instruction: its args struct, its `#[derive(Accounts)]` struct (with a
//! `validate()` run through `#[access_control]` where there are business rules) and its
//! handler. Nothing is glob re-exported here (every module has a `handler`); `lib.rs` glob
//! imports the modules privately so Anchor finds the generated client modules.

pub mod accept_authority;
pub mod close_node;
pub mod initialize;
pub mod pause;
pub mod register_node;
pub mod register_requester;
pub mod report_fraud;
pub mod request_unstake;
pub mod retire_requester;
pub mod rotate_device_key;
pub mod set_params;
pub mod slash;
pub mod stake;
pub mod transfer_authority;
pub mod unjail;
pub mod unpause;
pub mod update_node;
pub mod withdraw;
