//! Shared harness: a real Bank with node-staking, real registered nodes, the ingest router
//! served on a free port, and real Ed25519 signatures.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use gridmint_oracle::challenges::ingest::Attester;
use gridmint_oracle::ingest::bindings::{CachePolicy, CachedBindings};
use gridmint_oracle::ingest::bindings_chain::ChainBindings;
use gridmint_oracle::ingest::rate_limit::RateLimiter;
use gridmint_oracle::ingest::verify_pool::VerifyPool;
use gridmint_oracle::ingest::{http, Ingest, IngestSettings};
use gridmint_oracle::metrics::Metrics;
use gridmint_oracle::store::{Backend, Store};
use gridmint_protocol::crediting::{SignedReading, SignedReceipt};
use gridmint_protocol::emission::EpochClock;
use gridmint_protocol::messages::{EnergyReading, WorkReceipt};
use gridmint_sdk::chain::BanksChain;
use gridmint_sdk::node_staking::NodeKind;
use gridmint_test_support::node_staking::{Operator, Staking, TestNode};
use gridmint_test_support::Env;
use solana_keypair::Keypair;
use solana_signer::Signer;

pub struct Limits {
    pub max_body_bytes: usize,
    pub max_batch_items: usize,
    pub readings_per_minute: u32,
}

pub const LIMITS: Limits =
    Limits { max_body_bytes: 64 * 1024, max_batch_items: 100, readings_per_minute: 1_000 };

pub struct Harness {
    pub env: Env,
    pub staking: Staking,
    pub operator: Operator,
    pub node: TestNode,
    pub other: TestNode,
    pub ingest: Arc<Ingest>,
    pub base: String,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
    /// For a PostgreSQL store: its schema, dropped with the harness.
    _schema: Option<crate::pg_schema::PgSchema>,
}

impl Harness {
    pub async fn start(limits: Limits) -> Self {
        Self::start_on(limits, Backend::Sqlite).await
    }

    /// The harness with its store on `backend` (PostgreSQL: a fresh schema on this machine's).
    pub async fn start_on(limits: Limits, backend: Backend) -> Self {
        let mut env = Env::start().await;
        let staking = Staking::start(&mut env).await;
        let operator = staking.operator(&mut env, 1_000_000).await;
        let node = staking.register(&mut env, &operator, NodeKind::Hybrid, 10_000).await;
        let other = staking.register(&mut env, &operator, NodeKind::Energy, 10_000).await;
        let source =
            Arc::new(ChainBindings::new(Arc::new(BanksChain::new(env.ctx.banks_client.clone()))));
        let dir = tempfile::tempdir().expect("tempdir");
        let schema = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(crate::pg_schema::PgSchema::create().await),
        };
        let url = match &schema {
            Some(schema) => schema.url.clone(),
            None => Store::sqlite_url(&dir.path().join("oracle.db")),
        };
        let store = Store::open(&url).await.expect("store");
        let policy = CachePolicy {
            ttl: Duration::from_secs(60),
            // Always ask again for unknown keys: the lagging-RPC retry is part of a test.
            missing_retry: Duration::ZERO,
            max_missing: 1_000,
        };
        let ingest = Arc::new(Ingest {
            settings: IngestSettings {
                deployment: staking.config.to_bytes(),
                clock: EpochClock {
                    genesis_time: staking.genesis_time,
                    epoch_seconds: staking.epoch_seconds,
                },
                max_body_bytes: limits.max_body_bytes,
                max_batch_items: limits.max_batch_items,
            },
            store: Arc::new(store),
            bindings: CachedBindings::new(source, policy),
            reading_limit: RateLimiter::new(limits.readings_per_minute),
            receipt_limit: RateLimiter::new(limits.readings_per_minute),
            verify: VerifyPool::start(2, 0).expect("verify threads"),
            metrics: Arc::new(Metrics::new()),
            attester: Some(Attester::new(Arc::new(Keypair::new()))),
        });
        let base = serve(http::router(Arc::clone(&ingest))).await;
        Self {
            env,
            staking,
            operator,
            node,
            other,
            ingest,
            base,
            http: reqwest::Client::new(),
            _dir: dir,
            _schema: schema,
        }
    }

    /// A reading of `node_id` on this deployment at `genesis + offset`.
    pub fn reading(&self, node_id: u64, sequence: u64, offset: i64) -> EnergyReading {
        EnergyReading {
            deployment: self.staking.config.to_bytes(),
            node_id,
            sequence,
            timestamp: self.staking.genesis_time + offset,
            produced_wh: sequence * 10,
            consumed_wh: 0,
        }
    }

    pub fn receipt(&self, node_id: u64, job_id: u64, requester: &Keypair) -> WorkReceipt {
        let t = self.staking.genesis_time + 100;
        WorkReceipt {
            deployment: self.staking.config.to_bytes(),
            node_id,
            job_id,
            requester: requester.pubkey().to_bytes(),
            work_units: 10,
            started_at: t,
            finished_at: t + 60,
            output_hash: [3; 32],
        }
    }

    pub async fn post(&self, path: &str, content_type: &str, body: Vec<u8>) -> Reply {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        let retry_after =
            response.headers().get("retry-after").map(|v| v.to_str().expect("ascii").to_string());
        let bytes = response.bytes().await.expect("body");
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        Reply { status, retry_after, json }
    }

    pub async fn post_json(&self, path: &str, value: serde_json::Value) -> Reply {
        self.post(path, "application/json", serde_json::to_vec(&value).expect("json")).await
    }
}

/// Serves `router` on a free port of 127.0.0.1; returns the base URL.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    format!("http://{addr}")
}

pub struct Reply {
    pub status: u16,
    pub retry_after: Option<String>,
    pub json: serde_json::Value,
}

impl Reply {
    /// `(status, reason)` of each per-item answer.
    pub fn outcomes(&self) -> Vec<(String, Option<String>)> {
        self.json["results"]
            .as_array()
            .unwrap_or_else(|| panic!("no results in {}", self.json))
            .iter()
            .map(|a| {
                (
                    a["status"].as_str().expect("status").to_string(),
                    a["reason"].as_str().map(str::to_string),
                )
            })
            .collect()
    }
}

pub fn sign(key: &Keypair, message: &[u8]) -> [u8; 64] {
    key.sign_message(message).as_ref().try_into().expect("64 bytes")
}

pub fn signed_reading(key: &Keypair, m: &EnergyReading) -> SignedReading {
    let message = m.encode();
    SignedReading { device_key: key.pubkey().to_bytes(), message, signature: sign(key, &message) }
}

pub fn signed_receipt(device: &Keypair, requester: &Keypair, m: &WorkReceipt) -> SignedReceipt {
    let message = m.encode();
    SignedReceipt {
        device_key: device.pubkey().to_bytes(),
        message,
        device_signature: sign(device, &message),
        requester_signature: sign(requester, &message),
    }
}

fn b58(bytes: &[u8]) -> String {
    bs58::encode(bytes).into_string()
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn reading_json(s: &SignedReading) -> serde_json::Value {
    serde_json::json!({
        "device_key": b58(&s.device_key),
        "message": b64(&s.message),
        "signature": b58(&s.signature),
    })
}

pub fn receipt_json(s: &SignedReceipt) -> serde_json::Value {
    serde_json::json!({
        "device_key": b58(&s.device_key),
        "message": b64(&s.message),
        "device_signature": b58(&s.device_signature),
        "requester_signature": b58(&s.requester_signature),
    })
}

/// The binary record of a reading: message ‖ device_key ‖ signature.
pub fn reading_record(s: &SignedReading) -> Vec<u8> {
    [&s.message[..], &s.device_key, &s.signature].concat()
}

pub fn receipt_record(s: &SignedReceipt) -> Vec<u8> {
    [&s.message[..], &s.device_key, &s.device_signature, &s.requester_signature].concat()
}

pub fn accepted() -> (String, Option<String>) {
    ("accepted".into(), None)
}

pub fn duplicate() -> (String, Option<String>) {
    ("duplicate".into(), None)
}

pub fn rejected(reason: &str) -> (String, Option<String>) {
    ("rejected".into(), Some(reason.into()))
}
