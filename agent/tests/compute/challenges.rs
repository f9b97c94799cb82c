//! The challenge responder against real HTTP servers that check answers the way the contract
//! says oracles do (`gridmint_protocol::challenge::signatures::ingest_answer`, then
//! `verify_opening`): sign and deliver, retries, a permanent rejection, restarts, deadlines.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use gridmint_agent::challenges::{Answered, Responder};
use gridmint_agent::journal::{Journal, Owner};
use gridmint_agent::metrics::Metrics;
use gridmint_protocol::challenge::answer::{verify_opening, ChallengeAnswer, SignedAnswer};
use gridmint_protocol::challenge::beacon::Challenge;
use gridmint_protocol::challenge::matrix::KernelSize;
use gridmint_protocol::challenge::signatures::ingest_answer;
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;
use tokio::sync::watch;

const DEPLOYMENT: [u8; 32] = [5; 32];

/// An HTTP server answering `POST /v1/challenges/answers` as the contract says: it keeps
/// every answer that passes ingest, after `failures` 503s, or rejects everything for good.
#[derive(Clone)]
struct AnswerServer {
    challenge: Challenge,
    received: Arc<Mutex<Vec<SignedAnswer>>>,
    requests: Arc<AtomicU32>,
    failures: Arc<AtomicU32>,
    reject: Option<&'static str>,
}

fn b64(text: &Value) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text.as_str()?).ok()
}

fn b58(text: &Value) -> Option<Vec<u8>> {
    bs58::decode(text.as_str()?).into_vec().ok()
}

async fn answers(State(s): State<AnswerServer>, Json(item): Json<Value>) -> Response {
    s.requests.fetch_add(1, Ordering::SeqCst);
    if s.failures.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
        return (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "0")], "busy").into_response();
    }
    if let Some(reason) = s.reject {
        let r = json!({"status": "rejected", "reason": reason, "retryable": false, "code": 7});
        return Json(json!({"results": [r]})).into_response();
    }
    let parsed = (|| {
        Some(SignedAnswer {
            device_key: b58(&item["device_key"])?.try_into().ok()?,
            message: b64(&item["message"])?.try_into().ok()?,
            signature: b58(&item["signature"])?.try_into().ok()?,
            opening: b64(&item["opening"])?,
        })
    })();
    let Some(answer) = parsed else {
        return (StatusCode::BAD_REQUEST, "malformed").into_response();
    };
    let message = ingest_answer(&answer).expect("the answer passes the oracles' ingest checks");
    assert_eq!(verify_opening(&s.challenge, &message, &answer.opening), Ok(()));
    s.received.lock().expect("lock").push(answer);
    let attestation = json!({"oracle_key": "k", "message": "m", "signature": "s"});
    Json(json!({"results": [{"status": "accepted", "attestation": attestation}]})).into_response()
}

impl AnswerServer {
    async fn start(
        challenge: Challenge,
        failures: u32,
        reject: Option<&'static str>,
    ) -> (Self, String) {
        let s = AnswerServer {
            challenge,
            received: Arc::default(),
            requests: Arc::default(),
            failures: Arc::new(AtomicU32::new(failures)),
            reject,
        };
        let app = axum::Router::new()
            .route("/v1/challenges/answers", axum::routing::post(answers))
            .with_state(s.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        (s, url)
    }

    fn received(&self) -> Vec<SignedAnswer> {
        self.received.lock().expect("lock").clone()
    }
}

fn challenge(deadline_in: i64) -> Challenge {
    let now = gridmint_agent::unix_now();
    Challenge {
        id: [0x42; 32],
        node: [1; 32],
        node_id: crate::common::NODE_ID,
        epoch: 9,
        beacon_index: 3,
        issued_at: now,
        deadline: now + deadline_in,
        size: KernelSize { rows: 40, cols: 64 },
    }
}

async fn journal(dir: &std::path::Path, key: &Keypair) -> Arc<Journal> {
    let owner = Owner {
        device_key: key.pubkey().to_bytes(),
        deployment: DEPLOYMENT,
        node_id: crate::common::NODE_ID,
    };
    Arc::new(Journal::open(&dir.join("agent.db"), owner).await.expect("journal"))
}

fn responder(
    journal: Arc<Journal>,
    key: &Keypair,
    oracles: &[String],
    threads: usize,
) -> Arc<Responder> {
    Arc::new(Responder::new(
        journal,
        Arc::new(key.insecure_clone()),
        DEPLOYMENT,
        threads,
        oracles.to_vec(),
        reqwest::Client::new(),
        (Duration::from_millis(10), Duration::from_millis(50)),
        Arc::new(Metrics::new()),
    ))
}

/// Delivers `answer` to every oracle that has not answered it for good, to the end.
async fn deliver_all(r: &Arc<Responder>, answer: &gridmint_agent::journal::StoredAnswer) {
    let (_stop_tx, stop) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    r.spawn_deliveries(answer, &mut tasks, &stop).await.expect("spawn");
    while tasks.join_next().await.is_some() {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_is_signed_and_reaches_every_oracle_through_retries() {
    // Given three oracles: one up, one busy twice (503), one that refuses the answer for good
    let dir = tempfile::tempdir().expect("tempdir");
    let key = Keypair::new();
    let c = challenge(120);
    let (up, up_url) = AnswerServer::start(c, 0, None).await;
    let (busy, busy_url) = AnswerServer::start(c, 2, None).await;
    let (refusing, refusing_url) = AnswerServer::start(c, 0, Some("wrong_deployment")).await;
    let journal = journal(dir.path(), &key).await;
    let r = responder(
        journal.clone(),
        &key,
        &[up_url.clone(), busy_url.clone(), refusing_url.clone()],
        3,
    );
    // When the responder answers and delivers
    let Answered::New(answer) = r.answer(&c).await.expect("answer") else { panic!("not new") };
    deliver_all(&r, &answer).await;
    // Then both accepting oracles hold the same signed answer, which passes their checks
    let (a, b) = (up.received(), busy.received());
    assert_eq!((a.len(), b.len()), (1, 1));
    assert_eq!(a, b);
    assert_eq!(a[0].device_key, key.pubkey().to_bytes());
    let m = ChallengeAnswer::decode(&a[0].message).expect("decodes");
    assert_eq!(
        (m.deployment, m.node_id, m.epoch, m.beacon_index, m.challenge_id),
        (DEPLOYMENT, crate::common::NODE_ID, 9, 3, c.id)
    );
    assert_eq!(busy.requests.load(Ordering::SeqCst), 3, "two 503s, then accepted");
    assert_eq!(refusing.requests.load(Ordering::SeqCst), 1, "a permanent rejection is not retried");
    let mut done = journal.answer_deliveries(&c.id).await.expect("deliveries");
    done.sort();
    let mut expected = vec![
        (up_url, "accepted".to_string()),
        (busy_url, "accepted".to_string()),
        (refusing_url, "rejected:wrong_deployment".to_string()),
    ];
    expected.sort();
    assert_eq!(done, expected);
    assert_eq!(journal.answer_summary(10).await.expect("summary"), vec![(9, 3, 2)]);
    // And nothing is sent again: every oracle answered for good
    deliver_all(&r, &answer).await;
    assert_eq!(up.requests.load(Ordering::SeqCst), 1);
    journal.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_resends_the_stored_answer_and_never_signs_another() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = Keypair::new();
    let c = challenge(120);
    let (first, first_url) = AnswerServer::start(c, 0, None).await;
    // Given an answer signed and delivered to one oracle before a restart
    let j = journal(dir.path(), &key).await;
    let r = responder(j.clone(), &key, std::slice::from_ref(&first_url), 1);
    let Answered::New(stored) = r.answer(&c).await.expect("answer") else { panic!("not new") };
    deliver_all(&r, &stored).await;
    j.close().await;
    drop(r);
    // When the agent restarts (another thread count) with a second oracle configured
    let (second, second_url) = AnswerServer::start(c, 0, None).await;
    let j = journal(dir.path(), &key).await;
    let r = responder(j.clone(), &key, &[first_url, second_url], 4);
    // Then the challenge is not proven again: the stored answer is the answer
    assert_eq!(r.answer(&c).await.expect("answer"), Answered::Stored(stored.clone()));
    assert_eq!(
        j.open_answers(gridmint_agent::unix_now()).await.expect("open"),
        vec![stored.clone()]
    );
    // And a different answer for the same challenge can never replace it
    let other = gridmint_agent::journal::StoredAnswer { signature: vec![1; 64], ..stored.clone() };
    assert_eq!(j.keep_answer(&other, 0).await.expect("keep"), stored);
    // And only the oracle that had not answered gets it, the same bytes
    deliver_all(&r, &stored).await;
    assert_eq!(first.requests.load(Ordering::SeqCst), 1);
    assert_eq!(second.received(), first.received());
    // And once long past its deadline the answer is pruned (nothing signs for it then)
    assert_eq!(j.prune_answers(c.deadline).await.expect("prune"), 0);
    assert_eq!(j.prune_answers(c.deadline + 1).await.expect("prune"), 1);
    assert_eq!(j.answer_deliveries(&c.id).await.expect("deliveries"), vec![]);
    j.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_challenge_past_its_deadline_is_neither_proven_nor_signed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = Keypair::new();
    let c = challenge(-1);
    let j = journal(dir.path(), &key).await;
    let metrics = Arc::new(Metrics::new());
    let r = Arc::new(Responder::new(
        j.clone(),
        Arc::new(key.insecure_clone()),
        DEPLOYMENT,
        1,
        vec![],
        reqwest::Client::new(),
        (Duration::from_millis(10), Duration::from_millis(10)),
        metrics.clone(),
    ));
    assert_eq!(r.answer(&c).await.expect("answer"), Answered::Late);
    assert_eq!(r.answer(&c).await.expect("answer"), Answered::Late);
    assert_eq!(j.answer(&c.id).await.expect("read"), None, "nothing signed");
    let text = metrics.encode();
    for line in [
        "gridmint_agent_challenges_seen_total 1",
        "gridmint_agent_challenges_late_total 1",
        "gridmint_agent_challenges_answered_total 0",
        "gridmint_agent_challenge_prove_seconds_count 0",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing:\n{text}");
    }
    j.close().await;
}
