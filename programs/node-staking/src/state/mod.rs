//! Account types, seeds and the pure state-transition functions of node-staking.

pub mod capacity;
pub mod config;
pub mod device_binding;
pub mod evidence;
pub mod node;
pub mod requester;
pub mod seeds;
pub mod slashing;
pub mod views;

pub use capacity::*;
pub use config::*;
pub use device_binding::*;
pub use evidence::*;
pub use node::*;
pub use requester::*;
pub use slashing::*;
pub use views::*;
