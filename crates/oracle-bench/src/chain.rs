//! The chain the oracle reads during the close and the proof requests: an in-memory account
//! map behind the SDK's `Chain` trait, serving real Anchor-encoded accounts (device bindings,
//! the rewards config) at a fixed clock.
//!
//! Why not a Bank or a validator: a million registered nodes are out of reach on this
//! machine, and what is measured is the oracle, not an RPC node's latency. Everything above
//! `read_accounts` is the oracle's and the SDK's own code: PDA derivation, batching into
//! reads of 99, account decoding. Transactions and scans are refused (the phases use none).

use std::collections::HashMap;
use std::sync::RwLock;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::AccountSerialize;
use gridmint_protocol::crediting::BindingInput;
use gridmint_sdk::chain::{
    Account, Chain, ChainError, DataSlice, InnerInstruction, Keypair, ReadAt, Scan, Signature,
};
use gridmint_sdk::node_staking as ns;

pub struct FixtureChain {
    /// Chain clock of every read.
    pub unix_timestamp: i64,
    /// Binding PDA → index into `bindings`.
    binding_at: HashMap<Pubkey, u32>,
    bindings: Vec<BindingInput>,
    /// Other accounts (the rewards config), replaceable between phases.
    accounts: RwLock<HashMap<Pubkey, Account>>,
}

fn account(owner: Pubkey, data: Vec<u8>) -> Account {
    Account { lamports: 1_000_000, data, owner, executable: false, rent_epoch: u64::MAX }
}

/// Anchor bytes (discriminator first) of `value`.
pub fn encode<T: AccountSerialize>(value: &T) -> Vec<u8> {
    let mut data = Vec::new();
    value.try_serialize(&mut data).expect("serialize into a Vec");
    data
}

impl FixtureChain {
    /// A chain holding `bindings` as `DeviceBinding` accounts; their PDAs are derived on up
    /// to `threads` threads (about 1M per 20 s per core).
    pub fn new(unix_timestamp: i64, bindings: Vec<BindingInput>, threads: usize) -> Self {
        let config = ns::config_address();
        let per = bindings.len().div_ceil(threads.max(1)).max(1);
        let binding_at = std::thread::scope(|s| {
            let handles: Vec<_> = bindings
                .chunks(per)
                .enumerate()
                .map(|(c, chunk)| {
                    s.spawn(move || {
                        chunk
                            .iter()
                            .enumerate()
                            .map(|(i, b)| {
                                let key = Pubkey::new_from_array(b.device_key);
                                let index = u32::try_from(c * per + i).expect("fits u32");
                                (ns::device_binding_pda(&config, &key).0, index)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().expect("worker")).collect()
        });
        Self { unix_timestamp, binding_at, bindings, accounts: RwLock::new(HashMap::new()) }
    }

    /// Sets (or replaces) the account at `address`.
    pub fn set<T: AccountSerialize>(&self, address: Pubkey, owner: Pubkey, value: &T) {
        let mut accounts = self.accounts.write().expect("lock");
        accounts.insert(address, account(owner, encode(value)));
    }

    fn binding_account(&self, index: u32) -> Option<Account> {
        let b = self.bindings.get(usize::try_from(index).ok()?)?;
        let binding = ns::DeviceBinding {
            config: Pubkey::new_from_array(crate::world::deployment()),
            device_key: Pubkey::new_from_array(b.device_key),
            node: Pubkey::new_from_array(b.node),
            node_id: b.node_id,
            bound_at: b.bound_at,
            unbound_at: b.unbound_at,
            bump: 255,
            reserved: [0; 32],
        };
        Some(account(ns::PROGRAM_ID, encode(&binding)))
    }
}

#[async_trait::async_trait]
impl Chain for FixtureChain {
    async fn read_accounts(
        &self,
        addresses: &[Pubkey],
        slice: Option<DataSlice>,
    ) -> Result<ReadAt<Vec<Option<Account>>>, ChainError> {
        let accounts = self.accounts.read().map_err(|e| ChainError::Transport(e.to_string()))?;
        let value = addresses
            .iter()
            .map(|address| {
                let found = match self.binding_at.get(address) {
                    Some(index) => self.binding_account(*index),
                    None => accounts.get(address).cloned(),
                };
                found.map(|mut a| {
                    if let Some(s) = slice {
                        let start = s.offset.min(a.data.len());
                        let end = s.offset.saturating_add(s.length).min(a.data.len());
                        a.data = a.data[start..end].to_vec();
                    }
                    a
                })
            })
            .collect();
        Ok(ReadAt { slot: 1, unix_timestamp: self.unix_timestamp, value })
    }

    async fn scan(&self, _scan: Scan) -> Result<Vec<Pubkey>, ChainError> {
        Err(ChainError::Unsupported("a scan on the bench's fixture chain"))
    }

    async fn send_transaction(
        &self,
        _instructions: &[Instruction],
        _payer: &Keypair,
        _signers: &[&Keypair],
    ) -> Result<Signature, ChainError> {
        Err(ChainError::Unsupported("a transaction on the bench's fixture chain"))
    }

    async fn inner_instructions(
        &self,
        _signature: &Signature,
    ) -> Result<Option<Vec<InnerInstruction>>, ChainError> {
        Ok(None)
    }
}
