//! Meter sources: where the agent reads a meter's lifetime counters.
//!
//! Every source answers the meter's own counters (cumulative Wh as the device reports
//! them); turning them into the signed counters, which never decrease, is
//! [`crate::counter`]'s job, so a meter restart or a firmware update that zeroes a counter
//! never becomes a regression in a signed reading.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

use crate::{mqtt, simulated, sunspec};

/// One reading of a meter's lifetime counters, in whole Wh (fractions are floored, so a
/// counter is never overstated).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeterSample {
    /// Clean energy produced.
    pub produced_wh: u64,
    /// Energy the node consumed (hybrid nodes); `None` when the source does not measure it.
    pub consumed_wh: Option<u64>,
}

/// Why a source could not be read this time. The agent skips the tick (no reading is
/// signed) and tries again at the next one.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Nothing received yet, or the last value is older than the staleness limit.
    #[error("no recent value: {0}")]
    NoValue(String),
    /// The device answered something we cannot interpret.
    #[error("unreadable value: {0}")]
    Invalid(String),
    /// Transport failure (connection refused, timeout, broker gone).
    #[error("unreachable: {0}")]
    Unreachable(String),
}

/// A meter the agent reads once per interval.
#[async_trait::async_trait]
pub trait MeterSource: Send {
    /// The meter's lifetime counters now; `now` is the agent's Unix time in seconds.
    async fn read(&mut self, now: i64) -> Result<MeterSample, SourceError>;
    /// A short description for logs and `status`.
    fn describe(&self) -> String;
}

/// `[source]` in the config, by `kind`.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SourceConfig {
    /// A deterministic solar and load profile from a seed (demos and tests).
    Simulated(simulated::SimulatedConfig),
    /// A gateway publishing the meter's counter over MQTT (OpenDTU, Shelly, Tasmota).
    Mqtt(mqtt::MqttConfig),
    /// A SunSpec inverter or meter over Modbus TCP.
    Sunspec(sunspec::SunSpecConfig),
    /// No meter: compute-only nodes sign no energy readings.
    None,
}

/// Builds the configured source (connecting where it needs to).
pub async fn open(config: &SourceConfig) -> anyhow::Result<Option<Box<dyn MeterSource>>> {
    Ok(match config {
        SourceConfig::Simulated(c) => Some(Box::new(simulated::Simulated::new(c.clone()))),
        SourceConfig::Mqtt(c) => Some(Box::new(mqtt::MqttSource::start(c.clone())?)),
        SourceConfig::Sunspec(c) => Some(Box::new(sunspec::SunSpecSource::new(c.clone())?)),
        SourceConfig::None => None,
    })
}

/// How long a source may take to answer before the tick is skipped.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serde helper: a duration in human form (`"15m"`, `"500ms"`).
pub(crate) fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    humantime::parse_duration(&text).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mqtt::{MqttFormat, Secret};
    use crate::sunspec::Direction;

    #[derive(Debug, Deserialize)]
    struct Agent {
        source: SourceConfig,
    }

    fn parse(text: &str) -> Result<SourceConfig, String> {
        toml::from_str::<Agent>(text).map(|a| a.source).map_err(|e| e.to_string())
    }

    #[test]
    fn mqtt_config_with_defaults() {
        let c = parse(
            "[source]\nkind = \"mqtt\"\nhost = \"10.0.0.5\"\nformat = \"opendtu\"\n\
             topic = \"solar/116491234567/0/yieldtotal\"\n",
        );
        let Ok(SourceConfig::Mqtt(c)) = c else { panic!("{c:?}") };
        assert_eq!((c.host.as_str(), c.port, c.format), ("10.0.0.5", 1883, MqttFormat::OpenDtu));
        assert_eq!(c.topic, "solar/116491234567/0/yieldtotal");
        assert_eq!(
            (c.client_id, c.username, c.password, c.consumed_topic),
            (None, None, None, None)
        );
        assert_eq!(c.stale_after, Duration::from_secs(900));
    }

    #[test]
    fn mqtt_config_with_every_field() {
        let c = parse(
            r#"
            [source]
            kind = "mqtt"
            host = "broker.lan"
            port = 8883
            client_id = "node-7"
            username = "agent"
            password = 123456
            format = "tasmota"
            topic = "tele/pv/SENSOR"
            consumed_topic = "tele/house/SENSOR"
            stale_after = "90s"
            "#,
        );
        let Ok(SourceConfig::Mqtt(c)) = c else { panic!("{c:?}") };
        assert_eq!(
            (c.port, c.format, c.client_id.as_deref()),
            (8883, MqttFormat::Tasmota, Some("node-7"))
        );
        assert_eq!(c.username.as_deref(), Some("agent"));
        assert_eq!(c.password.as_ref().map(Secret::expose), Some("123456"));
        assert_eq!(c.consumed_topic.as_deref(), Some("tele/house/SENSOR"));
        assert_eq!(c.stale_after, Duration::from_secs(90));
        assert!(!format!("{c:?}").contains("123456"), "password printed");
        let shelly = parse("[source]\nkind=\"mqtt\"\nhost=\"h\"\nformat=\"shelly\"\ntopic=\"t\"");
        assert!(matches!(shelly, Ok(SourceConfig::Mqtt(c)) if c.format == MqttFormat::Shelly));
    }

    #[test]
    fn mqtt_config_errors_name_the_problem() {
        let base = "[source]\nkind = \"mqtt\"\nhost = \"h\"\ntopic = \"t\"\n";
        let e = parse(&format!("{base}format = \"victron\"")).unwrap_err();
        assert!(
            e.contains("unknown variant `victron`, expected one of `opendtu`, `shelly`, `tasmota`"),
            "{e}"
        );
        let e = parse(&format!("{base}format = \"shelly\"\nstale_after = \"soon\"")).unwrap_err();
        assert!(e.contains("expected number at 0"), "{e}");
        let e = parse(&format!("{base}format = \"shelly\"\nqos = 1")).unwrap_err();
        assert!(e.contains("unknown field `qos`"), "{e}");
        let e = parse("[source]\nkind = \"mqtt\"\nhost = \"h\"\nformat = \"shelly\"").unwrap_err();
        assert!(e.contains("missing field `topic`"), "{e}");
    }

    #[test]
    fn sunspec_config_with_defaults_and_every_field() {
        let c = parse("[source]\nkind = \"sunspec\"\naddress = \"192.168.1.50:502\"\n");
        let Ok(SourceConfig::Sunspec(c)) = c else { panic!("{c:?}") };
        assert_eq!((c.address.as_str(), c.unit_id, c.model), ("192.168.1.50:502", 1, None));
        assert_eq!((c.timeout, c.produced), (Duration::from_secs(5), Direction::Exported));
        let c = parse(
            r#"
            [source]
            kind = "sunspec"
            address = "meter.lan:1502"
            unit_id = 126
            model = 203
            timeout = "1500ms"
            produced = "imported"
            "#,
        );
        let Ok(SourceConfig::Sunspec(c)) = c else { panic!("{c:?}") };
        assert_eq!((c.unit_id, c.model, c.produced), (126, Some(203), Direction::Imported));
        assert_eq!(c.timeout, Duration::from_millis(1_500));
    }

    #[tokio::test]
    async fn sunspec_config_errors_name_the_problem() {
        let base = "[source]\nkind = \"sunspec\"\naddress = \"h:502\"\n";
        let e = parse(&format!("{base}produced = \"both\"")).unwrap_err();
        assert!(e.contains("unknown variant `both`, expected `exported` or `imported`"), "{e}");
        let e = parse(&format!("{base}unit_id = 300")).unwrap_err();
        assert!(e.contains("300"), "{e}");
        let Ok(config) = parse(&format!("{base}model = 160")) else { panic!() };
        let e = open(&config).await.err().map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("sunspec: model 160 is not one of 101–103, 201–204"));
        let Ok(config) = parse("[source]\nkind = \"sunspec\"\naddress = \"10.0.0.9\"") else {
            panic!()
        };
        let e = open(&config).await.err().map(|e| e.to_string());
        let expected =
            "sunspec: address \"10.0.0.9\" must be host:port (Modbus TCP is usually port 502)";
        assert_eq!(e.as_deref(), Some(expected));
        let Ok(config) = parse(&format!("{base}timeout = \"0s\"")) else { panic!() };
        let e = open(&config).await.err().map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("sunspec: timeout must be positive"));
    }

    #[tokio::test]
    async fn mqtt_topics_must_be_exact() {
        let c =
            "[source]\nkind=\"mqtt\"\nhost=\"h\"\nformat=\"shelly\"\ntopic=\"shellies/+/status\"";
        let config = parse(c).unwrap();
        let e = open(&config).await.err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("mqtt: topic \"shellies/+/status\" must be one exact topic (no wildcards)")
        );
    }
}
