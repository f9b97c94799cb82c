//! The MQTT source against the real Mosquitto broker on 127.0.0.1:1883 (scripts/setup
//! installs and starts it), each test on its own topic prefix; the reconnect test runs a
//! private Mosquitto on a free port and restarts it.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use gridmint_meters::mqtt::{MqttConfig, MqttFormat, MqttSource};
use gridmint_meters::{MeterSample, MeterSource, SourceError};
use rumqttc::{AsyncClient, MqttOptions, QoS};

const BROKER_PORT: u16 = 1883;
const DEADLINE: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(50);

/// Fails (never skips) when the shared broker is not there.
fn require_broker() {
    let addr = SocketAddr::from(([127, 0, 0, 1], BROKER_PORT));
    if let Err(e) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
        panic!("Mosquitto is not running on {addr} ({e}): run scripts/setup");
    }
}

/// A topic prefix no other test (or run) uses.
fn prefix() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::UNIX_EPOCH.elapsed().unwrap_or_default().subsec_nanos();
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!("gridmint-test/{}-{nanos:08x}-{n}", std::process::id())
}

fn config(port: u16, format: MqttFormat, topic: &str) -> MqttConfig {
    MqttConfig {
        host: "127.0.0.1".into(),
        port,
        client_id: None,
        username: None,
        password: None,
        format,
        topic: topic.into(),
        consumed_topic: None,
        stale_after: Duration::from_secs(900),
    }
}

/// A gateway stand-in: a real MQTT client publishing through the broker.
fn publisher(port: u16) -> AsyncClient {
    // Mosquitto takes client ids longer than the 23 characters MQTT 3.1.1 guarantees.
    let id = format!("gm-pub-{}", prefix().replace('/', "-"));
    let mut options = MqttOptions::new(id, "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(5));
    let (client, mut eventloop) = AsyncClient::new(options, 64);
    tokio::spawn(async move {
        loop {
            if eventloop.poll().await.is_err() {
                // The broker restarts in one test: retry, as a gateway would.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    });
    client
}

async fn publish(client: &AsyncClient, topic: &str, payload: &[u8]) {
    client.publish(topic, QoS::AtLeastOnce, false, payload.to_vec()).await.expect("queue publish");
}

/// Reads until `done` holds, publishing `payload` before each try when given (a
/// subscription that is not in place yet misses a publish). Fails at the deadline.
async fn read_until(
    source: &mut MqttSource,
    publish_each_try: Option<(&AsyncClient, &str, &[u8])>,
    done: impl Fn(&Result<MeterSample, SourceError>) -> bool,
) -> Result<MeterSample, SourceError> {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some((client, topic, payload)) = publish_each_try {
            publish(client, topic, payload).await;
        }
        let read = source.read(0).await;
        if done(&read) {
            return read;
        }
        assert!(Instant::now() < deadline, "gave up waiting; last read: {read:?}");
        tokio::time::sleep(POLL).await;
    }
}

fn produced(wh: u64) -> impl Fn(&Result<MeterSample, SourceError>) -> bool {
    move |r| matches!(r, Ok(s) if s.produced_wh == wh)
}

#[tokio::test]
async fn each_gateway_format_reads_the_exact_wh() {
    // Given the real broker and one source per gateway format
    require_broker();
    let p = prefix();
    let cases: [(MqttFormat, String, &[u8], u64); 4] = [
        (MqttFormat::OpenDtu, format!("{p}/dtu/116491234567/0/yieldtotal"), b"1234.567", 1_234_567),
        (
            MqttFormat::Shelly,
            format!("{p}/shellyplus1pm-a8032ab12345/status/switch:0"),
            br#"{"id":0,"source":"init","output":true,"apower":230.5,"aenergy":{"total":98765.432,"by_minute":[0.0,0.0,0.0],"minute_ts":1714564800},"temperature":{"tC":41.2}}"#,
            98_765,
        ),
        (
            MqttFormat::Shelly,
            format!("{p}/shellypmminig3-84fce63e1234/status/pm1:0"),
            br#"{"id":0,"voltage":231.2,"current":0.5,"apower":110.0,"freq":50.0,"aenergy":{"total":4321.0},"ret_aenergy":{"total":0.0}}"#,
            4_321,
        ),
        (
            MqttFormat::Tasmota,
            format!("{p}/tele/tasmota_pv/SENSOR"),
            br#"{"Time":"2024-05-01T12:00:00","ENERGY":{"TotalStartTime":"2023-01-01T00:00:00","Total":4.35,"Yesterday":1.2,"Today":0.4,"Power":512}}"#,
            4_350,
        ),
    ];
    let client = publisher(BROKER_PORT);
    for (format, topic, payload, wh) in cases {
        let mut source = MqttSource::start(config(BROKER_PORT, format, &topic)).expect("start");
        // When the gateway publishes, then the source reads the exact Wh
        let read = read_until(&mut source, Some((&client, &topic, payload)), produced(wh)).await;
        assert_eq!(read.ok(), Some(MeterSample { produced_wh: wh, consumed_wh: None }), "{topic}");
    }
}

#[tokio::test]
async fn a_hybrid_node_reads_consumption_from_its_own_topic() {
    require_broker();
    let p = prefix();
    let (pv, house) = (format!("{p}/tele/pv/SENSOR"), format!("{p}/tele/house/SENSOR"));
    let mut config = config(BROKER_PORT, MqttFormat::Tasmota, &pv);
    config.consumed_topic = Some(house.clone());
    let mut source = MqttSource::start(config).expect("start");
    let client = publisher(BROKER_PORT);
    let _ = read_until(
        &mut source,
        Some((&client, &pv, br#"{"ENERGY":{"Total":12.5}}"#)),
        |r| matches!(r, Err(SourceError::NoValue(m)) if m.contains(&house)),
    )
    .await;
    let read =
        read_until(&mut source, Some((&client, &house, br#"{"ENERGY":{"Total":0.001}}"#)), |r| {
            r.is_ok()
        })
        .await;
    assert_eq!(read.ok(), Some(MeterSample { produced_wh: 12_500, consumed_wh: Some(1) }));
}

#[tokio::test]
async fn a_malformed_payload_is_reported_once_and_keeps_the_last_good_value() {
    // Given a source that has read 5.5 kWh
    require_broker();
    let topic = format!("{}/dtu/1164/0/yieldtotal", prefix());
    let mut source = MqttSource::start(config(BROKER_PORT, MqttFormat::OpenDtu, &topic)).unwrap();
    let client = publisher(BROKER_PORT);
    let _ = read_until(&mut source, Some((&client, &topic, b"5.5")), produced(5_500)).await;

    // When the gateway publishes garbage
    publish(&client, &topic, b"nan").await;

    // Then the next read says why, and the one after answers the last good value
    let read = read_until(&mut source, None, |r| r.is_err()).await;
    let expected = format!("{topic}: not a decimal number: \"nan\"; payload \"nan\"");
    assert!(matches!(&read, Err(SourceError::Invalid(m)) if *m == expected), "{read:?}");
    assert_eq!(source.read(0).await.ok().map(|s| s.produced_wh), Some(5_500));

    // And a good value afterwards is read as usual
    publish(&client, &topic, b"5.501").await;
    let _ = read_until(&mut source, None, produced(5_501)).await;
}

#[tokio::test]
async fn nothing_received_yet_and_stale_values_are_no_value() {
    require_broker();
    let topic = format!("{}/tele/x/SENSOR", prefix());
    let mut config = config(BROKER_PORT, MqttFormat::Tasmota, &topic);
    config.stale_after = Duration::from_secs(1);
    let mut source = MqttSource::start(config).unwrap();
    let read = source.read(0).await;
    let expected = format!("nothing received on {topic} from 127.0.0.1:1883 yet");
    assert!(matches!(&read, Err(SourceError::NoValue(m)) if *m == expected), "{read:?}");

    let client = publisher(BROKER_PORT);
    let payload = br#"{"ENERGY":{"Total":1}}"#;
    let _ = read_until(&mut source, Some((&client, &topic, payload)), produced(1_000)).await;
    let fresh_until = Instant::now() + Duration::from_secs(1);

    // Without new messages the value goes stale after `stale_after`
    let read = read_until(&mut source, None, |r| r.is_err()).await;
    assert!(Instant::now() >= fresh_until - Duration::from_millis(300), "stale too early");
    let prefix = format!("last value on {topic} is ");
    let ok = matches!(&read, Err(SourceError::NoValue(m)) if m.starts_with(&prefix) && m.ends_with("s old (stale_after 1s)"));
    assert!(ok, "{read:?}");
}

#[tokio::test]
async fn an_unreachable_broker_is_reported_promptly() {
    // Given a port nobody listens on
    let port = free_port();
    let mut source =
        MqttSource::start(config(port, MqttFormat::OpenDtu, "dtu/1/0/yieldtotal")).unwrap();
    // Then reads say the broker is unreachable (read_until fails at its deadline otherwise),
    // naming the refused connection
    let read =
        read_until(&mut source, None, |r| matches!(r, Err(SourceError::Unreachable(_)))).await;
    let expected = format!("broker 127.0.0.1:{port}: I/O: Connection refused (os error 111)");
    assert!(matches!(&read, Err(SourceError::Unreachable(m)) if *m == expected), "{read:?}");
}

#[tokio::test]
async fn the_source_resubscribes_after_the_broker_restarts() {
    // Given a private broker and a source that has read a value through it
    let mut broker = Broker::start("", &[]);
    let topic = format!("{}/dtu/9/0/yieldtotal", prefix());
    let mut config = config(broker.port, MqttFormat::OpenDtu, &topic);
    config.stale_after = Duration::from_secs(1);
    let mut source = MqttSource::start(config).unwrap();
    let client = publisher(broker.port);
    let _ = read_until(&mut source, Some((&client, &topic, b"1")), produced(1_000)).await;

    // When the broker dies, the value goes stale and the read says the broker is gone
    broker.stop();
    let down = format!("s old (stale_after 1s); broker 127.0.0.1:{}: ", broker.port);
    let read = read_until(&mut source, None, |r| r.is_err()).await;
    assert!(matches!(&read, Err(SourceError::NoValue(m)) if m.contains(&down)), "{read:?}");

    // Then when it comes back (sessions are not persisted: subscriptions are gone), the
    // source reconnects, subscribes again and reads new values
    broker.spawn();
    let _ = read_until(&mut source, Some((&client, &topic, b"2")), produced(2_000)).await;
}

/// A port that was free just now, for a broker process to listen on. Taken below the
/// kernel's ephemeral range (32768 and up on Linux), because a port `:0` hands out is also a
/// candidate source port for other tests' outgoing connections until the broker binds it.
fn free_port() -> u16 {
    static NEXT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);
    let start = (std::process::id() % 12_000) as u16;
    for _ in 0..12_000 {
        let offset = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let port = 20_000 + (start + offset % 12_000) % 12_000;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port in 20000..32000");
}

/// A Mosquitto process of this test's own on a free port, in a temp dir; killed on drop.
struct Broker {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl Broker {
    /// `extra` is appended to the config (`{dir}` in it is the broker's directory), `files`
    /// are written to that directory.
    fn start(extra: &str, files: &[(&str, &str)]) -> Self {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("gm-mosquitto-{}", prefix().replace('/', "_")));
        std::fs::create_dir_all(&dir).unwrap();
        let extra = extra.replace("{dir}", &dir.display().to_string());
        let conf = format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n{extra}\n"
        );
        std::fs::write(dir.join("mosquitto.conf"), conf).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        let mut broker = Broker { port, dir, child: None };
        broker.spawn();
        broker
    }

    fn spawn(&mut self) {
        // Debian installs it in /usr/sbin, which a non-root PATH may lack.
        let sbin = Path::new("/usr/sbin/mosquitto");
        let program = if sbin.exists() { sbin } else { Path::new("mosquitto") };
        let child = Command::new(program)
            .arg("-c")
            .arg(self.dir.join("mosquitto.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting mosquitto ({e}): run scripts/setup"));
        self.child = Some(child);
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(Instant::now() < deadline, "mosquitto did not listen on {addr}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
