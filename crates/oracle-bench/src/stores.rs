//! A fresh database per store and run, as the oracle's own store tests do: a SQLite file in a
//! temporary directory (the production settings: WAL, `synchronous = FULL`, applied by
//! `Store::open`), or a new schema on the PostgreSQL server, dropped afterwards.

use std::path::PathBuf;

use gridmint_oracle::store::Backend;

#[path = "../../../oracle/src/store/pg_schema.rs"]
mod pg_schema;

pub use pg_schema::PgSchema;

/// One fresh database; removed (directory or schema) when dropped.
pub struct FreshDb {
    pub backend: Backend,
    pub url: String,
    /// Directory for the SQLite file and the bindings file.
    pub dir: tempfile::TempDir,
    _schema: Option<PgSchema>,
}

impl FreshDb {
    /// A fresh database on `backend`; PostgreSQL on the server the oracle's tests use
    /// (`GRIDMINT_TEST_POSTGRES_URL`, default the local `test` database).
    pub async fn new(backend: Backend) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        match backend {
            Backend::Sqlite => {
                let url = gridmint_oracle::store::Store::sqlite_url(&dir.path().join("oracle.db"));
                Ok(Self { backend, url, dir, _schema: None })
            }
            Backend::Postgres => {
                let server = std::env::var("GRIDMINT_TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| pg_schema::DEFAULT_URL.to_string());
                pg_schema::connect(&server).await.map_err(anyhow::Error::msg)?;
                let schema = PgSchema::create().await;
                Ok(Self { backend, url: schema.url.clone(), dir, _schema: Some(schema) })
            }
        }
    }

    /// A file in this database's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// The label of a backend in the tables.
pub fn label(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    }
}
