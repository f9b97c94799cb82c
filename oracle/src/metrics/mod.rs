//! Prometheus metrics. One [`Metrics`] per process, created by [`crate::serve`] and shared
//! (`Arc`) with ingest, the epoch loop, the voter, peers, the chain client and the watchtower;
//! served as OpenMetrics text at `GET /metrics`. Every label set known up front starts at
//! zero, so `rate()` and alerts see each series before its first event. The names, what they
//! count and the alerts to set on them are in the oracle README.

mod chain;

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};

pub use chain::MeteredChain;

use crate::ingest::verify::Reject;
use crate::ingest::Answer;
use crate::vote::VOTE_OUTCOMES;

/// Content type of `GET /metrics` (the OpenMetrics text format Prometheus scrapes).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Input kinds, as labelled (`answer`: compute-challenge answers).
pub const KINDS: [&str; 3] = ["reading", "receipt", "answer"];
/// Attestations this oracle signed (§10.7): at receipt of an answer, or of presence.
pub const ATTESTATION_KINDS: [&str; 2] = ["receipt", "presence"];
/// Where a store error surfaced.
pub const STORE_COMPONENTS: [&str; 4] = ["ingest", "health", "epoch_loop", "watchtower"];
/// What was fetched from a peer.
pub const PEER_FETCHES: [&str; 8] = [
    "readings",
    "receipts",
    "answers",
    "attestations",
    "close",
    "manifest",
    "ledger",
    "correction",
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ItemLabels {
    kind: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RejectLabels {
    kind: &'static str,
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    kind: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RpcLabels {
    method: &'static str,
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KeyLabels {
    key: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FetchLabels {
    fetch: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ComponentLabels {
    component: &'static str,
}

/// Ingest requests: 1 ms to ~16 s.
fn request_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

pub struct Metrics {
    registry: Registry,
    ingest_items: Family<ItemLabels, Counter>,
    ingest_rejects: Family<RejectLabels, Counter>,
    ingest_request: Family<RequestLabels, Histogram, fn() -> Histogram>,
    epoch_close: Histogram,
    vote_latency: Histogram,
    votes: Family<OutcomeLabels, Counter>,
    rpc_errors: Family<RpcLabels, Counter>,
    epochs_behind: Gauge,
    balance: Family<KeyLabels, Gauge>,
    determinism_alarms: Counter,
    peers_diverging: Gauge,
    peer_fetch_errors: Family<FetchLabels, Counter>,
    store_errors: Family<ComponentLabels, Counter>,
    epoch_seconds: Gauge,
    unbonding_seconds: Gauge,
    leader: Gauge,
    attestations: Family<KindLabels, Counter>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let m = Self {
            registry: Registry::with_prefix("gridmint"),
            ingest_items: Family::default(),
            ingest_rejects: Family::default(),
            ingest_request: Family::new_with_constructor(request_histogram),
            // Epoch close: 50 ms to ~27 min (a million nodes takes minutes).
            epoch_close: Histogram::new(exponential_buckets(0.05, 2.0, 16)),
            // Intent stored → confirmed: 50 ms to ~3.4 min (retries back off).
            vote_latency: Histogram::new(exponential_buckets(0.05, 2.0, 13)),
            votes: Family::default(),
            rpc_errors: Family::default(),
            epochs_behind: Gauge::default(),
            balance: Family::default(),
            determinism_alarms: Counter::default(),
            peers_diverging: Gauge::default(),
            peer_fetch_errors: Family::default(),
            store_errors: Family::default(),
            epoch_seconds: Gauge::default(),
            unbonding_seconds: Gauge::default(),
            leader: Gauge::default(),
            attestations: Family::default(),
        };
        m.zero_known_series();
        m.register()
    }

    /// Creates each known series at zero (`get_or_create` inserts; the guard is dropped).
    fn zero_known_series(&self) {
        for kind in KINDS {
            drop(self.ingest_request.get_or_create(&RequestLabels { kind, status: 200 }));
            for outcome in ["accepted", "duplicate", "rejected"] {
                drop(self.ingest_items.get_or_create(&ItemLabels { kind, outcome }));
            }
            for reason in Reject::ALL {
                drop(
                    self.ingest_rejects
                        .get_or_create(&RejectLabels { kind, reason: reason.as_str() }),
                );
            }
        }
        for outcome in VOTE_OUTCOMES {
            drop(self.votes.get_or_create(&OutcomeLabels { outcome }));
        }
        for method in chain::METHODS {
            drop(self.rpc_errors.get_or_create(&RpcLabels { method, kind: "transport" }));
        }
        for fetch in PEER_FETCHES {
            drop(self.peer_fetch_errors.get_or_create(&FetchLabels { fetch }));
        }
        for kind in ATTESTATION_KINDS {
            drop(self.attestations.get_or_create(&KindLabels { kind }));
        }
        for component in STORE_COMPONENTS {
            drop(self.store_errors.get_or_create(&ComponentLabels { component }));
        }
    }

    fn register(mut self) -> Self {
        let r = &mut self.registry;
        r.register(
            "ingest_items",
            "Items posted to /v1/readings, /v1/receipts and /v1/challenges/answers, by kind and answer",
            self.ingest_items.clone(),
        );
        r.register(
            "ingest_rejects",
            "Rejected ingest items by kind and reason (the answer's `reason`)",
            self.ingest_rejects.clone(),
        );
        r.register_with_unit(
            "ingest_request_duration",
            "Ingest request handling time by kind and HTTP status",
            Unit::Seconds,
            self.ingest_request.clone(),
        );
        r.register_with_unit(
            "epoch_close_duration",
            "Time to compute an epoch's result (snapshot, gather, crediting, manifest stored)",
            Unit::Seconds,
            self.epoch_close.clone(),
        );
        r.register_with_unit(
            "vote_latency",
            "Time from a vote intent stored to its transaction confirmed",
            Unit::Seconds,
            self.vote_latency.clone(),
        );
        r.register("votes", "Vote attempts by outcome", self.votes.clone());
        r.register(
            "rpc_errors",
            "Failed chain calls by method and kind (transport: the RPC node; transaction: refused)",
            self.rpc_errors.clone(),
        );
        r.register(
            "epochs_behind",
            "Ended epochs whose finalized state this oracle's ledger does not hold",
            self.epochs_behind.clone(),
        );
        r.register_with_unit(
            "vote_key_balance",
            "Balance of the key the oracle votes (and reports fraud) with",
            Unit::Other("lamports".into()),
            self.balance.clone(),
        );
        r.register(
            "determinism_alarms",
            "Epochs in which this oracle's vote on chain differs from its own result",
            self.determinism_alarms.clone(),
        );
        r.register(
            "peers_diverging",
            "Peers whose published result of the epoch being decided differs from ours",
            self.peers_diverging.clone(),
        );
        r.register(
            "peer_fetch_errors",
            "Failed fetches from peer oracles by what was fetched",
            self.peer_fetch_errors.clone(),
        );
        r.register("store_errors", "Store failures by component", self.store_errors.clone());
        r.register_with_unit(
            "epoch",
            "Epoch length of the deployment",
            Unit::Seconds,
            self.epoch_seconds.clone(),
        );
        r.register_with_unit(
            "unbonding",
            "Node-staking unbonding period, read from the chain",
            Unit::Seconds,
            self.unbonding_seconds.clone(),
        );
        r.register(
            "oracle_leader",
            "1 while this process runs the epoch loop (snapshot, close, vote, crank, watchtower), \
             0 while another replica on the same store does",
            self.leader.clone(),
        );
        r.register(
            "challenge_attestations",
            "Challenge attestations this oracle signed and stored, by kind (receipt of an answer, \
             presence at a deadline without an answer)",
            self.attestations.clone(),
        );
        self
    }

    /// The OpenMetrics text of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// One ingest request: its answers (when it had any), status and duration.
    pub fn ingest_request(&self, kind: &'static str, status: u16, elapsed: Duration) {
        self.ingest_request.get_or_create(&RequestLabels { kind, status }).observe(secs(elapsed));
    }

    pub fn ingest_answers(&self, kind: &'static str, answers: &[Answer]) {
        for answer in answers {
            let outcome = match answer {
                Answer::Accepted { .. } => "accepted",
                Answer::Duplicate { .. } => "duplicate",
                Answer::Rejected { reason, .. } => {
                    let labels = RejectLabels { kind, reason: reason.as_str() };
                    self.ingest_rejects.get_or_create(&labels).inc();
                    "rejected"
                }
            };
            self.ingest_items.get_or_create(&ItemLabels { kind, outcome }).inc();
        }
    }

    pub fn epoch_closed(&self, elapsed: Duration) {
        self.epoch_close.observe(secs(elapsed));
    }

    pub fn vote_confirmed(&self, since_intent: Duration) {
        self.vote_latency.observe(secs(since_intent));
    }

    /// A vote attempt's outcome (one of [`VOTE_OUTCOMES`]).
    pub fn vote(&self, outcome: &'static str) {
        self.votes.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    pub fn determinism_alarm(&self) {
        self.determinism_alarms.inc();
    }

    pub fn rpc_error(&self, method: &'static str, kind: &'static str) {
        self.rpc_errors.get_or_create(&RpcLabels { method, kind }).inc();
    }

    pub fn epochs_behind(&self, epochs: u64) {
        self.epochs_behind.set(i64::try_from(epochs).unwrap_or(i64::MAX));
    }

    pub fn balance(&self, key: &str, lamports: u64) {
        let value = i64::try_from(lamports).unwrap_or(i64::MAX);
        self.balance.get_or_create(&KeyLabels { key: key.to_string() }).set(value);
    }

    pub fn peers_diverging(&self, peers: usize) {
        self.peers_diverging.set(i64::try_from(peers).unwrap_or(i64::MAX));
    }

    /// A failed fetch from a peer (one of [`PEER_FETCHES`]).
    pub fn peer_fetch_error(&self, fetch: &'static str) {
        self.peer_fetch_errors.get_or_create(&FetchLabels { fetch }).inc();
    }

    /// A store failure (one of [`STORE_COMPONENTS`]).
    pub fn store_error(&self, component: &'static str) {
        self.store_errors.get_or_create(&ComponentLabels { component }).inc();
    }

    pub fn epoch_seconds(&self, seconds: i64) {
        self.epoch_seconds.set(seconds);
    }

    pub fn unbonding_seconds(&self, seconds: i64) {
        self.unbonding_seconds.set(seconds);
    }

    /// An attestation signed and stored (one of [`ATTESTATION_KINDS`]).
    pub fn attestation_signed(&self, kind: &'static str) {
        self.attestations.get_or_create(&KindLabels { kind }).inc();
    }

    /// Whether this process leads its replicas (checked every step of the loop).
    pub fn leader(&self, leads: bool) {
        self.leader.set(i64::from(leads));
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}
