//! [`MeteredChain`]: any [`Chain`], with its failures counted by method and kind. Every chain
//! call of the process (the epoch loop, votes, bindings, the read API, the watchtower) goes
//! through the trait, so wrapping the chain once in `serve` counts them all.

use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use gridmint_sdk::chain::{
    Account, Chain, ChainError, DataSlice, InnerInstruction, Keypair, ReadAt, Scan, Signature,
};

use super::Metrics;

/// The trait's methods, as labelled.
pub const METHODS: [&str; 4] = ["read_accounts", "scan", "send_transaction", "inner_instructions"];

pub struct MeteredChain {
    inner: Arc<dyn Chain>,
    metrics: Arc<Metrics>,
}

impl MeteredChain {
    pub fn new(inner: Arc<dyn Chain>, metrics: Arc<Metrics>) -> Self {
        Self { inner, metrics }
    }

    fn count<T>(
        &self,
        method: &'static str,
        result: Result<T, ChainError>,
    ) -> Result<T, ChainError> {
        if let Err(e) = &result {
            self.metrics.rpc_error(method, kind(e));
        }
        result
    }
}

fn kind(e: &ChainError) -> &'static str {
    match e {
        ChainError::Transport(_) => "transport",
        ChainError::Transaction { .. } => "transaction",
        ChainError::Decode { .. } => "decode",
        ChainError::Unsupported(_) => "unsupported",
    }
}

#[async_trait::async_trait]
impl Chain for MeteredChain {
    async fn read_accounts(
        &self,
        addresses: &[Pubkey],
        slice: Option<DataSlice>,
    ) -> Result<ReadAt<Vec<Option<Account>>>, ChainError> {
        self.count("read_accounts", self.inner.read_accounts(addresses, slice).await)
    }

    async fn scan(&self, scan: Scan) -> Result<Vec<Pubkey>, ChainError> {
        self.count("scan", self.inner.scan(scan).await)
    }

    async fn send_transaction(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<Signature, ChainError> {
        self.count(
            "send_transaction",
            self.inner.send_transaction(instructions, payer, signers).await,
        )
    }

    async fn inner_instructions(
        &self,
        signature: &Signature,
    ) -> Result<Option<Vec<InnerInstruction>>, ChainError> {
        self.count("inner_instructions", self.inner.inner_instructions(signature).await)
    }
}
