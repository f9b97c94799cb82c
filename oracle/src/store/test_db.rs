//! Store tests run on both backends: SQLite in a temp dir and the machine's PostgreSQL in a
//! fresh schema. [`store_tests!`] turns each test body into a module with one test per backend
//! (`…::sqlite`, `…::postgres`).

use super::pg_schema::PgSchema;
use super::{Backend, Store};
use sqlx::Row;

/// A statement parameter of a plan test.
pub enum Bind<'a> {
    Blob(&'a [u8]),
    Int(i64),
}

pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// Dropped (with its tables) when the test ends.
    _schema: Option<PgSchema>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("tempdir");
                let url = Store::sqlite_url(&dir.path().join("oracle.db"));
                Self { backend, url, _dir: Some(dir), _schema: None }
            }
            Backend::Postgres => {
                let schema = PgSchema::create().await;
                Self { backend, url: schema.url.clone(), _dir: None, _schema: Some(schema) }
            }
        }
    }

    /// Opens (and on the first call creates and migrates) this test's database.
    pub async fn open(&self) -> Store {
        Store::open(&self.url).await.expect("open")
    }

    /// Asserts that `sql` (with each of `keys` bound as a blob) looks rows up through `index`
    /// by a condition, rather than scanning the table or the whole index.
    pub async fn assert_index_search(&self, store: &Store, sql: &str, keys: &[&[u8]], index: &str) {
        let binds: Vec<Bind> = keys.iter().map(|k| Bind::Blob(k)).collect();
        self.assert_index_search_with(store, sql, &binds, index).await
    }

    /// [`TestDb::assert_index_search`] with parameters of either kind.
    pub async fn assert_index_search_with(
        &self,
        store: &Store,
        sql: &str,
        binds: &[Bind<'_>],
        index: &str,
    ) {
        let plan = self.plan_with(store, sql, binds).await;
        let searched = match self.backend {
            // `SEARCH t USING [COVERING ]INDEX i (epoch=?)`; a full scan reads `SCAN`.
            Backend::Sqlite => plan
                .lines()
                .any(|l| l.starts_with("SEARCH") && l.contains(&format!("INDEX {index} ("))),
            // `Index [Only ]Scan using i on t` or `Bitmap Index Scan on i`: the name whole,
            // not a prefix of another index's.
            Backend::Postgres => {
                let named = plan.contains(&format!("using {index} on "))
                    || plan.contains(&format!("Index Scan on {index} "));
                named && plan.contains("Index Cond")
            }
        };
        assert!(searched, "{sql}: {plan}");
    }

    /// The query plan of `EXPLAIN <sql>` as text, with each of `keys` bound as a blob.
    /// PostgreSQL's sequential scans are switched off for the query: on a near-empty table a
    /// scan is cheapest, and the question is whether an index can serve the query at all.
    pub async fn plan(&self, store: &Store, sql: &str, keys: &[&[u8]]) -> String {
        let binds: Vec<Bind> = keys.iter().map(|k| Bind::Blob(k)).collect();
        self.plan_with(store, sql, &binds).await
    }

    /// [`TestDb::plan`] with parameters of either kind.
    pub async fn plan_with(&self, store: &Store, sql: &str, binds: &[Bind<'_>]) -> String {
        let (explain, column) = match self.backend {
            Backend::Sqlite => (format!("EXPLAIN QUERY PLAN {sql}"), "detail"),
            Backend::Postgres => (format!("EXPLAIN {sql}"), "QUERY PLAN"),
        };
        let mut tx = store.pool().begin().await.expect("begin");
        if self.backend == Backend::Postgres {
            sqlx::query("SET LOCAL enable_seqscan = off").execute(&mut *tx).await.expect("set");
        }
        let mut query = sqlx::query(&explain);
        for bind in binds {
            query = match bind {
                Bind::Blob(b) => query.bind(b.to_vec()),
                Bind::Int(i) => query.bind(*i),
            };
        }
        let rows = query.fetch_all(&mut *tx).await.expect("plan");
        tx.rollback().await.expect("rollback");
        let lines: Vec<String> = rows.iter().map(|r| r.get::<String, _>(column)).collect();
        lines.join("\n")
    }
}

/// `store_tests!(name, …)`: for each `async fn name(db: TestDb)` of the calling module, a
/// module `name` with one test per backend (`name::sqlite`, `name::postgres`), each on its own
/// fresh database. A test function left out of the list is dead code, which the lint denies.
macro_rules! store_tests {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use $crate::store::test_db::TestDb;
            use $crate::store::Backend;

            #[tokio::test]
            async fn sqlite() {
                super::$name(TestDb::new(Backend::Sqlite).await).await
            }

            #[tokio::test]
            async fn postgres() {
                super::$name(TestDb::new(Backend::Postgres).await).await
            }
        }
    )*};
}
pub(crate) use store_tests;
