//! Compute challenges (PROTOCOL.md §10, §10.10 "Agent"): find this node's challenges in the
//! epoch's beacon account ([`discover`]), prove each on a pool of threads ([`prover`]), sign
//! the answer with the device key, commit it to the journal, and send it to every oracle
//! until each answered for good or the deadline passed ([`submit`]).
//!
//! Never two answers to one challenge: the journal keeps the first answer committed for a
//! challenge and only stored answers leave (a restart resends the stored bytes and never
//! proves again). A challenge whose deadline has passed is neither proven nor signed.

pub mod discover;
pub mod prover;
pub mod submit;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gridmint_protocol::challenge::beacon::Challenge;
use solana_keypair::Keypair;
use solana_signer::Signer as _;
use tokio::sync::watch;

use crate::journal::{Journal, StoredAnswer};
use crate::metrics::Metrics;
use crate::unix_now;
use gridmint_sdk::chain::ChainTime;

/// Everything answering and delivering needs.
pub struct Responder {
    pub journal: Arc<Journal>,
    pub key: Arc<Keypair>,
    pub deployment: [u8; 32],
    pub threads: usize,
    pub oracles: Vec<String>,
    pub http: reqwest::Client,
    pub retry_min: Duration,
    pub retry_max: Duration,
    pub metrics: Arc<Metrics>,
    /// Challenges already counted as seen by this process.
    seen: Mutex<BTreeSet<[u8; 32]>>,
    /// Deadlines are chain time: the chain clock as of the last read (see [`discover::run`]),
    /// never this machine's wall clock, which may differ from the chain's by more than a
    /// deadline's few seconds.
    pub time: Arc<ChainTime>,
}

/// What [`Responder::answer`] did with a challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answered {
    /// Proven, signed and committed now.
    New(StoredAnswer),
    /// Answered before (this run or an earlier one): the stored answer.
    Stored(StoredAnswer),
    /// The deadline passed before an answer could be signed: nothing signed.
    Late,
}

impl Responder {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        journal: Arc<Journal>,
        key: Arc<Keypair>,
        deployment: [u8; 32],
        threads: usize,
        oracles: Vec<String>,
        http: reqwest::Client,
        retry: (Duration, Duration),
        metrics: Arc<Metrics>,
    ) -> Self {
        let oracles = oracles.iter().map(|o| o.trim_end_matches('/').to_string()).collect();
        Self {
            journal,
            key,
            deployment,
            threads,
            oracles,
            http,
            retry_min: retry.0,
            retry_max: retry.1,
            metrics,
            seen: Mutex::new(BTreeSet::new()),
            time: Arc::new(ChainTime::new()),
        }
    }

    /// Answers `challenge`: the stored answer if there is one; else, if its deadline is
    /// still ahead, proves it off the async threads, signs and commits the answer.
    pub async fn answer(&self, challenge: &Challenge) -> anyhow::Result<Answered> {
        let first_time = self.seen.lock().map(|mut s| s.insert(challenge.id)).unwrap_or(true);
        if first_time {
            self.metrics.challenge_seen();
        }
        if let Some(stored) = self.journal.answer(&challenge.id).await? {
            return Ok(Answered::Stored(stored));
        }
        if self.time.now() >= challenge.deadline {
            if first_time {
                self.metrics.challenge_late();
                tracing::warn!(
                    epoch = challenge.epoch,
                    beacon = challenge.beacon_index,
                    deadline = challenge.deadline,
                    "challenge seen after its deadline: not proven"
                );
            }
            return Ok(Answered::Late);
        }
        let started = Instant::now();
        let (deployment, c, threads) = (self.deployment, *challenge, self.threads);
        // A plain thread, not `spawn_blocking`: a runtime shutting down waits for blocking
        // tasks, and a stopping agent must not wait for a proof (nothing is signed yet).
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::Builder::new().name("prover".into()).spawn(move || {
            let _ = tx.send(prover::prove(&deployment, &c, threads));
        })?;
        let (answer, opening) =
            rx.await.map_err(|_| anyhow::anyhow!("the prover thread stopped without an answer"))?;
        self.metrics.prove_seconds(started.elapsed().as_secs_f64());
        if self.time.now() >= challenge.deadline {
            self.metrics.challenge_late();
            tracing::warn!(
                epoch = challenge.epoch,
                beacon = challenge.beacon_index,
                rows = challenge.size.rows,
                cols = challenge.size.cols,
                seconds = started.elapsed().as_secs_f64(),
                "proving took past the deadline: not signed (is challenges.threads too low, or \
                 the registered compute capacity above what this machine does?)"
            );
            return Ok(Answered::Late);
        }
        let message = answer.encode();
        let signature = self.key.sign_message(&message);
        let candidate = StoredAnswer {
            challenge_id: challenge.id,
            epoch: challenge.epoch,
            beacon_index: challenge.beacon_index,
            deadline: challenge.deadline,
            message: message.to_vec(),
            signature: signature.as_ref().to_vec(),
            opening,
        };
        let stored = self.journal.keep_answer(&candidate, unix_now()).await?;
        if stored != candidate {
            // Another task committed first: its answer is the one that leaves.
            return Ok(Answered::Stored(stored));
        }
        self.metrics.challenge_answered();
        tracing::info!(
            epoch = challenge.epoch,
            beacon = challenge.beacon_index,
            seconds = started.elapsed().as_secs_f64(),
            "challenge answered"
        );
        Ok(Answered::New(stored))
    }

    /// Starts one delivery task per oracle that has not answered `answer` for good yet.
    pub async fn spawn_deliveries(
        self: &Arc<Self>,
        answer: &StoredAnswer,
        tasks: &mut tokio::task::JoinSet<()>,
        shutdown: &watch::Receiver<bool>,
    ) -> anyhow::Result<()> {
        let done = self.journal.answer_deliveries(&answer.challenge_id).await?;
        for oracle in &self.oracles {
            if done.iter().any(|(o, _)| o == oracle) {
                continue;
            }
            let (me, answer, oracle) = (self.clone(), answer.clone(), oracle.clone());
            let shutdown = shutdown.clone();
            tasks.spawn(async move { me.deliver_to(&oracle, &answer, shutdown).await });
        }
        Ok(())
    }

    /// The device key's public bytes.
    pub fn device_key(&self) -> [u8; 32] {
        self.key.pubkey().to_bytes()
    }
}
