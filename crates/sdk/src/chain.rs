//! Chain access behind one trait, [`Chain`], so the oracle and the CLI run unchanged over
//! JSON-RPC ([`RpcChain`], feature `rpc`) and inside a test Bank ([`BanksChain`], feature
//! `banks`). [`ChainExt`] adds the typed fetchers on top of any `Chain`, including
//! `dyn Chain`.
//!
//! The trait uses `#[async_trait]` (boxed futures) rather than native `async fn` in traits:
//! the oracle holds an `Arc<dyn Chain>`, and traits with native async methods are not
//! object-safe. One allocation per call is noise next to a network round trip.
//!
//! **Read consistency.** Every read returns the chain clock of the bank it came from: the
//! Clock sysvar is fetched in the same `getMultipleAccounts` call as the accounts (one bank,
//! one slot), so `unix_timestamp` is exactly the `read_time` that
//! [`crate::node_staking::node_epoch_view`] needs. Larger reads are split into batches of
//! [`MAX_READ_ACCOUNTS`]; each item carries the clock of its own batch.

#[cfg(feature = "banks")]
mod banks;
mod ext;
mod node_head;
#[cfg(feature = "rpc")]
mod rpc;
pub mod time;
#[cfg(feature = "rpc")]
mod tx_json;

#[cfg(feature = "banks")]
pub use banks::BanksChain;
pub use ext::{ChainExt, Fetched};
pub use node_head::{NodeHead, NODE_HEAD_LEN};
#[cfg(feature = "rpc")]
pub use rpc::RpcChain;
pub use time::{ChainTime, ClockedChain};
#[cfg(feature = "rpc")]
pub use tx_json::inner_instructions_from_json;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{AnchorDeserialize, Discriminator};
pub use solana_account::Account;
pub use solana_keypair::Keypair;
pub use solana_signature::Signature;
use solana_transaction_error::TransactionError;

use crate::errors::ProgramError;

/// Most accounts one read returns from one bank (`getMultipleAccounts` takes 100 keys; one
/// is the Clock sysvar).
pub const MAX_READ_ACCOUNTS: usize = 99;

/// A value read at `slot`, whose Clock said `unix_timestamp`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadAt<T> {
    pub slot: u64,
    pub unix_timestamp: i64,
    pub value: T,
}

/// A contiguous range of account data to fetch instead of all of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataSlice {
    pub offset: usize,
    pub length: usize,
}

/// Every account of one kind, found without knowing the addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scan {
    /// Nodes of the node-staking config.
    Nodes,
    /// Device bindings of the node-staking config, including unbound keys.
    DeviceBindings,
    /// Requester records of the node-staking config.
    Requesters,
    /// Rewards epoch states still open (closed ones are gone).
    EpochStates,
}

/// An instruction executed inside a transaction (a CPI), such as an `emit_cpi!` event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InnerInstruction {
    pub program_id: Pubkey,
    pub data: Vec<u8>,
}

/// The events of type `E` that `program_id` emitted, in order.
pub fn events<E: AnchorDeserialize + Discriminator>(
    inner: &[InnerInstruction],
    program_id: &Pubkey,
) -> Vec<E> {
    inner
        .iter()
        .filter(|ix| ix.program_id == *program_id)
        .filter_map(|ix| crate::events::decode_event::<E>(&ix.data))
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The node could not be reached or answered something unusable; retrying may help.
    #[error("chain transport: {0}")]
    Transport(String),
    /// The transaction was rejected or failed; `program_error` names our programs' codes.
    #[error("transaction failed: {err:?}{}", program_error.as_ref().map(|e| format!(" ({e})")).unwrap_or_default())]
    Transaction { err: TransactionError, program_error: Option<Box<ProgramError>> },
    /// An account exists but is not what its address promises.
    #[error("account {address} is not a valid {kind}")]
    Decode { address: Pubkey, kind: &'static str },
    /// The backend cannot do this (a Bank has no `getProgramAccounts`).
    #[error("{0} is not supported by this chain backend")]
    Unsupported(&'static str),
}

impl ChainError {
    /// A failed transaction's error, with our programs' code decoded when there is one.
    pub fn transaction(err: TransactionError, instructions: &[Instruction]) -> Self {
        let ids: Vec<Pubkey> = instructions.iter().map(|ix| ix.program_id).collect();
        let program_error = crate::errors::program_error(&err, &ids).map(Box::new);
        ChainError::Transaction { err, program_error }
    }

    /// The decoded program error, if the transaction failed in one of our programs.
    pub fn program_error(&self) -> Option<&ProgramError> {
        match self {
            ChainError::Transaction { program_error, .. } => program_error.as_deref(),
            _ => None,
        }
    }
}

/// What the oracle needs from a chain: consistent reads, scans, transactions and the inner
/// instructions (events) of transactions.
#[async_trait::async_trait]
pub trait Chain: Send + Sync {
    /// The accounts at `addresses` (at most [`MAX_READ_ACCOUNTS`]; `None` where there is no
    /// account) and the clock, all from one bank. With `slice`, each account's data is cut to
    /// that range (shorter data gives what there is).
    async fn read_accounts(
        &self,
        addresses: &[Pubkey],
        slice: Option<DataSlice>,
    ) -> Result<ReadAt<Vec<Option<Account>>>, ChainError>;

    /// The addresses of every account of a kind.
    async fn scan(&self, scan: Scan) -> Result<Vec<Pubkey>, ChainError>;

    /// Signs `instructions` with `payer` (fee payer) and `signers` over a fresh blockhash,
    /// sends, and waits for confirmation at the chain's commitment. A failure comes back as
    /// [`ChainError::Transaction`] with the program error decoded.
    async fn send_transaction(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<Signature, ChainError>;

    /// The inner instructions of a transaction, in execution order; `None` while the chain
    /// does not (yet) know it — poll with a deadline.
    async fn inner_instructions(
        &self,
        signature: &Signature,
    ) -> Result<Option<Vec<InnerInstruction>>, ChainError>;
}

/// `(slot, unix_timestamp)` from Clock sysvar data (bincode: slot, epoch_start_timestamp,
/// epoch, leader_schedule_epoch, unix_timestamp; all 8 bytes LE).
pub(crate) fn parse_clock(data: &[u8]) -> Option<(u64, i64)> {
    let slot = u64::from_le_bytes(data.get(0..8)?.try_into().ok()?);
    let unix_timestamp = i64::from_le_bytes(data.get(32..40)?.try_into().ok()?);
    Some((slot, unix_timestamp))
}

/// `data[slice]`, as far as `data` reaches.
pub(crate) fn cut(data: &[u8], slice: DataSlice) -> Vec<u8> {
    let start = slice.offset.min(data.len());
    let end = slice.offset.saturating_add(slice.length).min(data.len());
    data[start..end].to_vec()
}

/// The program and `getProgramAccounts` filters of a scan: the Anchor discriminator at 0 and
/// the config at 8 (every GridMint account stores its config first).
pub(crate) fn scan_filter(scan: Scan) -> (Pubkey, &'static [u8], Pubkey) {
    use crate::{node_staking as ns, rewards as rw};
    match scan {
        Scan::Nodes => (ns::PROGRAM_ID, ns::Node::DISCRIMINATOR, ns::config_address()),
        Scan::DeviceBindings => {
            (ns::PROGRAM_ID, ns::DeviceBinding::DISCRIMINATOR, ns::config_address())
        }
        Scan::Requesters => (ns::PROGRAM_ID, ns::Requester::DISCRIMINATOR, ns::config_address()),
        Scan::EpochStates => (rw::PROGRAM_ID, rw::EpochState::DISCRIMINATOR, rw::config_address()),
    }
}
