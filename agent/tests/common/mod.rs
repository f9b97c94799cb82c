//! Agent test harness: a real oracle (ingest over HTTP, SQLite, bindings from a file) on a
//! chosen port, device keys, agent configs, the real `gridmint-agent` binary, and the
//! equivocation check every test ends with.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use gridmint_oracle::config::Config as OracleConfig;
use gridmint_oracle::ingest::bindings_file::FileBinding;
use gridmint_oracle::store::Store;
use gridmint_protocol::fraud::classify;
use gridmint_protocol::messages::EnergyReading;
use solana_keypair::Keypair;
use solana_signer::Signer;
use sqlx::Row;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Every wait in these tests gives up after this.
pub const DEADLINE: Duration = Duration::from_secs(60);
pub const CAPACITY_WP: u64 = 5_000;
pub const NODE_ID: u64 = 1;

/// Polls `check` until it answers `Some`, failing the test after [`DEADLINE`].
pub async fn wait_for<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let poll = async {
        loop {
            if let Some(v) = check().await {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    match tokio::time::timeout(DEADLINE, poll).await {
        Ok(v) => v,
        Err(_) => panic!("timed out waiting for {what}"),
    }
}

/// A port reserved for a server of this process that starts later: bound but not listening,
/// so connecting is refused, as with a server that is down, and nothing else can bind it.
/// Taken below the kernel's ephemeral range (32768 and up on Linux): a port handed out by
/// `:0` is also a candidate source port for the outgoing connections of tests running beside
/// this one.
pub struct ReservedPort(tokio::net::TcpSocket);

impl ReservedPort {
    pub fn new() -> Self {
        static NEXT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);
        let start = (std::process::id() % 12_000) as u16;
        for _ in 0..12_000 {
            let offset = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 12_000;
            let port = 20_000 + (start + offset) % 12_000;
            // No SO_REUSEADDR: with it, Linux lets another such socket bind the same port
            // while neither listens.
            let socket = tokio::net::TcpSocket::new_v4().expect("socket");
            if socket.bind(([127, 0, 0, 1], port).into()).is_ok() {
                return Self(socket);
            }
        }
        panic!("no free port in 20000..32000");
    }

    pub fn port(&self) -> u16 {
        self.0.local_addr().expect("addr").port()
    }

    /// The server's listener, on the reserved port. With SO_REUSEADDR from here on, which
    /// its connections inherit: a restart on this port can then bind while they linger in
    /// TIME_WAIT.
    pub fn listen(self) -> TcpListener {
        self.0.set_reuseaddr(true).expect("SO_REUSEADDR");
        self.0.listen(1024).expect("listen on the reserved port")
    }
}

/// A listener on a free port (see [`ReservedPort`]).
pub fn free_listener() -> TcpListener {
    ReservedPort::new().listen()
}

/// A port that was free just now, for a server in another process (an agent's metrics).
/// Prefer [`free_listener`] or [`ReservedPort`]: between this probe and that process's bind,
/// the port can be taken.
pub fn free_port() -> u16 {
    ReservedPort::new().port()
}

/// A device key on disk, bound to node [`NODE_ID`] (or another node) for the oracle.
pub struct Device {
    pub keypair: Keypair,
    pub path: PathBuf,
}

impl Device {
    pub fn new(dir: &Path, name: &str) -> Self {
        let path = dir.join(format!("{name}.json"));
        gridmint_ops::keygen(&path, false).expect("keygen");
        let keypair = gridmint_ops::read_keypair_file(&path).expect("read");
        Self { keypair, path }
    }

    pub fn key(&self) -> [u8; 32] {
        self.keypair.pubkey().to_bytes()
    }

    pub fn binding(&self, node_id: u64) -> FileBinding {
        FileBinding {
            device_key: self.keypair.pubkey().to_string(),
            node: Keypair::new().pubkey().to_string(),
            node_id,
            bound_at: 0,
            unbound_at: None,
        }
    }
}

/// A real oracle process (in this test's runtime) serving ingest on `port`.
pub struct Oracle {
    pub url: String,
    port: u16,
    pub db: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Oracle {
    /// Serves on a free port with `bindings` and a per-device rate limit (0: none).
    pub async fn start(dir: &Path, bindings: &[FileBinding], per_minute: u32) -> Self {
        Self::serve(dir, free_listener(), bindings, per_minute).await
    }

    /// As [`Oracle::start`], on a port reserved before (an oracle that comes up after its
    /// agent: until now, connecting was refused).
    pub async fn start_at(
        dir: &Path,
        port: ReservedPort,
        bindings: &[FileBinding],
        per_minute: u32,
    ) -> Self {
        Self::serve(dir, port.listen(), bindings, per_minute).await
    }

    /// As [`Oracle::start`], on `port`: a restart (the database is per port, so a restart
    /// keeps what was stored).
    pub async fn start_on(
        dir: &Path,
        port: u16,
        bindings: &[FileBinding],
        per_minute: u32,
    ) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind oracle port");
        Self::serve(dir, listener, bindings, per_minute).await
    }

    async fn serve(
        dir: &Path,
        listener: TcpListener,
        bindings: &[FileBinding],
        per_minute: u32,
    ) -> Self {
        let port = listener.local_addr().expect("oracle addr").port();
        let bindings_file = dir.join(format!("bindings-{port}.json"));
        std::fs::write(&bindings_file, serde_json::to_string(bindings).expect("json"))
            .expect("write bindings");
        let db = dir.join(format!("oracle-{port}.db"));
        let env = [
            ("GRIDMINT_ORACLE__DATABASE_URL", Store::sqlite_url(&db)),
            ("GRIDMINT_ORACLE__BINDINGS__FILE", bindings_file.display().to_string()),
            ("GRIDMINT_ORACLE__GENESIS_TIME", "0".into()),
            ("GRIDMINT_ORACLE__EPOCH_SECONDS", "3600".into()),
            ("GRIDMINT_ORACLE__INGEST__READINGS_PER_DEVICE_MINUTE", per_minute.to_string()),
            ("GRIDMINT_ORACLE__SHUTDOWN_GRACE", "2s".into()),
        ];
        let env = env.into_iter().map(|(k, v)| (k.to_string(), v));
        let config = OracleConfig::load(None, env).expect("oracle config");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(gridmint_oracle::serve::run_on(listener, config, async move {
            let _ = stopped.await;
        }));
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let health = format!("{url}/health");
        wait_for("the oracle to answer /health", || {
            let (http, health) = (http.clone(), health.clone());
            async move { http.get(&health).send().await.ok().filter(|r| r.status().is_success()) }
        })
        .await;
        Self { url, port, db, stop: Some(stop), task: Some(task) }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("oracle task").expect("oracle stopped cleanly");
        }
    }

    /// Every stored reading of `device_key`, decoded, by sequence, with identities.
    pub async fn readings(&self, device_key: &[u8; 32]) -> Vec<(Vec<u8>, EnergyReading)> {
        readings_in(&self.db, device_key).await
    }
}

/// Stored readings of `device_key` in the oracle database at `db`.
pub async fn readings_in(db: &Path, device_key: &[u8; 32]) -> Vec<(Vec<u8>, EnergyReading)> {
    let store = Store::open(&Store::sqlite_url(db)).await.expect("open oracle store");
    let rows = sqlx::query(
        "SELECT identity, message FROM readings WHERE device_key = $1 ORDER BY sequence, identity",
    )
    .bind(device_key.to_vec())
    .fetch_all(store.pool())
    .await
    .expect("query");
    let out = rows
        .iter()
        .map(|r| {
            let identity: Vec<u8> = r.try_get(0).expect("identity");
            let message: Vec<u8> = r.try_get(1).expect("message");
            (identity, EnergyReading::decode(&message).expect("decode"))
        })
        .collect();
    store.close().await;
    out
}

/// The check every test ends with: no two stored readings of one key are fraud by any rule
/// `report_fraud` enforces (the same `classify` the program runs), and no sequence is stored
/// twice. Answers the sequences.
pub fn assert_no_fraud(readings: &[(Vec<u8>, EnergyReading)], capacity_wp: u64) -> Vec<u64> {
    let list: Vec<EnergyReading> = readings.iter().map(|(_, r)| *r).collect();
    for (i, a) in list.iter().enumerate() {
        for b in &list[i + 1..] {
            let (x, y) =
                if gridmint_protocol::fraud::canonical_cmp(a, b).is_le() { (a, b) } else { (b, a) };
            if let Ok(kind) = classify(x, y, capacity_wp) {
                panic!("fraud {kind:?} between {x:?} and {y:?}");
            }
        }
    }
    let sequences: Vec<u64> = list.iter().map(|r| r.sequence).collect();
    let mut unique = sequences.clone();
    unique.dedup();
    assert_eq!(unique, sequences, "a sequence is stored twice");
    sequences
}

/// `first..=last` without gaps.
pub fn assert_contiguous(sequences: &[u64]) {
    let (Some(&first), Some(&last)) = (sequences.first(), sequences.last()) else {
        panic!("no readings")
    };
    assert_eq!(sequences, (first..=last).collect::<Vec<_>>().as_slice(), "gap in sequences");
}

/// An agent config file for `device` delivering to `oracles`.
pub fn agent_config(dir: &Path, device: &Device, oracles: &[String], extra: &str) -> PathBuf {
    let oracles: Vec<String> = oracles.iter().map(|o| format!("\"{o}\"")).collect();
    let text = format!(
        "device_keypair = \"{key}\"\ndata_dir = \"{data}\"\nnode_id = {NODE_ID}\n\
         kind = \"energy\"\ncapacity_wp = {CAPACITY_WP}\noracles = [{oracles}]\n\
         interval = \"50ms\"\ngenesis_time = 0\nepoch_seconds = 3600\n{extra}\n\
         [delivery]\nretry_min = \"20ms\"\nretry_max = \"200ms\"\ntimeout = \"2s\"\n\
         [source]\nkind = \"simulated\"\nseed = 7\ncapacity_w = 4000\nspeedup = 30\n",
        key = device.path.display(),
        data = dir.join("data").display(),
        oracles = oracles.join(", "),
    );
    let path = dir.join("agent.toml");
    std::fs::write(&path, text).expect("write agent config");
    path
}

/// The real `gridmint-agent` binary, killed on drop.
pub struct AgentProcess {
    child: Child,
}

impl AgentProcess {
    pub fn spawn(config: &Path, failpoint: Option<&str>, log: &Path) -> Self {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_gridmint-agent"));
        command
            .args(["run", "--config"])
            .arg(config)
            .env("RUST_LOG", "info")
            .env_remove(gridmint_agent::failpoint::ENV)
            .stdout(Stdio::null())
            .stderr(log);
        if let Some(f) = failpoint {
            command.env(gridmint_agent::failpoint::ENV, f);
        }
        Self { child: command.spawn().expect("spawn gridmint-agent") }
    }

    /// `kill -9`.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for the process to exit by itself.
    pub async fn exit(mut self) -> ExitStatus {
        wait_for("the agent to exit", || {
            let status = self.child.try_wait().expect("try_wait");
            async move { status }
        })
        .await
    }
}

impl Drop for AgentProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
