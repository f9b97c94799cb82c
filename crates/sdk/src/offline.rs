//! Transactions signed by several keys on different machines: a device key on the
//! operator's gateway signs `register_node` or `rotate_device_key`, the operator completes
//! and sends it later.
//!
//! Why a durable nonce: a recent blockhash expires after ~150 slots (about a minute), too
//! soon to carry a file from a gateway to the operator's wallet. A transaction whose first
//! instruction advances a nonce account, and whose `recent_blockhash` is that account's
//! stored nonce, stays valid until the nonce is advanced (by this transaction or another
//! one of the nonce authority's). The operator is the fee payer and, by default, the nonce
//! authority; both must sign the final transaction.

use anchor_lang::prelude::Pubkey;
use solana_hash::Hash;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_message::Message;
use solana_signer::Signer;
use solana_transaction::Transaction;

/// The nonce account a transaction uses instead of a recent blockhash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DurableNonce {
    pub account: Pubkey,
    /// The nonce authority; it signs the final transaction (usually the operator).
    pub authority: Pubkey,
    /// The nonce value stored in the account now.
    pub value: Hash,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OfflineError {
    #[error("{0} is not a signer this transaction needs")]
    NotASigner(Pubkey),
    #[error("not a base64 transaction: {0}")]
    Encoding(String),
    #[error("the transaction does not start with an advance-nonce instruction")]
    NotDurable,
    #[error("signatures missing from: {0:?}")]
    Missing(Vec<Pubkey>),
    #[error("a signature does not match the message: it was changed after signing")]
    BadSignature,
}

/// An unsigned transaction paid by `fee_payer`: advance `nonce`, then `instructions`.
pub fn durable_transaction(
    fee_payer: &Pubkey,
    nonce: &DurableNonce,
    instructions: &[Instruction],
) -> Transaction {
    let mut all = Vec::with_capacity(instructions.len() + 1);
    all.push(solana_system_interface::instruction::advance_nonce_account(
        &nonce.account,
        &nonce.authority,
    ));
    all.extend_from_slice(instructions);
    Transaction::new_unsigned(Message::new_with_blockhash(&all, Some(fee_payer), &nonce.value))
}

/// Adds `key`'s signature; refuses a key the transaction does not need, and a transaction
/// that is not durable (it would expire before the others sign).
pub fn sign_partial(tx: &mut Transaction, key: &Keypair) -> Result<(), OfflineError> {
    let first = tx.message.instructions.first().ok_or(OfflineError::NotDurable)?;
    let program = tx.message.account_keys.get(usize::from(first.program_id_index));
    if program != Some(&solana_sdk_ids::system_program::ID) || first.data.first() != Some(&4) {
        return Err(OfflineError::NotDurable);
    }
    let blockhash = tx.message.recent_blockhash;
    tx.try_partial_sign(&[key], blockhash).map_err(|_| OfflineError::NotASigner(key.pubkey()))
}

/// Required signers whose signature is still the default (all zeroes).
pub fn missing_signers(tx: &Transaction) -> Vec<Pubkey> {
    let required = usize::from(tx.message.header.num_required_signatures);
    tx.message
        .account_keys
        .iter()
        .take(required)
        .zip(&tx.signatures)
        .filter(|(_, s)| **s == solana_signature::Signature::default())
        .map(|(k, _)| *k)
        .collect()
}

/// Base64 of the bincode wire format (what `solana` CLI's `--sign-only` passes around).
pub fn encode(tx: &Transaction) -> String {
    use base64::Engine;
    let bytes = bincode::serialize(tx).unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn decode(text: &str) -> Result<Transaction, OfflineError> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| OfflineError::Encoding(e.to_string()))?;
    bincode::deserialize(&bytes).map_err(|e| OfflineError::Encoding(e.to_string()))
}

/// The operator's side: checks the transaction, adds `key`'s signature and verifies that
/// nothing is missing and every signature is valid for the message.
pub fn complete(tx: &mut Transaction, key: &Keypair) -> Result<(), OfflineError> {
    sign_partial(tx, key)?;
    let missing = missing_signers(tx);
    if !missing.is_empty() {
        return Err(OfflineError::Missing(missing));
    }
    if !tx.verify_with_results().iter().all(|ok| *ok) {
        return Err(OfflineError::BadSignature);
    }
    Ok(())
}
