//! The requester's side of a work receipt (PROTOCOL.md §6.3, §9.5.2): check what the node's
//! device signed, then co-sign the same 145 bytes. A receipt counts only with both
//! signatures, and the requester's signature is what makes the work units real, so it signs
//! only a receipt that names itself, this deployment, the job it ran and the output it got.
//!
//! Also the receipt's JSON form, as the oracle's `POST /v1/receipts` and the agent's job API
//! read it: `{"device_key", "message", "device_signature", "requester_signature"}` (keys
//! and signatures base58, the message base64); a receipt not yet co-signed has
//! `"requester_signature": ""`.

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use gridmint_protocol::crediting::SignedReceipt;
use gridmint_protocol::ed25519::signing::verify_strict;
use gridmint_protocol::messages::{MessageError, WorkReceipt};
use serde::{Deserialize, Serialize};
use solana_keypair::Keypair;
use solana_signer::Signer as _;

/// What the requester expects of the receipt beyond naming itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expected {
    /// The deployment id (node-staking config address).
    pub deployment: Pubkey,
    pub node_id: Option<u64>,
    pub job_id: Option<u64>,
    /// The output hash the requester computed or received itself.
    pub output_hash: Option<[u8; 32]>,
}

/// Why a receipt is not co-signed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CosignError {
    #[error("the receipt is not a work receipt: {0}")]
    Malformed(MessageError),
    #[error("the device signature does not verify for device key {0}: do not co-sign")]
    BadDeviceSignature(Pubkey),
    #[error("the receipt is for deployment {found}, not {expected}: check the agent's deployment")]
    WrongDeployment { expected: Pubkey, found: Pubkey },
    #[error("the receipt names requester {found}, not this key {signer}: sign with -k {found}")]
    NotThisRequester { signer: Pubkey, found: Pubkey },
    #[error("the receipt is for node {found}, not node {expected}")]
    WrongNode { expected: u64, found: u64 },
    #[error("the receipt is for job {found}, not job {expected}")]
    WrongJob { expected: u64, found: u64 },
    #[error("the job finished ({finished_at}) before it started ({started_at})")]
    FinishedBeforeStart { started_at: i64, finished_at: i64 },
    #[error("the receipt's output hash {found} is not the expected {expected}")]
    OutputMismatch { expected: String, found: String },
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks `device_signed` (device signature, deployment, requester, job, output) and
/// answers it with `requester`'s signature over the same bytes.
pub fn cosign_receipt(
    requester: &Keypair,
    device_signed: &SignedReceipt,
    expected: &Expected,
) -> Result<SignedReceipt, CosignError> {
    let receipt = check(&requester.pubkey(), device_signed, expected)?;
    debug_assert_eq!(receipt.requester, requester.pubkey().to_bytes());
    let signature = requester.sign_message(&device_signed.message);
    let mut requester_signature = [0u8; 64];
    requester_signature.copy_from_slice(signature.as_ref());
    Ok(SignedReceipt { requester_signature, ..*device_signed })
}

/// The checks of [`cosign_receipt`] for a requester key, without signing.
pub fn check(
    requester: &Pubkey,
    device_signed: &SignedReceipt,
    expected: &Expected,
) -> Result<WorkReceipt, CosignError> {
    let r = WorkReceipt::decode(&device_signed.message).map_err(CosignError::Malformed)?;
    verify_strict(
        &device_signed.device_key,
        &device_signed.message,
        &device_signed.device_signature,
    )
    .map_err(|_| CosignError::BadDeviceSignature(Pubkey::from(device_signed.device_key)))?;
    if r.deployment != expected.deployment.to_bytes() {
        let found = Pubkey::from(r.deployment);
        return Err(CosignError::WrongDeployment { expected: expected.deployment, found });
    }
    if r.requester != requester.to_bytes() {
        return Err(CosignError::NotThisRequester {
            signer: *requester,
            found: Pubkey::from(r.requester),
        });
    }
    if let Some(node_id) = expected.node_id.filter(|n| *n != r.node_id) {
        return Err(CosignError::WrongNode { expected: node_id, found: r.node_id });
    }
    if let Some(job_id) = expected.job_id.filter(|j| *j != r.job_id) {
        return Err(CosignError::WrongJob { expected: job_id, found: r.job_id });
    }
    if !r.fields_valid() {
        return Err(CosignError::FinishedBeforeStart {
            started_at: r.started_at,
            finished_at: r.finished_at,
        });
    }
    if let Some(hash) = expected.output_hash.filter(|h| *h != r.output_hash) {
        return Err(CosignError::OutputMismatch {
            expected: hex(&hash),
            found: hex(&r.output_hash),
        });
    }
    Ok(r)
}

/// A receipt as JSON (the oracle's ingest format).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptJson {
    pub device_key: String,
    pub message: String,
    pub device_signature: String,
    /// `""` while not co-signed.
    pub requester_signature: String,
}

/// Why a JSON receipt does not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptJsonError {
    #[error("device_key is not base58 of 32 bytes")]
    DeviceKey,
    #[error("message is not base64 of a 145-byte work receipt")]
    Message,
    #[error("device_signature is not base58 of 64 bytes")]
    DeviceSignature,
    #[error("requester_signature is neither empty nor base58 of 64 bytes")]
    RequesterSignature,
}

impl ReceiptJson {
    pub fn from_receipt(r: &SignedReceipt) -> Self {
        let cosigned = r.requester_signature != [0u8; 64];
        Self {
            device_key: bs58::encode(r.device_key).into_string(),
            message: base64::engine::general_purpose::STANDARD.encode(r.message),
            device_signature: bs58::encode(r.device_signature).into_string(),
            requester_signature: if cosigned {
                bs58::encode(r.requester_signature).into_string()
            } else {
                String::new()
            },
        }
    }

    /// The receipt (an empty requester signature becomes 64 zero bytes).
    pub fn to_receipt(&self) -> Result<SignedReceipt, ReceiptJsonError> {
        let b58 = |s: &str| bs58::decode(s).into_vec().ok();
        let device_key = b58(&self.device_key)
            .and_then(|v| v.try_into().ok())
            .ok_or(ReceiptJsonError::DeviceKey)?;
        let message = base64::engine::general_purpose::STANDARD
            .decode(&self.message)
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or(ReceiptJsonError::Message)?;
        let device_signature = b58(&self.device_signature)
            .and_then(|v| v.try_into().ok())
            .ok_or(ReceiptJsonError::DeviceSignature)?;
        let requester_signature = if self.requester_signature.is_empty() {
            [0u8; 64]
        } else {
            b58(&self.requester_signature)
                .and_then(|v| v.try_into().ok())
                .ok_or(ReceiptJsonError::RequesterSignature)?
        };
        Ok(SignedReceipt { device_key, message, device_signature, requester_signature })
    }
}

/// The decoded fields of a receipt, for printing.
pub fn receipt_fields(r: &WorkReceipt) -> serde_json::Value {
    serde_json::json!({
        "deployment": Pubkey::from(r.deployment).to_string(),
        "node_id": r.node_id,
        "job_id": r.job_id,
        "requester": Pubkey::from(r.requester).to_string(),
        "work_units": r.work_units,
        "started_at": r.started_at,
        "finished_at": r.finished_at,
        "output_hash": hex(&r.output_hash),
    })
}

#[cfg(test)]
#[path = "requester_tests.rs"]
mod tests;
