//! Leadership on this machine's PostgreSQL (a fresh schema per test) and on SQLite.

use sqlx::Connection;

use super::*;
use crate::store::pg_schema::{connect as pg_connect, PgSchema};
use crate::store::Store;

const DEPLOYMENT: [u8; 32] = [7; 32];

/// Ends `pid`'s session as the server does when its process dies, waiting until it is gone
/// (its locks released) or 10 s passed.
async fn terminate(base_url: &str, pid: i32) {
    let mut conn = pg_connect(base_url).await.unwrap_or_else(|e| panic!("{e}"));
    let gone: bool = sqlx::query("SELECT pg_terminate_backend($1, 10000)")
        .bind(pid)
        .fetch_one(&mut conn)
        .await
        .expect("terminate")
        .try_get(0)
        .expect("bool");
    assert!(gone, "session {pid} still alive after 10 s");
    conn.close().await.expect("close");
}

#[test]
fn the_key_is_per_deployment_and_schema() {
    let key = lock_key(&DEPLOYMENT, "oracle");
    assert_eq!(key, lock_key(&DEPLOYMENT, "oracle"), "replicas of one store agree");
    assert_ne!(key, lock_key(&[8; 32], "oracle"));
    assert_ne!(key, lock_key(&DEPLOYMENT, "public"));
    let digest = solana_sha256_hasher::hashv(&[b"gridmint-oracle-leader", &DEPLOYMENT, b"oracle"]);
    let first: [u8; 8] = digest.to_bytes()[..8].try_into().expect("8 bytes");
    assert_eq!(key, i64::from_be_bytes(first));
}

#[tokio::test]
async fn a_sqlite_process_always_leads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = Store::sqlite_url(&dir.path().join("oracle.db"));
    let leadership = Leadership::for_store(&url, &DEPLOYMENT).await.expect("leadership");
    assert!(leadership.is_leader());
    assert!(leadership.check().await);
    assert_eq!((leadership.lock_key(), leadership.session_pid().await), (None, None));
}

#[tokio::test]
async fn one_of_two_replicas_leads_until_its_session_ends() {
    let schema = PgSchema::create().await;
    let a = Leadership::for_store(&schema.url, &DEPLOYMENT).await.expect("a");
    let b = Leadership::for_store(&schema.url, &DEPLOYMENT).await.expect("b");
    assert_eq!(a.lock_key(), Some(lock_key(&DEPLOYMENT, &schema.name)));
    assert!(!a.is_leader(), "nobody leads before the first check");

    // Given a took the lock, Then b cannot, however often either checks.
    assert!(a.check().await);
    for _ in 0..3 {
        assert!(!b.check().await);
        assert!(a.check().await);
    }
    assert_eq!((a.is_leader(), b.is_leader()), (true, false));

    // When a's session ends (its process was killed), Then a steps down and b takes over.
    let pid = a.session_pid().await.expect("a is connected");
    terminate(&schema.url, pid).await;
    assert!(b.check().await, "the lock was released with a's session");
    assert!(!a.check().await, "a notices its session is gone");
    assert_eq!(a.session_pid().await, None, "the dead session was dropped");
    // a reconnects and finds the lock taken.
    assert!(!a.check().await);
    assert!(a.session_pid().await.is_some_and(|p| p != pid));
    assert!(b.check().await);
}

#[tokio::test]
async fn other_deployments_and_schemas_have_their_own_leader() {
    let schema = PgSchema::create().await;
    let other_schema = PgSchema::create().await;
    let a = Leadership::for_store(&schema.url, &DEPLOYMENT).await.expect("a");
    let other_deployment = Leadership::for_store(&schema.url, &[8; 32]).await.expect("other");
    let elsewhere = Leadership::for_store(&other_schema.url, &DEPLOYMENT).await.expect("there");
    assert!(a.check().await);
    assert!(other_deployment.check().await);
    assert!(elsewhere.check().await);
}

#[tokio::test]
async fn an_unreachable_server_or_unknown_scheme_fails_the_start() {
    // Port 1 on loopback: nothing listens, the connection is refused.
    let refused = Leadership::for_store("postgres://postgres@127.0.0.1:1/test", &DEPLOYMENT).await;
    assert!(matches!(refused, Err(StoreError::Db(sqlx::Error::Io(_)))), "{:?}", refused.err());
    let unknown = Leadership::for_store("mysql://db/x", &DEPLOYMENT).await;
    assert!(matches!(unknown, Err(StoreError::UnsupportedUrl(s)) if s == "mysql"));
}
