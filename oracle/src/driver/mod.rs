//! The oracle's epoch loop. One [`Oracle::tick`] reads the chain once and does the next
//! useful step: snapshot the epoch that just ended, follow finalizations and vetoes into the
//! ledger, and for the next epoch to finalize: pull peers' inputs, compute, publish, and
//! vote once at least `threshold` oracles (itself included) published the same vote hash —
//! so a quorum of oracles can only vote for one result, and a lone different result is an
//! abstention, never a split vote. Ticks never wait on each other; `run` repeats them.
//!
//! Replicas on one PostgreSQL store (see [`crate::leader`]): each tick first checks
//! leadership; a follower only refreshes its status and gauges ([`Step::Standby`]) while the
//! leader does all of the above.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gridmint_sdk::chain::{ChainExt, Keypair};
use gridmint_sdk::rewards as rw;
use gridmint_sdk::vote::{close_epoch_instructions, ComputeBudget};
use serde::Serialize;

mod competing;
mod follow;
mod observe;
mod replicas;
use solana_signer::Signer;

use crate::claim_tree::ClaimTrees;
use crate::epoch::close::Closed;
use crate::epoch::{hex, Engine, EngineError, Outcome};
use crate::ingest::Ingest;
use crate::leader::Leadership;
use crate::sync::{CloseSummary, Peers};
use crate::vote::{vote_hash, VoteError, VoteOutcome, Voter};
use competing::competing;

/// What one tick did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing to do yet, and why.
    Idle(String),
    /// Waiting for peers to agree (attempt `n` of the configured bound).
    Syncing {
        epoch: u64,
        agreeing: u32,
        threshold: u8,
        attempt: u32,
    },
    /// This oracle does not vote for the epoch, and why.
    Abstained {
        epoch: u64,
        reason: String,
    },
    Voted {
        epoch: u64,
        outcome: VoteOutcome,
    },
    /// Another replica on the same store leads; this one serves ingest and reads only.
    Standby,
}

#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Vote(#[from] VoteError),
    #[error(transparent)]
    Chain(#[from] gridmint_sdk::chain::ChainError),
    #[error("rewards config not found: is the deployment initialised and the RPC right?")]
    NoConfig,
}

impl DriverError {
    /// Whether the store failed (counted apart from chain errors).
    pub fn is_store(&self) -> bool {
        matches!(
            self,
            Self::Engine(EngineError::Store(_)) | Self::Vote(crate::vote::VoteError::Store(_))
        )
    }
}

/// Driver settings.
#[derive(Clone, Copy, Debug)]
pub struct DriverSettings {
    /// Ticks of disagreement before abstaining for an epoch (with an alert).
    pub sync_attempts: u32,
    /// Crank `close_epoch` for superseded epochs.
    pub close_epochs: bool,
    pub budget: ComputeBudget,
}

/// What `status` and `/v1/status` report.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Status {
    pub chain_time: i64,
    pub next_epoch: u64,
    pub last_final_epoch: Option<u64>,
    pub last_step: String,
    pub last_vote: Option<String>,
    pub alarms: Vec<String>,
    /// Whether this process runs the loop (always, on SQLite), at the last step.
    pub leader: bool,
    /// The PostgreSQL advisory lock key replicas of this store contend for (`None`: SQLite).
    pub leader_lock: Option<i64>,
}

pub struct Oracle {
    pub engine: Engine,
    pub ingest: Arc<Ingest>,
    pub peers: Peers,
    /// `None`: watch and serve only.
    pub voter: Option<Voter>,
    pub settings: DriverSettings,
    /// Whether this replica leads (see [`Oracle::with_leadership`]; default: always).
    pub leadership: Arc<Leadership>,
    /// The tree claims are proved against, built once per root.
    pub claim_trees: ClaimTrees,
    /// The newest close per epoch (served to peers and for explanations).
    published: Mutex<BTreeMap<u64, Arc<Closed>>>,
    attempts: Mutex<BTreeMap<u64, u32>>,
    status: Mutex<Status>,
}

/// Published closes kept in memory: at most this many, and only while they hold at most
/// [`PUBLISHED_NODE_BUDGET`] nodes between them (older ones are recomputed on demand).
const PUBLISHED_KEEP: usize = 8;
/// A close of a million nodes holds about a gigabyte (credits with their explanations, the
/// manifest, the tree): at that size only the newest two stay in memory.
const PUBLISHED_NODE_BUDGET: usize = 2_000_000;

impl Oracle {
    pub fn new(
        engine: Engine,
        ingest: Arc<Ingest>,
        peers: Peers,
        keypair: Option<Arc<Keypair>>,
        settings: DriverSettings,
    ) -> Self {
        let voter = keypair.map(|keypair| Voter {
            chain: Arc::clone(&engine.chain),
            store: Arc::clone(&engine.store),
            keypair,
            budget: settings.budget,
            attempts: 5,
            backoff: Duration::from_millis(500),
            metrics: Arc::clone(&ingest.metrics),
        });
        Self {
            engine,
            ingest,
            peers,
            voter,
            settings,
            leadership: Arc::new(Leadership::single()),
            claim_trees: ClaimTrees::default(),
            published: Mutex::new(BTreeMap::new()),
            attempts: Mutex::new(BTreeMap::new()),
            status: Mutex::new(Status { leader: true, ..Status::default() }),
        }
    }

    /// The newest close of `epoch` this oracle computed.
    pub fn published(&self, epoch: u64) -> Option<Arc<Closed>> {
        self.published.lock().ok()?.get(&epoch).cloned()
    }

    /// The summary peers compare.
    pub fn summary(&self, epoch: u64) -> Option<CloseSummary> {
        let c = self.published(epoch)?;
        Some(CloseSummary {
            epoch,
            oracle: self.voter.as_ref().map(|v| v.keypair.pubkey().to_string()),
            inputs_root: hex(&c.manifest.inputs_root),
            manifest_hash: hex(&c.report.manifest_hash),
            root: hex(&c.report.root),
            cumulative_total: c.report.cumulative_total,
            recipient_count: c.report.recipient_count,
            vote_hash: hex(&vote_hash(&c.report)),
        })
    }

    pub fn status(&self) -> Status {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn note(&self, step: &Step) {
        if let Ok(mut s) = self.status.lock() {
            s.last_step = format!("{step:?}");
            match step {
                Step::Voted { outcome: VoteOutcome::DeterminismAlarm { .. }, epoch } => {
                    let alarm = format!("determinism alarm in epoch {epoch}");
                    // Each tick finds it again: count it once while it is listed.
                    if !s.alarms.contains(&alarm) {
                        self.ingest.metrics.determinism_alarm();
                    }
                    s.alarms.push(alarm);
                }
                Step::Voted { outcome, epoch } => {
                    s.last_vote = Some(format!("{epoch}: {outcome:?}"))
                }
                Step::Abstained { epoch, reason } => {
                    s.alarms.push(format!("abstained from epoch {epoch}: {reason}"));
                }
                _ => {}
            }
            s.alarms.dedup();
            let excess = s.alarms.len().saturating_sub(32);
            s.alarms.drain(..excess);
        }
    }

    /// One step of the loop (see the module docs).
    pub async fn tick(&self) -> Result<Step, DriverError> {
        let leads = self.lead().await;
        let fetched = self.engine.chain.rewards_config().await?;
        let now = fetched.unix_timestamp;
        let config = fetched.account.ok_or(DriverError::NoConfig)?;
        let clock = config.clock();
        if let Ok(mut s) = self.status.lock() {
            s.chain_time = now;
            s.next_epoch = config.next_epoch;
            s.last_final_epoch = config.next_epoch.checked_sub(1);
        }
        if !leads {
            return self.standby(&config, now).await;
        }
        // The epoch that just ended: its views are only derivable until start(e + 2).
        if let Some(ended) = clock.epoch_at(now).ok().flatten().and_then(|c| c.checked_sub(1)) {
            if let Err(e) = self.engine.snapshot(ended).await {
                tracing::warn!(epoch = ended, error = %e, "snapshot failed; retrying next tick");
            }
        }
        let holds_last = self.follow_chain(&config).await?;
        self.observe(&config, now, holds_last).await;
        if self.settings.close_epochs {
            self.crank_close(&config).await;
        }
        let step = self.next_epoch_step(&config, now).await?;
        self.note(&step);
        Ok(step)
    }

    async fn next_epoch_step(&self, config: &rw::Config, now: i64) -> Result<Step, DriverError> {
        let epoch = config.next_epoch;
        let params = config.params_for(epoch);
        let open_at =
            config.epoch_end(epoch).ok().and_then(|e| e.checked_add(params.report_grace_seconds));
        match open_at {
            Some(t) if now >= t => {}
            Some(t) => {
                return Ok(Step::Idle(format!("epoch {epoch} reports open at {t} (now {now})")))
            }
            None => return Ok(Step::Idle(format!("epoch {epoch} is beyond the clock"))),
        }
        if config.in_challenge(now) {
            return Ok(Step::Idle(format!(
                "epoch {} is in its challenge period",
                epoch.saturating_sub(1)
            )));
        }
        let state = self.engine.chain.epoch_state(epoch).await?.account;
        if let Some(reason) = self.engine.reason_in_force(epoch, state.as_ref()).await? {
            self.fetch_correction(&reason).await?;
        }
        let pulled = self.peers.pull_inputs(&self.ingest, epoch).await;
        if pulled.accepted > 0 {
            tracing::info!(epoch, accepted = pulled.accepted, "inputs pulled from peers");
        }
        let started = Instant::now();
        let closed = match self.engine.compute(config, epoch, state.as_ref()).await? {
            Outcome::Closed(c) => {
                self.ingest.metrics.epoch_closed(started.elapsed());
                c
            }
            Outcome::Abstain(reason) => {
                tracing::warn!(epoch, %reason, "abstaining");
                return Ok(Step::Abstained { epoch, reason });
            }
        };
        self.publish(Arc::clone(&closed)).await?;
        let threshold = config.oracles.threshold;
        let ours = vote_hash(&closed.report);
        let me = self.voter.as_ref().map(|v| v.keypair.pubkey());
        let agreeing =
            self.peers.agreeing(epoch, &ours, config, me.as_ref()).await.saturating_add(1);
        if agreeing < u32::from(threshold) {
            let attempt = self.bump_attempt(epoch);
            if attempt >= self.settings.sync_attempts {
                let reason = format!(
                    "only {agreeing} of the {threshold} oracles needed agree after {attempt} \
                     syncs (inputs_root {})",
                    hex(&closed.manifest.inputs_root)
                );
                tracing::error!(epoch, %reason, "abstaining: no quorum on one result");
                return Ok(Step::Abstained { epoch, reason });
            }
            return Ok(Step::Syncing { epoch, agreeing, threshold, attempt });
        }
        let Some(voter) = &self.voter else {
            return Ok(Step::Idle(format!("epoch {epoch} computed; no keypair to vote with")));
        };
        // A close can take minutes: vote only while still leading. (A replica that lost the
        // lock meanwhile could not vote differently anyway: the intent table is shared.)
        if !self.lead().await {
            return Ok(Step::Standby);
        }
        // Read again: peers and the close may have taken long enough for votes to land.
        let state = self.engine.chain.epoch_state(epoch).await?.account;
        if let Some(reason) = competing(state.as_ref(), config, &voter.keypair.pubkey(), &ours) {
            tracing::warn!(epoch, %reason, "abstaining from this round");
            return Ok(Step::Abstained { epoch, reason });
        }
        let outcome = voter.vote(&closed.report).await?;
        Ok(Step::Voted { epoch, outcome })
    }

    fn bump_attempt(&self, epoch: u64) -> u32 {
        let Ok(mut a) = self.attempts.lock() else { return u32::MAX };
        let n = a.entry(epoch).or_insert(0);
        *n = n.saturating_add(1);
        *n
    }

    /// A correction document in force that this oracle lacks, from peers.
    async fn fetch_correction(&self, hash: &[u8; 32]) -> Result<(), DriverError> {
        if self.engine.store.correction(hash).await.map_err(EngineError::from)?.is_none() {
            if let Some(body) = self.peers.correction(hash).await {
                self.engine.store.save_correction(hash, &body).await.map_err(EngineError::from)?;
            }
        }
        Ok(())
    }

    /// Returns the rent of the epoch two before the next one to finalize (superseded).
    async fn crank_close(&self, config: &rw::Config) {
        let (Some(voter), Some(epoch)) = (&self.voter, config.next_epoch.checked_sub(2)) else {
            return;
        };
        let Ok(Some(state)) = self.engine.chain.epoch_state(epoch).await.map(|f| f.account) else {
            return;
        };
        let ixs = close_epoch_instructions(epoch, &state.rent_payer, self.settings.budget);
        match self.engine.chain.send_transaction(&ixs, &voter.keypair, &[]).await {
            Ok(sig) => tracing::info!(epoch, %sig, "closed superseded epoch account"),
            Err(e) => tracing::debug!(epoch, error = %e, "close_epoch not sent (someone may have)"),
        }
    }

    /// Runs ticks every `interval` until `shutdown` resolves.
    pub async fn run(
        self: Arc<Self>,
        interval: Duration,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        let mut timer = tokio::time::interval(interval);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                _ = timer.tick() => {}
            }
            match self.tick().await {
                Ok(step) => tracing::debug!(?step, "tick"),
                Err(e) => {
                    if e.is_store() {
                        self.ingest.metrics.store_error("epoch_loop");
                    }
                    tracing::warn!(error = %e, "tick failed; retrying next tick");
                }
            }
        }
    }
}
