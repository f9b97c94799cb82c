//! [`BindingDirectory`] over the SDK's [`Chain`]: the `DeviceBinding` PDA of a key, fetched
//! and decoded by `ChainExt`. In production the chain is an `RpcChain` (JSON-RPC); tests use
//! a `BanksChain` over a real Bank, so both run this same code.

use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use gridmint_protocol::crediting::BindingInput;
use gridmint_protocol::emission::EpochClock;
use gridmint_sdk::chain::{Chain, ChainExt};

use super::bindings::{BindingDirectory, BoxFuture, DirectoryError};

pub struct ChainBindings {
    chain: Arc<dyn Chain>,
}

impl ChainBindings {
    pub fn new(chain: Arc<dyn Chain>) -> Self {
        Self { chain }
    }

    /// The epoch clock from node-staking's config (`genesis_time`, `epoch_seconds`).
    pub async fn epoch_clock(&self) -> Result<EpochClock, DirectoryError> {
        let fetched =
            self.chain.node_staking_config().await.map_err(|e| DirectoryError(e.to_string()))?;
        let config = fetched.account.ok_or_else(|| {
            DirectoryError(format!("no node-staking config at {}", fetched.address))
        })?;
        Ok(EpochClock { genesis_time: config.genesis_time, epoch_seconds: config.epoch_seconds })
    }
}

impl BindingDirectory for ChainBindings {
    fn binding<'a>(
        &'a self,
        device_key: &'a [u8; 32],
    ) -> BoxFuture<'a, Result<Option<BindingInput>, DirectoryError>> {
        Box::pin(async move {
            let key = Pubkey::new_from_array(*device_key);
            let fetched =
                self.chain.device_binding(&key).await.map_err(|e| DirectoryError(e.to_string()))?;
            let Some(b) = fetched.account else { return Ok(None) };
            if b.device_key != key {
                return Err(DirectoryError(format!(
                    "binding {} names another key",
                    fetched.address
                )));
            }
            Ok(Some(BindingInput {
                device_key: *device_key,
                node: b.node.to_bytes(),
                node_id: b.node_id,
                bound_at: b.bound_at,
                unbound_at: b.unbound_at,
            }))
        })
    }
}
