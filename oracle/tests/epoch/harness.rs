//! Three real oracles against one real Bank (node-staking + rewards, clocks aligned), each
//! with its own SQLite store and HTTP server on a free port, peering with the others. Ticks
//! are driven by the test, so every interleaving is chosen, never raced. [`Net::deploy`] and
//! [`build_wired`] let a test wire its own oracles (replicas on PostgreSQL, a gated chain).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use gridmint_oracle::archive::{ArchiveSettings, Archiver};
use gridmint_oracle::challenges::ingest::Attester;
use gridmint_oracle::driver::{DriverSettings, Oracle, Step};
use gridmint_oracle::epoch::Engine;
use gridmint_oracle::ingest::bindings::{CachePolicy, CachedBindings};
use gridmint_oracle::ingest::bindings_chain::ChainBindings;
use gridmint_oracle::ingest::rate_limit::RateLimiter;
use gridmint_oracle::ingest::verify_pool::VerifyPool;
use gridmint_oracle::ingest::{wire, Ingest, IngestSettings};
use gridmint_oracle::leader::Leadership;
use gridmint_oracle::metrics::Metrics;
use gridmint_oracle::serve;
use gridmint_oracle::store::Store;
use gridmint_oracle::sync::Peers;
use gridmint_protocol::crediting::SignedReading;
use gridmint_protocol::emission::EpochClock;
use gridmint_protocol::messages::EnergyReading;
use gridmint_sdk::chain::{BanksChain, Chain};
use gridmint_sdk::node_staking::NodeKind;
use gridmint_sdk::rewards as rw;
use gridmint_sdk::vote::ComputeBudget;
use gridmint_test_support::node_staking::{Staking, TestNode};
use gridmint_test_support::rewards::{Rewards, RewardsInit};
use gridmint_test_support::Env;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// 100 stake tokens (6 decimals): the stake caps stay far above the test's energy.
pub const STAKE: u64 = 100_000_000;

pub struct OracleUnderTest {
    pub oracle: Arc<Oracle>,
    pub ingest: Arc<Ingest>,
    /// Archives into `dir/archive`, never prunes (tests prune with their own archiver).
    pub archiver: Arc<Archiver>,
    pub base: String,
    pub dir: tempfile::TempDir,
    /// The HTTP server's task (abort it to take the oracle off the network).
    pub server: tokio::task::AbortHandle,
    /// The clock this oracle attests challenge answers with (Unix seconds, set by the test).
    pub clock: Arc<AtomicI64>,
}

/// What a test may choose per oracle besides its key, peers and store.
pub struct Wiring {
    pub chain: Arc<dyn Chain>,
    pub leadership: Arc<Leadership>,
}

impl Wiring {
    /// The Bank itself, one process per store (always leading).
    pub fn bank(env: &Env) -> Self {
        let chain: Arc<dyn Chain> = Arc::new(BanksChain::new(env.ctx.banks_client.clone()));
        Self { chain, leadership: Arc::new(Leadership::single()) }
    }
}

pub struct Net {
    pub env: Env,
    pub staking: Staking,
    pub rewards: Rewards,
    pub node: TestNode,
    /// Further nodes of [`Net::start_with`].
    pub others: Vec<TestNode>,
    pub oracles: Vec<OracleUnderTest>,
    pub http: reqwest::Client,
}

impl Net {
    /// A deployment with one Energy node and three oracles (threshold 2).
    pub async fn start() -> Net {
        Net::start_with(&[NodeKind::Energy]).await
    }

    /// [`Net::start`] with one node of each of `kinds` (the first is `node`).
    pub async fn start_with(kinds: &[NodeKind]) -> Net {
        let mut net = Net::deploy_with(kinds).await;
        let listeners: Vec<tokio::net::TcpListener> = futures_bind(3).await;
        let bases: Vec<String> =
            listeners.iter().map(|l| format!("http://{}", l.local_addr().expect("addr"))).collect();
        for (i, listener) in listeners.into_iter().enumerate() {
            let peers: Vec<String> =
                bases.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, b)| b.clone()).collect();
            let (key, base) = (net.key(i), bases[i].clone());
            let started = oracle(&net.env, &net.staking, key, peers, listener, base).await;
            net.oracles.push(started);
        }
        net
    }

    /// The deployment of [`Net::start`] without any oracle running.
    pub async fn deploy() -> Net {
        Net::deploy_with(&[NodeKind::Energy]).await
    }

    /// [`Net::deploy`] with one node of each of `kinds`.
    pub async fn deploy_with(kinds: &[NodeKind]) -> Net {
        let mut env = Env::start().await;
        let staking = Staking::start(&mut env).await;
        let operator = staking.operator(&mut env, 10 * STAKE).await;
        let mut nodes = Vec::new();
        for kind in kinds {
            nodes.push(staking.register(&mut env, &operator, *kind, STAKE).await);
        }
        let mut nodes = nodes.into_iter();
        let node = nodes.next().expect("at least one node");
        let others = nodes.collect();
        let mut rewards = env
            .prepare_rewards(RewardsInit { oracle_count: 3, threshold: 2, ..Default::default() })
            .await;
        rewards.genesis_time = staking.genesis_time;
        rewards.epoch_seconds = staking.epoch_seconds;
        env.initialize_rewards(&rewards, rewards.initialize_args()).await.expect("init rewards");
        let http = reqwest::Client::new();
        Net { env, staking, rewards, node, others, oracles: Vec::new(), http }
    }

    /// Oracle `i`'s vote key.
    pub fn key(&self, i: usize) -> Keypair {
        Keypair::try_from(self.rewards.oracles[i].to_bytes().as_slice()).expect("key")
    }

    /// A signed reading of the node at `genesis + offset`.
    pub fn reading(&self, sequence: u64, offset: i64, produced_wh: u64) -> SignedReading {
        let m = EnergyReading {
            deployment: self.staking.config.to_bytes(),
            node_id: self.node.node_id,
            sequence,
            timestamp: self.staking.genesis_time + offset,
            produced_wh,
            consumed_wh: 0,
        };
        let message = m.encode();
        let signature =
            self.node.device.sign_message(&message).as_ref().try_into().expect("64 bytes");
        SignedReading { device_key: self.node.device.pubkey().to_bytes(), message, signature }
    }

    /// Posts readings to oracle `i` as binary records; asserts they were accepted.
    pub async fn post(&self, i: usize, readings: &[SignedReading]) {
        let mut body = Vec::new();
        readings.iter().for_each(|r| wire::reading_record(r, &mut body));
        let response = self
            .http
            .post(format!("{}/v1/readings", self.oracles[i].base))
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
            .await
            .expect("post");
        assert_eq!(response.status().as_u16(), 200);
        let json: serde_json::Value =
            serde_json::from_slice(&response.bytes().await.expect("body")).expect("json");
        for r in json["results"].as_array().expect("results") {
            assert_eq!(r["status"], "accepted", "{json}");
        }
    }

    pub async fn tick(&self, i: usize) -> Step {
        self.oracles[i].oracle.tick().await.expect("tick")
    }

    pub async fn get(&self, i: usize, path: &str) -> (u16, serde_json::Value) {
        let r = self.http.get(format!("{}{path}", self.oracles[i].base)).send().await.expect("get");
        let status = r.status().as_u16();
        let body = r.bytes().await.expect("body");
        (status, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
    }

    /// Oracle `i`'s `/metrics` text.
    pub async fn metrics(&self, i: usize) -> String {
        let url = format!("{}/metrics", self.oracles[i].base);
        let r = self.http.get(url).send().await.expect("scrape");
        assert_eq!(r.status().as_u16(), 200);
        String::from_utf8(r.bytes().await.expect("body").to_vec()).expect("utf-8")
    }

    /// The report time of `epoch` (its end plus the report grace).
    pub async fn advance_to_report_time(&mut self, epoch: u64) {
        let t = self.rewards.report_time(epoch);
        self.env.advance_to(t).await;
    }

    pub async fn epoch_state(&mut self, epoch: u64) -> Option<rw::EpochState> {
        self.env.epoch_state(epoch).await
    }

    /// Distinct vote hashes cast in the epoch's current round.
    pub async fn distinct_votes(&mut self, epoch: u64) -> Vec<[u8; 32]> {
        let Some(s) = self.epoch_state(epoch).await else { return vec![] };
        let mut v: Vec<[u8; 32]> = (0..rw::MAX_ORACLES)
            .filter(|i| s.voted_mask & (1u16 << i) != 0)
            .map(|i| s.votes[i])
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

pub async fn futures_bind(n: usize) -> Vec<tokio::net::TcpListener> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind"));
    }
    out
}

/// One oracle: store in a temp dir, bindings and chain over the Bank, served on `listener`.
pub async fn oracle(
    env: &Env,
    staking: &Staking,
    keypair: Keypair,
    peers: Vec<String>,
    listener: tokio::net::TcpListener,
    base: String,
) -> OracleUnderTest {
    let dir = tempfile::tempdir().expect("tempdir");
    let store =
        Store::open(&Store::sqlite_url(&dir.path().join("oracle.db"))).await.expect("store");
    build(env, staking, keypair, peers, listener, base, store, dir)
}

#[allow(clippy::too_many_arguments)]
pub fn build(
    env: &Env,
    staking: &Staking,
    keypair: Keypair,
    peers: Vec<String>,
    listener: tokio::net::TcpListener,
    base: String,
    store: Store,
    dir: tempfile::TempDir,
) -> OracleUnderTest {
    build_wired(staking, keypair, peers, listener, base, store, dir, Wiring::bank(env))
}

/// [`build`] over the chain and leadership of `wiring`.
#[allow(clippy::too_many_arguments)]
pub fn build_wired(
    staking: &Staking,
    keypair: Keypair,
    peers: Vec<String>,
    listener: tokio::net::TcpListener,
    base: String,
    store: Store,
    dir: tempfile::TempDir,
    wiring: Wiring,
) -> OracleUnderTest {
    let Wiring { chain, leadership } = wiring;
    let source = Arc::new(ChainBindings::new(Arc::clone(&chain)));
    let policy = CachePolicy {
        ttl: Duration::from_secs(60),
        missing_retry: Duration::ZERO,
        max_missing: 1_000,
    };
    let store = Arc::new(store);
    let keypair = Arc::new(keypair);
    let clock = Arc::new(AtomicI64::new(0));
    let ingest = Arc::new(Ingest {
        settings: IngestSettings {
            deployment: staking.config.to_bytes(),
            clock: EpochClock {
                genesis_time: staking.genesis_time,
                epoch_seconds: staking.epoch_seconds,
            },
            max_body_bytes: 1 << 20,
            max_batch_items: 1_000,
        },
        store: Arc::clone(&store),
        bindings: CachedBindings::new(source, policy),
        reading_limit: RateLimiter::new(0),
        receipt_limit: RateLimiter::new(0),
        verify: VerifyPool::start(2, 0).expect("verify threads"),
        metrics: Arc::new(Metrics::new()),
        attester: Some(Attester::with_clock(Arc::clone(&keypair), {
            let clock = Arc::clone(&clock);
            Arc::new(move || clock.load(Ordering::SeqCst))
        })),
    });
    let deployment = staking.config.to_bytes();
    let archiver = Arc::new(
        Archiver::new(
            Engine { chain: Arc::clone(&chain), store: Arc::clone(&store), deployment },
            ArchiveSettings { dir: dir.path().join("archive"), prune: false, retain_epochs: None },
            peers.clone(),
            Duration::from_secs(10),
        )
        .expect("archiver"),
    );
    let engine = Engine { chain, store, deployment };
    let settings = DriverSettings {
        sync_attempts: 3,
        close_epochs: true,
        budget: ComputeBudget::VOTE_DEFAULT,
    };
    let oracle = Oracle::new(
        engine,
        Arc::clone(&ingest),
        Peers::new(peers, Duration::from_secs(10), Arc::clone(&ingest.metrics)),
        Some(keypair),
        settings,
    );
    let oracle = Arc::new(oracle.with_leadership(leadership));
    let archiving = Some(Arc::clone(&archiver));
    let app = serve::app_with_archive(Arc::clone(&ingest), Some(Arc::clone(&oracle)), archiving);
    let _addr: SocketAddr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    OracleUnderTest { oracle, ingest, archiver, base, dir, server: server.abort_handle(), clock }
}
