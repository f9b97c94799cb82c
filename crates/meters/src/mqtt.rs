//! Gateways operators already own, over MQTT: OpenDTU, Shelly Gen2+ and Tasmota.
//!
//! A spawned task runs rumqttc's event loop: it (re)subscribes on every connection,
//! reconnects after the broker is lost (rumqttc reconnects on the next poll; we back off
//! between failures) and keeps the latest value of each topic with its receive time.
//! [`MqttSource::read`] answers that latest value; it never waits on the network.
//!
//! - `opendtu`: `<base>/<inverter serial>/0/yieldtotal`, a plain decimal in kWh
//!   (tbnobody/OpenDTU `docs/MQTT_Topics.md`: "Energy converted to AC since reset", kWh).
//! - `shelly`: Gen2+ `<id>/status/switch:0` (or `<id>/status/pm1:0` on PM Mini and Plug PM
//!   Gen3), the component's JSON status with `aenergy.total` in Wh. Needs "Generic status
//!   update over MQTT" enabled on the device.
//! - `tasmota`: `tele/<topic>/SENSOR`, JSON with `ENERGY.Total` in kWh.
//!
//! An unreadable payload is reported once, by the next `read`, as [`SourceError::Invalid`];
//! it never replaces the last good value, which later reads answer again while it is fresh.
//! A value older than `stale_after` is [`SourceError::NoValue`]. Plain TCP only for now
//! (rumqttc is built without TLS): keep the broker on the gateway's LAN or on loopback.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, QoS, SubscribeReasonCode};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use tokio::task::JoinHandle;

use crate::decimal::{self, DecimalError};
use crate::source::{duration, MeterSample, MeterSource, SourceError};

const BACKOFF_MIN: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// Shelly Pro statuses run to a few KiB; rumqttc's default limit is 10 KiB.
const MAX_PACKET: usize = 64 * 1024;
const KWH: u32 = 3;
const WH: u32 = 0;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MqttConfig {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    /// Default `gm-<pid>-<hash of the topic>`: two agents on one broker must differ.
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<Secret>,
    pub format: MqttFormat,
    /// The topic carrying the produced energy counter.
    pub topic: String,
    /// Hybrid nodes: the topic carrying the consumed energy counter, same format.
    #[serde(default)]
    pub consumed_topic: Option<String>,
    /// A value older than this is not read (human form: `"15m"`).
    #[serde(default = "default_stale_after", deserialize_with = "duration")]
    pub stale_after: Duration,
}

fn default_port() -> u16 {
    1883
}

fn default_stale_after() -> Duration {
    Duration::from_secs(15 * 60)
}

/// A string, or an integer as an environment override types `PREFIX__SOURCE__USERNAME=1234`.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        Text(String),
        Number(i64),
    }
    Ok(Some(match Text::deserialize(d)? {
        Text::Text(s) => s,
        Text::Number(n) => n.to_string(),
    }))
}

/// A password: never printed by `Debug`.
#[derive(Clone, Deserialize, PartialEq, Eq)]
pub struct Secret(#[serde(deserialize_with = "secret_text")] String);

fn secret_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    text(d).map(Option::unwrap_or_default)
}

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub enum MqttFormat {
    #[serde(rename = "opendtu")]
    OpenDtu,
    #[serde(rename = "shelly")]
    Shelly,
    #[serde(rename = "tasmota")]
    Tasmota,
}

impl MqttFormat {
    /// The meter's lifetime Wh in one payload of this format.
    pub fn parse(self, payload: &[u8]) -> Result<u64, String> {
        let reason = |e: DecimalError| e.to_string();
        match self {
            MqttFormat::OpenDtu => {
                let text =
                    std::str::from_utf8(payload).map_err(|_| "not UTF-8 text".to_string())?;
                decimal::scaled(text, KWH).map_err(reason)
            }
            MqttFormat::Shelly => {
                let total = json_field(payload, &["aenergy", "total"])?;
                decimal::json_scaled(&total, WH).map_err(|e| format!("aenergy.total: {e}"))
            }
            MqttFormat::Tasmota => {
                let total = json_field(payload, &["ENERGY", "Total"])?;
                decimal::json_scaled(&total, KWH).map_err(|e| format!("ENERGY.Total: {e}"))
            }
        }
    }
}

fn json_field(payload: &[u8], path: &[&str]) -> Result<Value, String> {
    let mut value: Value =
        serde_json::from_slice(payload).map_err(|e| format!("not JSON ({e})"))?;
    for key in path {
        value = match value {
            Value::Object(mut map) => map.remove(*key),
            _ => None,
        }
        .ok_or_else(|| format!("no {} in the payload", path.join(".")))?;
    }
    Ok(value)
}

/// What the event loop task last saw of one topic.
#[derive(Debug, Default)]
struct TopicState {
    good: Option<(u64, Instant)>,
    /// An unreadable payload not yet reported by `read`.
    unreported: Option<String>,
}

#[derive(Debug, Default)]
struct Shared {
    topics: HashMap<String, TopicState>,
    connected: bool,
    /// Why the last connection attempt or session failed.
    connection_error: Option<String>,
}

pub struct MqttSource {
    config: MqttConfig,
    shared: Arc<Mutex<Shared>>,
    task: JoinHandle<()>,
}

impl MqttSource {
    /// Starts the client task (call within a Tokio runtime); never waits for the broker, so
    /// an agent starts (and later reads) even when the broker comes up after it.
    pub fn start(config: MqttConfig) -> anyhow::Result<Self> {
        anyhow::ensure!(!config.host.is_empty(), "mqtt: host is empty");
        let topics: Vec<String> =
            std::iter::once(&config.topic).chain(&config.consumed_topic).cloned().collect();
        for t in &topics {
            anyhow::ensure!(
                !t.is_empty() && !t.contains(['+', '#']),
                "mqtt: topic {t:?} must be one exact topic (no wildcards)"
            );
        }
        let client_id = config.client_id.clone().unwrap_or_else(|| default_client_id(&topics));
        let mut options = MqttOptions::new(client_id, config.host.clone(), config.port);
        options.set_keep_alive(Duration::from_secs(30));
        options.set_max_packet_size(MAX_PACKET, MAX_PACKET);
        if let Some(user) = &config.username {
            let password = config.password.as_ref().map_or("", Secret::expose);
            options.set_credentials(user.clone(), password);
        }
        let (client, eventloop) = AsyncClient::new(options, 16);
        let shared = Arc::new(Mutex::new(Shared {
            topics: topics.iter().map(|t| (t.clone(), TopicState::default())).collect(),
            ..Shared::default()
        }));
        let task = tokio::spawn(run(eventloop, client, topics, config.format, shared.clone()));
        Ok(Self { config, shared, task })
    }

    fn latest(&self, shared: &mut Shared, topic: &str) -> Result<u64, SourceError> {
        let broker = format!("{}:{}", self.config.host, self.config.port);
        let down = match (&shared.connected, &shared.connection_error) {
            (false, Some(e)) => Some(format!("broker {broker}: {e}")),
            _ => None,
        };
        let state = shared.topics.entry(topic.to_string()).or_default();
        if let Some(reason) = state.unreported.take() {
            return Err(SourceError::Invalid(reason));
        }
        match (state.good, down) {
            (Some((wh, at)), _) if at.elapsed() <= self.config.stale_after => Ok(wh),
            (Some((_, at)), down) => {
                let age = at.elapsed().as_secs();
                let limit = humantime::format_duration(self.config.stale_after);
                let why = down.map_or_else(String::new, |d| format!("; {d}"));
                Err(SourceError::NoValue(format!(
                    "last value on {topic} is {age}s old (stale_after {limit}){why}"
                )))
            }
            (None, Some(down)) => Err(SourceError::Unreachable(down)),
            (None, None) => {
                Err(SourceError::NoValue(format!("nothing received on {topic} from {broker} yet")))
            }
        }
    }
}

impl Drop for MqttSource {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[async_trait::async_trait]
impl MeterSource for MqttSource {
    async fn read(&mut self, _now: i64) -> Result<MeterSample, SourceError> {
        let shared = self.shared.clone();
        let mut shared = lock(&shared);
        let produced_wh = self.latest(&mut shared, &self.config.topic)?;
        let consumed_wh = match &self.config.consumed_topic {
            Some(topic) => Some(self.latest(&mut shared, topic)?),
            None => None,
        };
        Ok(MeterSample { produced_wh, consumed_wh })
    }

    fn describe(&self) -> String {
        let c = &self.config;
        let consumed = c.consumed_topic.as_deref().map_or(String::new(), |t| format!(" + {t}"));
        format!("mqtt {:?} {}{consumed} at {}:{}", c.format, c.topic, c.host, c.port)
    }
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    // A panic while holding the lock leaves plain data behind: still usable.
    shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn default_client_id(topics: &[String]) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    topics.hash(&mut h);
    // At most 23 characters, the limit MQTT 3.1.1 brokers must accept.
    format!("gm-{}-{:08x}", std::process::id(), h.finish() as u32)
}

/// The client task: polls rumqttc forever (reconnecting on the next poll after an error).
async fn run(
    mut eventloop: EventLoop,
    client: AsyncClient,
    topics: Vec<String>,
    format: MqttFormat,
    shared: Arc<Mutex<Shared>>,
) {
    let mut backoff = BACKOFF_MIN;
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                backoff = BACKOFF_MIN;
                {
                    let mut s = lock(&shared);
                    s.connected = true;
                    s.connection_error = None;
                }
                tracing::info!(topics = ?topics, "mqtt connected; subscribing");
                // A clean session forgets subscriptions: subscribe on every connection.
                for topic in &topics {
                    if let Err(e) = client.try_subscribe(topic.clone(), QoS::AtMostOnce) {
                        tracing::warn!(%topic, error = %e, "mqtt subscribe not queued");
                    }
                }
            }
            Ok(Event::Incoming(Packet::SubAck(ack))) => {
                if ack.return_codes.iter().any(|c| matches!(c, SubscribeReasonCode::Failure)) {
                    // Mosquitto 2 grants and then drops; other brokers say so: log it.
                    tracing::warn!(topics = ?topics, "mqtt broker refused a subscription");
                }
            }
            Ok(Event::Incoming(Packet::Publish(p))) => {
                let parsed = format.parse(&p.payload);
                let mut s = lock(&shared);
                let Some(state) = s.topics.get_mut(&p.topic) else { continue };
                match parsed {
                    Ok(wh) => {
                        state.good = Some((wh, Instant::now()));
                        state.unreported = None;
                    }
                    Err(reason) => {
                        let reason =
                            format!("{}: {reason}; payload {}", p.topic, snippet(&p.payload));
                        tracing::warn!(error = %reason, "mqtt payload ignored");
                        state.unreported = Some(reason);
                    }
                }
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff, "mqtt connection failed");
                {
                    let mut s = lock(&shared);
                    s.connected = false;
                    s.connection_error = Some(e.to_string());
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
    }
}

/// The start of a payload, for error messages.
fn snippet(payload: &[u8]) -> String {
    const MAX: usize = 120;
    let text = String::from_utf8_lossy(&payload[..payload.len().min(MAX)]);
    let more = if payload.len() > MAX { "…" } else { "" };
    format!("{text:?}{more}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_of_each_format_convert_exactly() {
        assert_eq!(MqttFormat::OpenDtu.parse(b"1234.567"), Ok(1_234_567));
        let shelly =
            br#"{"id":0,"apower":512.3,"aenergy":{"total":98765.432,"by_minute":[1,2,3]}}"#;
        assert_eq!(MqttFormat::Shelly.parse(shelly), Ok(98_765));
        let tasmota = br#"{"Time":"2024-05-01T12:00:00","ENERGY":{"Total":4.35,"Today":0.2}}"#;
        assert_eq!(MqttFormat::Tasmota.parse(tasmota), Ok(4_350));
    }

    #[test]
    fn unreadable_payloads_say_why() {
        assert_eq!(MqttFormat::OpenDtu.parse(b"nan"), Err("not a decimal number: \"nan\"".into()));
        assert_eq!(MqttFormat::OpenDtu.parse(&[0xff, 0x31]), Err("not UTF-8 text".into()));
        assert_eq!(
            MqttFormat::Shelly.parse(br#"{"id":0,"output":true}"#),
            Err("no aenergy.total in the payload".into())
        );
        assert!(MqttFormat::Shelly.parse(b"{").unwrap_err().starts_with("not JSON ("));
        assert_eq!(
            MqttFormat::Tasmota.parse(br#"{"ENERGY":{"Total":[1.5,2.5]}}"#),
            Err("ENERGY.Total: expected a JSON number, found an array".into())
        );
        assert_eq!(
            MqttFormat::Tasmota.parse(br#"{"ENERGY":{"Total":-1}}"#),
            Err("ENERGY.Total: negative value \"-1\" (a lifetime counter cannot be negative)"
                .into())
        );
    }

    #[test]
    fn snippets_are_bounded_and_secrets_hidden() {
        assert_eq!(snippet(b"abc"), "\"abc\"");
        assert_eq!(snippet(&[b'x'; 200]), format!("\"{}\"…", "x".repeat(120)));
        assert_eq!(format!("{:?}", Secret("hunter2".into())), "Secret(***)");
        let id = default_client_id(&["a/b".into()]);
        assert!(id.starts_with("gm-") && id.len() <= 23, "{id}");
    }
}
