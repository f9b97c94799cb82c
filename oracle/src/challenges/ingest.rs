//! Answers and attestations through ingest (§10.7): the checks every stored copy passed,
//! this oracle's receipt attestation, one transaction, per-item replies.
//!
//! Only what is checkable without the chain's beacons is checked here: decoding, the device
//! signature (`verify_strict`), the opening against `opening_hash`
//! (`challenge::signatures::ingest_answer`), the deployment, and the key's binding naming
//! the message's node id (as for readings). Whether the answer is for a challenge of that
//! node, on time and correct is decided at close, from the synced set.

use std::sync::Arc;

use gridmint_protocol::challenge::answer::SignedAnswer;
use gridmint_protocol::challenge::attestation::{Attestation, SignedAttestation};
use gridmint_protocol::challenge::signatures::{ingest_answer, verify_attestation, IngestError};
use gridmint_sdk::chain::Keypair;
use serde::Serialize;
use solana_signer::Signer;

use super::wire::AttestationJson;
use crate::ingest::verify::{check_binding, Checked, Reject};
use crate::ingest::wire::{hex, Item};
use crate::ingest::{now, Answer, Ingest};
use crate::store::{Inserted, NewAnswer, NewAttestation, Received, StoreError};

/// The reply for one answer: the ingest answer and, from a voting oracle for an accepted
/// or duplicate answer, its attestation of the receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AnswerReply {
    #[serde(flatten)]
    pub answer: Answer,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attestation: Option<AttestationJson>,
}

impl AnswerReply {
    fn rejected(reason: Reject) -> Self {
        Self { answer: Answer::rejected(reason), attestation: None }
    }
}

/// The key that attests challenge answers (the oracle's vote key) and the clock whose time
/// it attests (the system clock; tests set their own).
#[derive(Clone)]
pub struct Attester {
    pub key: Arc<Keypair>,
    clock: Arc<dyn Fn() -> i64 + Send + Sync>,
}

impl Attester {
    /// Attests with the system clock.
    pub fn new(key: Arc<Keypair>) -> Self {
        Self { key, clock: Arc::new(now) }
    }

    pub fn with_clock(key: Arc<Keypair>, clock: Arc<dyn Fn() -> i64 + Send + Sync>) -> Self {
        Self { key, clock }
    }

    /// This oracle's clock (Unix seconds).
    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    /// `a` signed by this oracle's key.
    pub fn sign(&self, a: &Attestation) -> SignedAttestation {
        sign_attestation(&*self.key, a)
    }
}

/// CPU-bound checks of an answer (run off the async threads).
pub fn check_answer(a: &SignedAnswer, deployment: &[u8; 32]) -> Result<Checked, Reject> {
    let m = ingest_answer(a).map_err(|e| match e {
        IngestError::Malformed => Reject::Malformed,
        IngestError::Signature(_) => Reject::BadSignature,
        IngestError::OpeningMismatch => Reject::OpeningMismatch,
    })?;
    if m.deployment != *deployment {
        return Err(Reject::WrongDeployment);
    }
    // Answers are not rate limited (a node has at most `R` challenges per epoch).
    Ok(Checked { device_key: a.device_key, node_id: m.node_id, device_time: 0 })
}

/// `a` signed by `key` (an oracle's attestation).
pub fn sign_attestation(key: &dyn Signer, a: &Attestation) -> SignedAttestation {
    let message = a.encode();
    let mut signature = [0u8; 64];
    signature.copy_from_slice(key.sign_message(&message).as_ref());
    SignedAttestation { oracle_key: key.pubkey().to_bytes(), message, signature }
}

impl Ingest {
    /// Answers sent by devices: checked, stored and, by a voting oracle, attested.
    pub async fn answers(
        self: &Arc<Self>,
        items: Vec<Item<SignedAnswer>>,
    ) -> Result<Vec<AnswerReply>, StoreError> {
        let replies = self.receive_answers(items, true).await?;
        let answers: Vec<Answer> = replies.iter().map(|r| r.answer.clone()).collect();
        self.metrics.ingest_answers("answer", &answers);
        Ok(replies)
    }

    /// Answers pulled from a peer oracle: the same checks, never attested here (this oracle
    /// did not receive them from the device).
    pub async fn peer_answers(
        self: &Arc<Self>,
        items: Vec<Item<SignedAnswer>>,
    ) -> Result<Vec<AnswerReply>, StoreError> {
        self.receive_answers(items, false).await
    }

    async fn receive_answers(
        &self,
        items: Vec<Item<SignedAnswer>>,
        attest: bool,
    ) -> Result<Vec<AnswerReply>, StoreError> {
        let deployment = self.settings.deployment;
        // On the ingest's signature-check threads, like readings and receipts.
        let checked = self
            .verify
            .run(move || {
                items
                    .into_iter()
                    .map(|item| item.and_then(|a| check_answer(&a, &deployment).map(|c| (a, c))))
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?;
        // The clock at receipt: what this oracle attests (the row keeps the system time).
        let stored_at = now();
        let received_at = self.attester.as_ref().map_or(stored_at, Attester::now);
        let mut replies: Vec<Option<AnswerReply>> = Vec::with_capacity(checked.len());
        let mut admitted = Vec::new(); // (reply index, row)
        for result in checked {
            let row = match result {
                Ok((signed, c)) => match check_binding(&self.bindings, &c).await {
                    Ok(_) => NewAnswer::new(signed).ok_or(Reject::Malformed),
                    Err(reject) => Err(reject),
                },
                Err(reject) => Err(reject),
            };
            match row {
                Ok(row) => {
                    admitted.push((replies.len(), row));
                    replies.push(None);
                }
                Err(reject) => replies.push(Some(AnswerReply::rejected(reject))),
            }
        }
        let signer = self.attester.as_ref().filter(|_| attest);
        let items: Vec<Received> = admitted
            .iter()
            .map(|(_, row)| Received {
                attestation: signer.and_then(|key| {
                    let a = Attestation {
                        deployment,
                        epoch: row.epoch,
                        challenge_id: row.challenge_id,
                        answer_id: row.identity,
                        received_at,
                    };
                    NewAttestation::new(key.sign(&a))
                }),
                answer: row.clone(),
            })
            .collect();
        if !items.is_empty() {
            let store = Arc::clone(&self.store);
            // Spawned so the commit completes even if the client goes away mid-request.
            let stored =
                tokio::spawn(async move { store.receive_answers(&items, stored_at).await })
                    .await
                    .map_err(|e| StoreError::Task(e.to_string()))??;
            for ((index, row), (done, attestation)) in admitted.iter().zip(stored) {
                if let Some((_, Inserted::Accepted)) = attestation {
                    self.metrics.attestation_signed("receipt");
                }
                let attestation = attestation.map(|(a, _)| a);
                let identity = hex(&row.identity);
                let answer = match done {
                    Inserted::Accepted => Answer::Accepted { identity },
                    Inserted::Duplicate => Answer::Duplicate { identity },
                };
                let attestation = attestation.as_ref().map(AttestationJson::from_signed);
                if let Some(slot) = replies.get_mut(*index) {
                    *slot = Some(AnswerReply { answer, attestation });
                }
            }
        }
        Ok(replies
            .into_iter()
            .map(|r| r.unwrap_or_else(|| AnswerReply::rejected(Reject::Unavailable)))
            .collect())
    }

    /// Attestations pulled from a peer: stored when they decode, name this deployment and
    /// carry a valid oracle signature (whether the key is in the oracle set is for the close).
    /// Returns how many were new.
    pub async fn peer_attestations(
        self: &Arc<Self>,
        items: Vec<SignedAttestation>,
    ) -> Result<u64, StoreError> {
        let deployment = self.settings.deployment;
        let rows = tokio::task::spawn_blocking(move || {
            items
                .into_iter()
                .filter_map(|a| {
                    let row = NewAttestation::new(a)?;
                    let m = Attestation::decode(&a.message).ok()?;
                    (m.deployment == deployment && verify_attestation(&a).is_ok()).then_some(row)
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?;
        if rows.is_empty() {
            return Ok(0);
        }
        let done = self.store.insert_attestations(&rows).await?;
        Ok(done.iter().filter(|d| **d == Inserted::Accepted).count() as u64)
    }
}
