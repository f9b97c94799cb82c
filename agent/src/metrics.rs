//! Prometheus metrics of the agent (OpenMetrics text at `/metrics`).

use std::sync::atomic::AtomicI64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Oracle {
    oracle: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Delivered {
    oracle: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Rejected {
    oracle: String,
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    oracle: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobKind {
    kind: &'static str,
    outcome: &'static str,
}

type IntGauge = Gauge<i64, AtomicI64>;

pub struct Metrics {
    registry: Registry,
    signed: Counter,
    last_sequence: IntGauge,
    source_errors: Counter,
    counter_resets: Counter,
    counter_jumps: Counter,
    compacted: Counter,
    delivered: Family<Delivered, Counter>,
    rejected: Family<Rejected, Counter>,
    delivery_failures: Family<Oracle, Counter>,
    queue_depth: Family<Oracle, IntGauge>,
    last_ack: Family<Oracle, IntGauge>,
    clock_skew: IntGauge,
    challenges_seen: Counter,
    challenges_answered: Counter,
    challenges_late: Counter,
    prove_seconds: Histogram,
    answer_deliveries: Family<Outcome, Counter>,
    jobs: Family<JobKind, Counter>,
    receipt_deliveries: Family<Outcome, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("gridmint_agent");
        let m = Self {
            signed: Counter::default(),
            last_sequence: IntGauge::default(),
            source_errors: Counter::default(),
            counter_resets: Counter::default(),
            counter_jumps: Counter::default(),
            compacted: Counter::default(),
            delivered: Family::default(),
            rejected: Family::default(),
            delivery_failures: Family::default(),
            queue_depth: Family::default(),
            last_ack: Family::default(),
            clock_skew: IntGauge::default(),
            challenges_seen: Counter::default(),
            challenges_answered: Counter::default(),
            challenges_late: Counter::default(),
            // 10 ms … ~80 s: kernels are sized to `target_seconds` (≤ 600 s) on the node.
            prove_seconds: Histogram::new(
                prometheus_client::metrics::histogram::exponential_buckets(0.01, 2.0, 14),
            ),
            answer_deliveries: Family::default(),
            jobs: Family::default(),
            receipt_deliveries: Family::default(),
            registry: Registry::default(),
        };
        registry.register("readings_signed", "Readings signed and committed", m.signed.clone());
        registry.register(
            "last_sequence",
            "Sequence of the last signed reading",
            m.last_sequence.clone(),
        );
        registry.register(
            "source_errors",
            "Meter reads that failed (tick skipped)",
            m.source_errors.clone(),
        );
        registry.register(
            "counter_resets",
            "Meter counters that went backwards",
            m.counter_resets.clone(),
        );
        registry.register(
            "counter_jumps",
            "Meter counter increases refused as implausible",
            m.counter_jumps.clone(),
        );
        registry.register(
            "compacted",
            "Readings removed from the queue by compaction",
            m.compacted.clone(),
        );
        registry.register("delivered", "Readings an oracle acknowledged", m.delivered.clone());
        registry.register("rejected", "Readings an oracle refused for good", m.rejected.clone());
        registry.register(
            "delivery_failures",
            "Delivery attempts that failed and will be retried",
            m.delivery_failures.clone(),
        );
        registry.register(
            "queue_depth",
            "Readings not yet acknowledged, per oracle",
            m.queue_depth.clone(),
        );
        registry.register(
            "last_ack_timestamp_seconds",
            "Unix time of the last acknowledgement, per oracle",
            m.last_ack.clone(),
        );
        registry.register(
            "clock_skew_seconds",
            "System clock minus chain clock at the last check",
            m.clock_skew.clone(),
        );
        registry.register(
            "challenges_seen",
            "Challenges of this node found in the beacon accounts",
            m.challenges_seen.clone(),
        );
        registry.register(
            "challenges_answered",
            "Challenge answers proven, signed and committed",
            m.challenges_answered.clone(),
        );
        registry.register(
            "challenges_late",
            "Challenges not answered because their deadline passed first",
            m.challenges_late.clone(),
        );
        registry.register(
            "challenge_prove_seconds",
            "Time to prove one challenge",
            m.prove_seconds.clone(),
        );
        registry.register(
            "challenge_deliveries",
            "Oracles' final answers to challenge answers (or expired)",
            m.answer_deliveries.clone(),
        );
        registry.register("jobs", "Jobs run for requesters", m.jobs.clone());
        registry.register(
            "receipt_deliveries",
            "Oracles' final answers to co-signed work receipts",
            m.receipt_deliveries.clone(),
        );
        Self { registry, ..m }
    }

    pub fn challenge_seen(&self) {
        self.challenges_seen.inc();
    }

    pub fn challenge_answered(&self) {
        self.challenges_answered.inc();
    }

    pub fn challenge_late(&self) {
        self.challenges_late.inc();
    }

    pub fn prove_seconds(&self, seconds: f64) {
        self.prove_seconds.observe(seconds);
    }

    pub fn answer_delivery(&self, oracle: &str, outcome: &str) {
        let labels = Outcome { oracle: oracle.into(), outcome: outcome.into() };
        self.answer_deliveries.get_or_create(&labels).inc();
    }

    pub fn job(&self, kind: &'static str, outcome: &'static str) {
        self.jobs.get_or_create(&JobKind { kind, outcome }).inc();
    }

    pub fn receipt_delivery(&self, oracle: &str, outcome: &str) {
        let labels = Outcome { oracle: oracle.into(), outcome: outcome.into() };
        self.receipt_deliveries.get_or_create(&labels).inc();
    }

    pub fn signed(&self, sequence: u64) {
        self.signed.inc();
        self.last_sequence.set(i64::try_from(sequence).unwrap_or(i64::MAX));
    }

    pub fn source_error(&self) {
        self.source_errors.inc();
    }

    pub fn counter_anomalies(&self, resets: u32, jumps: u32) {
        self.counter_resets.inc_by(u64::from(resets));
        self.counter_jumps.inc_by(u64::from(jumps));
    }

    pub fn compacted(&self, n: u64) {
        self.compacted.inc_by(n);
    }

    pub fn acknowledged(&self, oracle: &str, accepted: bool) {
        let outcome = if accepted { "accepted" } else { "duplicate" };
        self.delivered.get_or_create(&Delivered { oracle: oracle.into(), outcome }).inc();
    }

    pub fn rejected(&self, oracle: &str, reason: &str) {
        self.rejected
            .get_or_create(&Rejected { oracle: oracle.into(), reason: reason.into() })
            .inc();
    }

    pub fn delivery_failed(&self, oracle: &str) {
        self.delivery_failures.get_or_create(&Oracle { oracle: oracle.into() }).inc();
    }

    pub fn set_queue_depth(&self, oracle: &str, depth: u64) {
        let depth = i64::try_from(depth).unwrap_or(i64::MAX);
        self.queue_depth.get_or_create(&Oracle { oracle: oracle.into() }).set(depth);
    }

    pub fn set_last_ack(&self, oracle: &str, at: i64) {
        self.last_ack.get_or_create(&Oracle { oracle: oracle.into() }).set(at);
    }

    pub fn set_clock_skew(&self, seconds: i64) {
        self.clock_skew.set(seconds);
    }

    /// The OpenMetrics text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
