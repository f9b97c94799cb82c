//! [`BindingDirectory`] over Solana JSON-RPC: fetches and decodes the `DeviceBinding` PDA.
//!
//! Deliberately small: it is replaced by the SDK's chain trait (`rpc` feature, RpcClient and
//! BanksClient implementations) once that lands.

use anchor_lang::prelude::Pubkey;
use gridmint_protocol::crediting::BindingInput;
use gridmint_protocol::emission::EpochClock;
use gridmint_sdk::node_staking as sdk;
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;

use super::bindings::{BindingDirectory, BoxFuture, DirectoryError};

pub struct RpcBindings {
    client: RpcClient,
    commitment: CommitmentConfig,
    /// The deployment id: node-staking's config address, the first seed of every binding.
    config: Pubkey,
}

impl RpcBindings {
    pub fn new(url: String, commitment: CommitmentConfig, config: Pubkey) -> Self {
        Self { client: RpcClient::new(url), commitment, config }
    }

    async fn account(&self, address: &Pubkey) -> Result<Option<Vec<u8>>, DirectoryError> {
        let found = self
            .client
            .get_account_with_commitment(address, self.commitment)
            .await
            .map_err(|e| DirectoryError(e.to_string()))?
            .value;
        match found {
            Some(account) if account.owner != sdk::PROGRAM_ID => {
                Err(DirectoryError(format!("{address} is not owned by node-staking")))
            }
            Some(account) => Ok(Some(account.data)),
            None => Ok(None),
        }
    }

    /// The epoch clock from node-staking's config (`genesis_time`, `epoch_seconds`).
    pub async fn epoch_clock(&self) -> Result<EpochClock, DirectoryError> {
        let data = self
            .account(&self.config)
            .await?
            .ok_or_else(|| DirectoryError(format!("no node-staking config at {}", self.config)))?;
        let config = sdk::decode_config(&data).map_err(|e| DirectoryError(e.to_string()))?;
        Ok(EpochClock { genesis_time: config.genesis_time, epoch_seconds: config.epoch_seconds })
    }
}

impl BindingDirectory for RpcBindings {
    fn binding<'a>(
        &'a self,
        device_key: &'a [u8; 32],
    ) -> BoxFuture<'a, Result<Option<BindingInput>, DirectoryError>> {
        Box::pin(async move {
            let key = Pubkey::new_from_array(*device_key);
            let address = sdk::device_binding_pda(&self.config, &key).0;
            let Some(data) = self.account(&address).await? else { return Ok(None) };
            let b = sdk::decode_device_binding(&data).map_err(|e| DirectoryError(e.to_string()))?;
            if b.config != self.config || b.device_key != key {
                return Err(DirectoryError(format!("binding {address} names other keys")));
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
