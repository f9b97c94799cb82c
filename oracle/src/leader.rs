//! Leadership among `serve` replicas that share one PostgreSQL store: exactly one replica
//! snapshots, closes, votes, cranks and runs the watchtower; the others keep serving ingest
//! and the read API from the shared store and try to take over at every step.
//!
//! **How.** The leader holds a PostgreSQL session-level advisory lock (`pg_try_advisory_lock`)
//! on one dedicated connection for as long as it leads; it never unlocks. When the process
//! dies, its session ends and the server releases the lock, so a follower's next try wins and
//! continues from the persisted state (snapshots, manifests, vote intents). The key is the
//! first 8 bytes of SHA-256(`gridmint-oracle-leader` ‖ deployment ‖ schema): advisory locks
//! are per database, and the schema keeps two stores in one database (two oracles, or parallel
//! tests) from contending.
//!
//! **Why this is safe even when two replicas briefly both think they lead** (a leader cut off
//! from the server keeps going until its next check fails): every vote first writes its intent
//! to the shared `votes` table, keyed by (epoch, round, set version) and first-writer-wins, so
//! a second replica re-sends the same report or none (see [`crate::vote`]); the program also
//! refuses a second vote of one key in a round. The lock saves duplicate work and fees; it is
//! not what keeps the vote single.
//!
//! **SQLite** is one process's file (WAL on a local disk): such a process always leads.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Row};
use tokio::sync::Mutex;

use crate::store::{Backend, StoreError};

/// Domain separator of the lock key.
pub const LOCK_DOMAIN: &[u8] = b"gridmint-oracle-leader";

/// Longest a leadership check (connect, lock or ping) may take before it counts as failed.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// Settings of the lock session, each applied only where the server knows it (one statement,
/// no error on older servers). Keepalives make the server notice a leader machine that vanished
/// (no FIN) in about 25 s instead of the OS default of hours; an idle-session timeout set on
/// the server would otherwise end the leader's session between two steps.
const LOCK_SESSION: &str = "SELECT set_config(name, value, false) FROM (VALUES \
     ('tcp_keepalives_idle', '10'), ('tcp_keepalives_interval', '5'), \
     ('tcp_keepalives_count', '3'), ('tcp_user_timeout', '30000'), \
     ('idle_session_timeout', '0')) AS wanted (name, value) JOIN pg_settings USING (name)";

/// The advisory lock key of a deployment's store in `schema`.
pub fn lock_key(deployment: &[u8; 32], schema: &str) -> i64 {
    let digest = solana_sha256_hasher::hashv(&[LOCK_DOMAIN, deployment, schema.as_bytes()]);
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest.to_bytes()[..8]);
    i64::from_be_bytes(first)
}

/// Whether this process leads, and how that is decided.
pub struct Leadership {
    lock: Option<PgLock>,
    leading: AtomicBool,
}

struct PgLock {
    url: String,
    key: i64,
    session: Mutex<Option<Session>>,
}

struct Session {
    conn: PgConnection,
    pid: i32,
    holds: bool,
}

impl Leadership {
    /// A process that always leads (SQLite, tests with one oracle per store).
    pub fn single() -> Self {
        Self { lock: None, leading: AtomicBool::new(true) }
    }

    /// Leadership for the store at `url`: always for SQLite; for PostgreSQL, the advisory lock
    /// of `deployment` in the URL's schema. Connects once to learn the schema (and fails, like
    /// the store, when the server is unreachable); does not take the lock yet.
    pub async fn for_store(url: &str, deployment: &[u8; 32]) -> Result<Self, StoreError> {
        if Backend::from_url(url)? == Backend::Sqlite {
            return Ok(Self::single());
        }
        let mut session = connect(url).await?;
        let schema: String = sqlx::query("SELECT current_schema()")
            .fetch_one(&mut session.conn)
            .await?
            .try_get(0)?;
        let key = lock_key(deployment, &schema);
        tracing::info!(key, schema, "replicas of this store elect a leader by advisory lock");
        let lock = PgLock { url: url.to_string(), key, session: Mutex::new(Some(session)) };
        Ok(Self { lock: Some(lock), leading: AtomicBool::new(false) })
    }

    /// Whether this process leads now: keeps the lock when it holds it (its session is alive),
    /// else tries to take it. Any failure (server gone, timeout) drops the session, which
    /// releases the lock if it was held, and answers `false`.
    pub async fn check(&self) -> bool {
        let Some(lock) = &self.lock else { return true };
        let mut session = lock.session.lock().await;
        let held = tokio::time::timeout(CHECK_TIMEOUT, lock.try_hold(&mut session)).await;
        let leads = match held {
            Ok(Ok(leads)) => leads,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "leader lock session failed; reconnecting next step");
                *session = None;
                false
            }
            Err(_) => {
                tracing::warn!(timeout = ?CHECK_TIMEOUT, "leader lock check timed out");
                *session = None;
                false
            }
        };
        let was = self.leading.swap(leads, Ordering::SeqCst);
        match (was, leads) {
            (false, true) => tracing::info!(key = lock.key, "this replica leads now"),
            (true, false) => tracing::warn!(key = lock.key, "this replica no longer leads"),
            _ => {}
        }
        leads
    }

    /// The answer of the last [`Self::check`] (`true` for a single process).
    pub fn is_leader(&self) -> bool {
        self.leading.load(Ordering::SeqCst)
    }

    /// The advisory lock key (`None`: a single process, no lock).
    pub fn lock_key(&self) -> Option<i64> {
        self.lock.as_ref().map(|l| l.key)
    }

    /// The server process id of the lock session, if connected (`pg_locks.pid`).
    pub async fn session_pid(&self) -> Option<i32> {
        let lock = self.lock.as_ref()?;
        lock.session.lock().await.as_ref().map(|s| s.pid)
    }
}

impl PgLock {
    async fn try_hold(&self, session: &mut Option<Session>) -> Result<bool, StoreError> {
        let s = match session {
            Some(s) => s,
            None => session.insert(connect(&self.url).await?),
        };
        if s.holds {
            // Session-level locks live as long as the session: alive means still held.
            sqlx::query("SELECT 1").execute(&mut s.conn).await?;
        } else {
            s.holds = sqlx::query("SELECT pg_try_advisory_lock($1)")
                .bind(self.key)
                .fetch_one(&mut s.conn)
                .await?
                .try_get(0)?;
        }
        Ok(s.holds)
    }
}

async fn connect(url: &str) -> Result<Session, StoreError> {
    let mut conn = PgConnection::connect(url).await?;
    sqlx::query(LOCK_SESSION).execute(&mut conn).await?;
    let pid: i32 = sqlx::query("SELECT pg_backend_pid()").fetch_one(&mut conn).await?.try_get(0)?;
    Ok(Session { conn, pid, holds: false })
}

#[cfg(test)]
#[path = "leader_tests.rs"]
mod tests;
