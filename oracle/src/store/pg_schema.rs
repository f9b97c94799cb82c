//! A fresh PostgreSQL schema per test on this machine's server (`scripts/setup` installs and
//! starts it), dropped when the value is dropped. Tests fail, never skip, when the server is
//! unreachable.
//!
//! Self-contained (sqlx, tokio and rand only) so integration tests can include it by path.

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};

/// The server the tests use, unless `GRIDMINT_TEST_POSTGRES_URL` names another.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

pub struct PgSchema {
    base: String,
    pub name: String,
    /// `base` with every connection's `search_path` set to the schema.
    pub url: String,
}

impl PgSchema {
    pub async fn create() -> Self {
        let base =
            std::env::var("GRIDMINT_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.to_string());
        let name = format!("t_{:016x}", rand::random::<u64>());
        let mut conn = connect(&base).await.unwrap_or_else(|e| panic!("{e}"));
        conn.execute(format!("CREATE SCHEMA {name}").as_str()).await.expect("create schema");
        conn.close().await.expect("close");
        let separator = if base.contains('?') { '&' } else { '?' };
        // The application name lets the cleanup find this schema's sessions; the options are
        // `-c search_path=<name>`, percent-encoded.
        let url =
            format!("{base}{separator}application_name={name}&options=-c%20search_path%3D{name}");
        Self { base, name, url }
    }
}

/// A connection to `url`, or the message a test fails with.
pub async fn connect(url: &str) -> Result<PgConnection, String> {
    PgConnection::connect(url).await.map_err(|e| {
        format!(
            "PostgreSQL at {url} is unreachable ({e}); run scripts/setup to install and start it"
        )
    })
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        // Drop cannot await, and blocking the test's runtime on its own task would deadlock: a
        // thread with its own runtime drops the schema. The test's sessions are ended first:
        // a connection the blocked runtime has not yet returned (or a panicked test's open
        // transaction) would otherwise hold locks the drop waits for.
        let (base, name) = (self.base.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut conn = connect(&base).await?;
                sqlx::query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE application_name = $1 AND pid <> pg_backend_pid()",
                )
                .bind(&name)
                .execute(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
                conn.execute("SET lock_timeout = '10s'").await.map_err(|e| e.to_string())?;
                conn.execute(format!("DROP SCHEMA {name} CASCADE").as_str())
                    .await
                    .map_err(|e| e.to_string())?;
                conn.close().await.map_err(|e| e.to_string())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("schema {} left behind: {e}", self.name),
            Err(_) => eprintln!("schema {} left behind: cleanup panicked", self.name),
        }
    }
}
