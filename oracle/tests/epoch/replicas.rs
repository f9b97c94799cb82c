//! Two `serve` replicas of oracle 0 on one PostgreSQL schema (this machine's server), beside
//! oracles 1 and 2 on SQLite: exactly one replica snapshots, closes and votes; the follower
//! serves ingest and the read API from the shared store; when the leader is killed with its
//! vote in flight, the follower takes over from the stored snapshot and vote intent, and the
//! epoch finalizes with exactly one vote of oracle 0's key, the one the leader meant to cast.
//!
//! "Killed" is what `kill -9` does to a replica, in process: its tick is dropped at its await
//! point, its HTTP server stops, and its lock session ends on the server (which is what the
//! server does when a client process dies, releasing the advisory lock).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use gridmint_oracle::driver::Step;
use gridmint_oracle::leader::{lock_key, Leadership};
use gridmint_oracle::store::{Store, VoteRow, VoteStatus};
use gridmint_oracle::vote::VoteOutcome;
use gridmint_sdk::chain::{
    Account, BanksChain, Chain, ChainError, DataSlice, InnerInstruction, Keypair, ReadAt, Scan,
    Signature,
};
use gridmint_sdk::rewards::EpochStatus;
use solana_signer::Signer;
use sqlx::Row;
use tokio::sync::Notify;

use crate::harness::{build_wired, futures_bind, oracle, Net, OracleUnderTest, Wiring};
use crate::pg_schema::{connect, PgSchema};
use crate::quorum::epoch_1_readings;

/// Indexes in `Net::oracles`: the two replicas of oracle 0, and oracles 1 and 2.
const A: usize = 0;
const B: usize = 3;
const DEADLINE: Duration = Duration::from_secs(60);

/// Where a replica's vote transaction stops for good (its process "dies" there).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hold {
    Never,
    /// Intent stored, transaction not sent.
    BeforeSend,
    /// Transaction landed, not yet recorded as confirmed.
    AfterSend,
}

/// The real Bank chain, counting node scans (snapshots) and sent transactions, able to stop
/// a send for good.
struct Gated {
    inner: Arc<dyn Chain>,
    hold: Mutex<Hold>,
    /// Notified when a send stopped at its hold.
    held: Notify,
    scans: AtomicUsize,
    sends: AtomicUsize,
}

impl Gated {
    fn new(net: &Net) -> Arc<Self> {
        Arc::new(Self {
            inner: Arc::new(BanksChain::new(net.env.ctx.banks_client.clone())),
            hold: Mutex::new(Hold::Never),
            held: Notify::new(),
            scans: AtomicUsize::new(0),
            sends: AtomicUsize::new(0),
        })
    }

    fn hold(&self, at: Hold) {
        *self.hold.lock().expect("lock") = at;
    }

    fn counts(&self) -> (usize, usize) {
        (self.scans.load(Ordering::SeqCst), self.sends.load(Ordering::SeqCst))
    }

    async fn stop_if(&self, at: Hold) {
        if *self.hold.lock().expect("lock") == at {
            self.held.notify_one();
            std::future::pending::<()>().await;
        }
    }
}

#[async_trait::async_trait]
impl Chain for Gated {
    async fn read_accounts(
        &self,
        addresses: &[Pubkey],
        slice: Option<DataSlice>,
    ) -> Result<ReadAt<Vec<Option<Account>>>, ChainError> {
        self.inner.read_accounts(addresses, slice).await
    }

    async fn scan(&self, scan: Scan) -> Result<Vec<Pubkey>, ChainError> {
        if scan == Scan::Nodes {
            self.scans.fetch_add(1, Ordering::SeqCst);
        }
        self.inner.scan(scan).await
    }

    async fn send_transaction(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<Signature, ChainError> {
        self.stop_if(Hold::BeforeSend).await;
        self.sends.fetch_add(1, Ordering::SeqCst);
        let sent = self.inner.send_transaction(instructions, payer, signers).await;
        self.stop_if(Hold::AfterSend).await;
        sent
    }

    async fn inner_instructions(
        &self,
        signature: &Signature,
    ) -> Result<Option<Vec<InnerInstruction>>, ChainError> {
        self.inner.inner_instructions(signature).await
    }
}

struct Replicas {
    net: Net,
    schema: PgSchema,
    /// The chains of A and B.
    gates: [Arc<Gated>; 2],
}

/// Oracle 0 as replicas A and B on one schema; oracle 1 reaches oracle 0 only through B,
/// oracle 2 only through A.
async fn start() -> Replicas {
    let mut net = Net::deploy().await;
    let schema = PgSchema::create().await;
    let mut listeners = futures_bind(4).await;
    let bases: Vec<String> =
        listeners.iter().map(|l| format!("http://{}", l.local_addr().expect("addr"))).collect();
    let peers = |of: [usize; 2]| of.iter().map(|&i| bases[i].clone()).collect::<Vec<_>>();
    let gates = [Gated::new(&net), Gated::new(&net)];
    // Popped from the end: B, 2, 1, A.
    let lb = (listeners.pop().expect("B"), bases[B].as_str());
    let b = replica(&net, &schema, &gates[1], lb, peers([1, 2])).await;
    let (env, staking) = (&net.env, &net.staking);
    let l2 = listeners.pop().expect("2");
    let two = oracle(env, staking, net.key(2), peers([A, 1]), l2, bases[2].clone()).await;
    let l1 = listeners.pop().expect("1");
    let one = oracle(env, staking, net.key(1), peers([B, 2]), l1, bases[1].clone()).await;
    let la = (listeners.pop().expect("A"), bases[A].as_str());
    let a = replica(&net, &schema, &gates[0], la, peers([1, 2])).await;
    net.oracles = vec![a, one, two, b];
    Replicas { net, schema, gates }
}

/// A replica of oracle 0 on `schema`, over `gate`, served on `listener` at `base`.
async fn replica(
    net: &Net,
    schema: &PgSchema,
    gate: &Arc<Gated>,
    (listener, base): (tokio::net::TcpListener, &str),
    peers: Vec<String>,
) -> OracleUnderTest {
    let store = Store::open(&schema.url).await.expect("store");
    let deployment = net.staking.config.to_bytes();
    let leadership = Leadership::for_store(&schema.url, &deployment).await.expect("leadership");
    let chain: Arc<dyn Chain> = Arc::clone(gate) as Arc<dyn Chain>;
    let wiring = Wiring { chain, leadership: Arc::new(leadership) };
    let dir = tempfile::tempdir().expect("tempdir");
    build_wired(&net.staking, net.key(0), peers, listener, base.to_string(), store, dir, wiring)
}

/// Ends the session `pid` as the server does when its client process dies, and waits (up to
/// 10 s) until it is gone, its advisory lock released.
async fn end_session(schema: &PgSchema, pid: i32) {
    let mut conn = connect(&schema.url).await.unwrap_or_else(|e| panic!("{e}"));
    let gone: bool = sqlx::query("SELECT pg_terminate_backend($1, 10000)")
        .bind(pid)
        .fetch_one(&mut conn)
        .await
        .expect("terminate")
        .get(0);
    assert!(gone, "session {pid} outlived 10 s");
}

async fn leader_gauge(net: &Net, i: usize) -> String {
    let text = net.metrics(i).await;
    let line = text.lines().find(|l| l.starts_with("gridmint_oracle_leader "));
    line.expect("the leader gauge").to_string()
}

/// Up to A's vote for epoch 0, which `hold` stops; A is then killed. Returns the intent A
/// stored before it died.
async fn kill_the_leader_mid_vote(r: &mut Replicas, hold: Hold) -> VoteRow {
    let net = &mut r.net;
    net.advance_to_report_time(0).await;
    // Given A took the lock first: it snapshots, closes and publishes; B only follows.
    assert!(matches!(net.tick(A).await, Step::Syncing { epoch: 0, agreeing: 1, .. }));
    for _ in 0..2 {
        assert_eq!(net.tick(B).await, Step::Standby);
    }
    assert_eq!((r.gates[0].counts(), r.gates[1].counts()), ((1, 0), (0, 0)), "(scans, sends)");
    let (_, a) = net.get(A, "/v1/status").await;
    let (_, b) = net.get(B, "/v1/status").await;
    let key = lock_key(&net.staking.config.to_bytes(), &r.schema.name);
    assert_eq!(
        (a["oracle"]["leader"].as_bool(), b["oracle"]["leader"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(
        (a["oracle"]["leader_lock"].as_i64(), b["oracle"]["leader_lock"].as_i64()),
        (Some(key), Some(key))
    );
    assert_eq!(leader_gauge(net, A).await, "gridmint_oracle_leader 1");
    assert_eq!(leader_gauge(net, B).await, "gridmint_oracle_leader 0");
    // The follower serves the leader's result and takes readings into the shared store.
    let (status, from_b) = net.get(B, "/v1/epochs/0/close").await;
    assert_eq!((status, &from_b), (200, &net.get(A, "/v1/epochs/0/close").await.1));
    net.post(B, &epoch_1_readings(net)).await;
    let (_, inputs) = net.get(A, "/v1/epochs/1/inputs").await;
    assert_eq!(inputs["readings"].as_array().map(Vec::len), Some(4), "{inputs}");
    // Oracle 1 reaches oracle 0 only through B, agrees and votes.
    let step = net.tick(1).await;
    assert!(matches!(step, Step::Voted { outcome: VoteOutcome::Sent { .. }, .. }), "{step:?}");

    // When A closes again, votes, and dies where `hold` stops it,
    r.gates[0].hold(hold);
    let leader = Arc::clone(&net.oracles[A].oracle);
    let ticking = tokio::spawn(async move { leader.tick().await });
    tokio::time::timeout(DEADLINE, r.gates[0].held.notified()).await.expect("A reaches its vote");
    ticking.abort();
    assert!(ticking.await.expect_err("killed").is_cancelled());
    net.oracles[A].server.abort();
    let pid = net.oracles[A].oracle.leadership.session_pid().await.expect("A's lock session");
    end_session(&r.schema, pid).await;

    let version = net.env.rewards_config().await.oracles.version;
    let store = &net.oracles[B].ingest.store;
    let intent = store.vote(0, 0, version).await.expect("db").expect("A stored its intent");
    assert_eq!(intent.status, VoteStatus::Intent);
    intent
}

/// Then B leads, with the gauge and status to show it, and the chain holds one vote of
/// oracle 0: the one A stored.
async fn assert_finalized_with(r: &mut Replicas, intent: &VoteRow) {
    let net = &mut r.net;
    let state = net.epoch_state(0).await.expect("epoch 0");
    assert_eq!((state.status, state.round), (EpochStatus::Final, 0));
    let slot = net.env.rewards_config().await.oracles.slot_of(&net.key(0).pubkey()).expect("slot");
    assert_eq!(state.votes[slot], intent.vote_hash, "oracle 0's vote is the stored intent");
    assert_eq!(net.distinct_votes(0).await, vec![intent.vote_hash], "one result in the round");
    let votes: i64 = sqlx::query("SELECT COUNT(*) FROM votes WHERE epoch = 0")
        .fetch_one(net.oracles[B].ingest.store.pool())
        .await
        .expect("count")
        .get(0);
    assert_eq!(votes, 1, "one intent for the epoch, whoever sent it");
    let (_, b) = net.get(B, "/v1/status").await;
    assert_eq!(b["oracle"]["leader"], true);
    assert_eq!(leader_gauge(net, B).await, "gridmint_oracle_leader 1");
    // B snapshotted nothing itself: it continued from A's stored snapshot.
    assert_eq!(r.gates[1].counts().0, 0);
    net.oracles[B].oracle.tick().await.expect("records the finalized state");
    let row = net.oracles[B].ingest.store.ledger_at(0).await.expect("db").expect("ledger");
    assert_eq!(row.manifest_hash, state.report.manifest_hash);
}

#[tokio::test]
async fn a_leader_killed_before_sending_its_vote_is_replaced_and_its_intent_sent_once() {
    let mut r = start().await;
    let intent = kill_the_leader_mid_vote(&mut r, Hold::BeforeSend).await;
    assert_eq!(r.net.epoch_state(0).await.expect("epoch 0").voted_mask.count_ones(), 1);
    // Then B takes the lock at its next step and sends A's intent, byte for byte.
    let step = r.net.tick(B).await;
    assert!(
        matches!(step, Step::Voted { epoch: 0, outcome: VoteOutcome::Sent { round: 0, .. } }),
        "{step:?}"
    );
    assert_eq!((r.gates[0].counts().1, r.gates[1].counts().1), (0, 1), "sends: A none, B one");
    assert_finalized_with(&mut r, &intent).await;
}

#[tokio::test]
async fn a_leader_killed_after_its_vote_landed_is_replaced_without_voting_again() {
    let mut r = start().await;
    let intent = kill_the_leader_mid_vote(&mut r, Hold::AfterSend).await;
    // Then B takes the lock, finds the epoch final with A's vote and only records it.
    let step = r.net.tick(B).await;
    assert!(matches!(step, Step::Idle(_)), "{step:?}");
    assert_eq!((r.gates[0].counts().1, r.gates[1].counts().1), (1, 0), "sends: A one, B none");
    assert_finalized_with(&mut r, &intent).await;
}
