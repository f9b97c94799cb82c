//! [`Chain`] over JSON-RPC with the nonblocking `RpcClient`.

use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_account_decoder_client_types::{UiAccountEncoding, UiDataSliceConfig};
use solana_client::client_error::ClientError;
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_client::rpc_config::{RpcAccountInfoConfig, RpcProgramAccountsConfig};
use solana_client::rpc_filter::{Memcmp, RpcFilterType};
use solana_client::rpc_request::RpcRequest;
use solana_commitment_config::CommitmentConfig;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_status_client_types::UiTransactionEncoding;

use super::{
    parse_clock, Account, Chain, ChainError, DataSlice, InnerInstruction, Keypair, ReadAt, Scan,
    Signature, MAX_READ_ACCOUNTS,
};

/// A [`Chain`] over one RPC endpoint, every read and confirmation at one commitment.
#[derive(Clone)]
pub struct RpcChain {
    client: Arc<RpcClient>,
    commitment: CommitmentConfig,
}

impl RpcChain {
    /// Over `client`, reading and confirming at `commitment`. `getTransaction` needs at least
    /// `confirmed`; with `processed`, inner instructions are read at `confirmed`.
    pub fn new(client: Arc<RpcClient>, commitment: CommitmentConfig) -> Self {
        RpcChain { client, commitment }
    }

    /// A new client on `url`.
    pub fn from_url(url: impl Into<String>, commitment: CommitmentConfig) -> Self {
        Self::new(Arc::new(RpcClient::new_with_commitment(url.into(), commitment)), commitment)
    }

    pub fn client(&self) -> &RpcClient {
        &self.client
    }

    fn account_config(&self, slice: Option<DataSlice>) -> RpcAccountInfoConfig {
        RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            data_slice: slice.map(|s| UiDataSliceConfig { offset: s.offset, length: s.length }),
            commitment: Some(self.commitment),
            min_context_slot: None,
        }
    }
}

fn transport(err: ClientError) -> ChainError {
    ChainError::Transport(err.to_string())
}

#[async_trait::async_trait]
impl Chain for RpcChain {
    async fn read_accounts(
        &self,
        addresses: &[Pubkey],
        slice: Option<DataSlice>,
    ) -> Result<ReadAt<Vec<Option<Account>>>, ChainError> {
        assert!(addresses.len() <= MAX_READ_ACCOUNTS, "at most {MAX_READ_ACCOUNTS} per read");
        // The Clock sysvar rides in the same call, so it is the clock of the same bank. A data
        // slice applies to every account, the Clock too: fetch from offset 0 and cut here.
        let fetch = slice
            .map(|s| DataSlice { offset: 0, length: s.offset.saturating_add(s.length).max(40) });
        let mut keys = Vec::with_capacity(addresses.len() + 1);
        keys.push(solana_sdk_ids::sysvar::clock::ID);
        keys.extend_from_slice(addresses);
        let response = self
            .client
            .get_multiple_ui_accounts_with_config(&keys, self.account_config(fetch))
            .await
            .map_err(transport)?;
        let mut accounts = response.value.into_iter().map(|ui| ui.and_then(|ui| ui.to_account()));
        let clock = accounts.next().flatten().ok_or(ChainError::Transport("no Clock".into()))?;
        let (slot, unix_timestamp) =
            parse_clock(&clock.data).ok_or(ChainError::Transport("bad Clock".into()))?;
        let value = accounts
            .map(|a| {
                a.map(|mut a| {
                    if let Some(s) = slice {
                        a.data = super::cut(&a.data, s);
                    }
                    a
                })
            })
            .collect();
        Ok(ReadAt { slot, unix_timestamp, value })
    }

    async fn scan(&self, scan: Scan) -> Result<Vec<Pubkey>, ChainError> {
        let (program, discriminator, config) = super::scan_filter(scan);
        let filters = vec![
            RpcFilterType::Memcmp(Memcmp::new_raw_bytes(0, discriminator.to_vec())),
            // Every GridMint account stores its config right after the discriminator
            // (`NODE_CONFIG_OFFSET` for nodes).
            RpcFilterType::Memcmp(Memcmp::new_raw_bytes(
                crate::node_staking::NODE_CONFIG_OFFSET,
                config.to_bytes().to_vec(),
            )),
        ];
        let config = RpcProgramAccountsConfig {
            filters: Some(filters),
            // Addresses only; the accounts are then read with the clock (`read_accounts`).
            account_config: self.account_config(Some(DataSlice { offset: 0, length: 0 })),
            with_context: None,
            sort_results: Some(true),
        };
        let found = self
            .client
            .get_program_ui_accounts_with_config(&program, config)
            .await
            .map_err(transport)?;
        Ok(found.into_iter().map(|(key, _)| key).collect())
    }

    async fn send_transaction(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<Signature, ChainError> {
        let blockhash = self.client.get_latest_blockhash().await.map_err(transport)?;
        let mut all: Vec<&Keypair> = vec![payer];
        all.extend(signers.iter().filter(|s| s.pubkey() != payer.pubkey()));
        let tx = Transaction::new_signed_with_payer(
            instructions,
            Some(&payer.pubkey()),
            &all,
            blockhash,
        );
        match self.client.send_and_confirm_transaction(&tx).await {
            Ok(signature) => Ok(signature),
            Err(err) => match err.get_transaction_error() {
                Some(tx_err) => Err(ChainError::transaction(tx_err, instructions)),
                None => Err(transport(err)),
            },
        }
    }

    async fn inner_instructions(
        &self,
        signature: &Signature,
    ) -> Result<Option<Vec<InnerInstruction>>, ChainError> {
        let commitment = if self.commitment.is_at_least_confirmed() {
            self.commitment
        } else {
            CommitmentConfig::confirmed()
        };
        let config = serde_json::json!({
            "encoding": UiTransactionEncoding::Json,
            "commitment": commitment.commitment,
            "maxSupportedTransactionVersion": 0,
        });
        let tx: serde_json::Value = self
            .client
            .send(RpcRequest::GetTransaction, serde_json::json!([signature.to_string(), config]))
            .await
            .map_err(transport)?;
        if tx.is_null() {
            return Ok(None);
        }
        super::inner_instructions_from_json(&tx)
            .map(Some)
            .ok_or(ChainError::Transport(format!("unreadable transaction {signature}")))
    }
}
