//! [`Chain`] over a `BanksClient`: a solana-program-test Bank, so oracle tests run against
//! real program state and move time with `warp_to_timestamp`.
//!
//! Differences from RPC, all forced by the Banks interface: there is no
//! `getProgramAccounts`, so nodes are found by id (`1..config.next_node_id`) and open epoch
//! states by number (`0..config.next_epoch`), while scans of device bindings and requesters
//! are [`ChainError::Unsupported`]; there is no `getMultipleAccounts`, so a read checks that
//! the clock's slot did not move across it (and retries); and processed transactions carry no
//! inner instructions, so each transaction is simulated first and the simulation's inner
//! instructions are kept for [`Chain::inner_instructions`].

use std::collections::HashMap;
use std::sync::Mutex;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_banks_client::{BanksClient, BanksClientError};
use solana_commitment_config::CommitmentLevel;
use solana_signer::Signer;
use solana_transaction::Transaction;

use super::{
    cut, parse_clock, Account, Chain, ChainError, DataSlice, InnerInstruction, Keypair, ReadAt,
    Scan, Signature, MAX_READ_ACCOUNTS,
};
use crate::{node_staking as ns, rewards as rw};

/// How often a read is retried when the Bank moved to another slot under it.
const READ_ATTEMPTS: usize = 5;

/// A [`Chain`] over a `BanksClient` (e.g. `ProgramTestContext::banks_client`).
pub struct BanksChain {
    client: BanksClient,
    commitment: CommitmentLevel,
    inner: Mutex<HashMap<Signature, Vec<InnerInstruction>>>,
}

impl BanksChain {
    /// Over `client` at the client's default commitment (the Bank test harness's own).
    pub fn new(client: BanksClient) -> Self {
        Self::with_commitment(client, CommitmentLevel::default())
    }

    pub fn with_commitment(client: BanksClient, commitment: CommitmentLevel) -> Self {
        BanksChain { client, commitment, inner: Mutex::new(HashMap::new()) }
    }

    async fn account(&self, address: Pubkey) -> Result<Option<Account>, ChainError> {
        self.client.get_account_with_commitment(address, self.commitment).await.map_err(transport)
    }

    async fn clock(&self) -> Result<(u64, i64), ChainError> {
        let clock = self
            .account(solana_sdk_ids::sysvar::clock::ID)
            .await?
            .ok_or(ChainError::Transport("no Clock".into()))?;
        parse_clock(&clock.data).ok_or(ChainError::Transport("bad Clock".into()))
    }

    /// Existing accounts of `program` among `addresses` (a scan by enumeration).
    async fn existing(&self, addresses: Vec<Pubkey>) -> Result<Vec<Pubkey>, ChainError> {
        let mut out = Vec::new();
        for address in addresses {
            if self.account(address).await?.is_some() {
                out.push(address);
            }
        }
        Ok(out)
    }
}

fn transport(err: BanksClientError) -> ChainError {
    ChainError::Transport(err.to_string())
}

fn decoded<T: anchor_lang::AccountDeserialize>(
    account: Option<Account>,
    address: Pubkey,
    kind: &'static str,
) -> Result<T, ChainError> {
    let account = account.ok_or(ChainError::Decode { address, kind })?;
    T::try_deserialize(&mut account.data.as_slice())
        .map_err(|_| ChainError::Decode { address, kind })
}

#[async_trait::async_trait]
impl Chain for BanksChain {
    async fn read_accounts(
        &self,
        addresses: &[Pubkey],
        slice: Option<DataSlice>,
    ) -> Result<ReadAt<Vec<Option<Account>>>, ChainError> {
        assert!(addresses.len() <= MAX_READ_ACCOUNTS, "at most {MAX_READ_ACCOUNTS} per read");
        for _ in 0..READ_ATTEMPTS {
            let (slot, unix_timestamp) = self.clock().await?;
            let mut value = Vec::with_capacity(addresses.len());
            for address in addresses {
                let account = self.account(*address).await?;
                value.push(account.map(|mut a| {
                    if let Some(s) = slice {
                        a.data = cut(&a.data, s);
                    }
                    a
                }));
            }
            // Same slot before and after: every account came from the bank of that clock.
            if self.clock().await? == (slot, unix_timestamp) {
                return Ok(ReadAt { slot, unix_timestamp, value });
            }
        }
        Err(ChainError::Transport("the Bank kept moving during a read".into()))
    }

    async fn scan(&self, scan: Scan) -> Result<Vec<Pubkey>, ChainError> {
        match scan {
            Scan::Nodes => {
                let address = ns::config_address();
                let config: ns::Config =
                    decoded(self.account(address).await?, address, "node-staking config")?;
                let ids = 1..config.next_node_id;
                self.existing(ids.map(|id| ns::node_pda(&address, id).0).collect()).await
            }
            Scan::EpochStates => {
                let address = rw::config_address();
                let config: rw::Config =
                    decoded(self.account(address).await?, address, "rewards config")?;
                // `next_epoch` is the next epoch to vote on; it may already have votes.
                let epochs = 0..=config.next_epoch;
                self.existing(epochs.map(|e| rw::epoch_pda(e).0).collect()).await
            }
            Scan::DeviceBindings => Err(ChainError::Unsupported("a scan of device bindings")),
            Scan::Requesters => Err(ChainError::Unsupported("a scan of requesters")),
        }
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
        let signature = tx.signatures[0];
        let keys = tx.message.account_keys.clone();
        // Like RPC preflight: a transaction that fails in simulation is not sent.
        let sim = self
            .client
            .simulate_transaction_with_commitment(tx.clone(), self.commitment)
            .await
            .map_err(transport)?;
        match sim.result {
            Some(Err(err)) => return Err(ChainError::transaction(err, instructions)),
            None => return Err(ChainError::Transport("simulation gave no result".into())),
            Some(Ok(())) => {}
        }
        match self.client.process_transaction_with_commitment(tx, self.commitment).await {
            Ok(()) => {}
            Err(BanksClientError::TransactionError(err))
            | Err(BanksClientError::SimulationError { err, .. }) => {
                return Err(ChainError::transaction(err, instructions));
            }
            Err(other) => return Err(transport(other)),
        }
        let inner = sim
            .simulation_details
            .and_then(|d| d.inner_instructions)
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .filter_map(|ix| {
                let program_id = *keys.get(usize::from(ix.instruction.program_id_index))?;
                Some(InnerInstruction { program_id, data: ix.instruction.data })
            })
            .collect();
        self.inner.lock().expect("inner instructions lock").insert(signature, inner);
        Ok(signature)
    }

    async fn inner_instructions(
        &self,
        signature: &Signature,
    ) -> Result<Option<Vec<InnerInstruction>>, ChainError> {
        Ok(self.inner.lock().expect("inner instructions lock").get(signature).cloned())
    }
}
