//! A SunSpec inverter (models 101–103) or meter (models 201–204) over Modbus TCP.
//!
//! Discovery as the SunSpec spec (and sunspec/pysunspec2) does it: the 'SunS' marker
//! (0x5375 0x6E53) in the holding registers at 40000, else 0, else 50000; then the chain of
//! models (ID, L, L registers of body) from just after the marker to the end marker 0xFFFF,
//! stopping at the first model 101–103 / 201–204 (or the configured `model`).
//!
//! Register offsets, from the model's ID register (sunspec/models `json/model_10x.json`,
//! `json/model_20x.json`, recounted from their point sizes):
//! - 101, 102, 103: `WH` acc32 at 24–25, `WH_SF` sunssf at 26;
//! - 201, 202, 203, 204: `TotWhExp` acc32 at 38–39, `TotWhImp` acc32 at 46–47, `TotWh_SF` at 54.
//!
//! Wh = raw × 10^SF in integers (a negative SF floors). SunSpec's "not implemented" values
//! (sunspec/pysunspec2 `sunspec2/mb.py`): 0 for acc32, 0x8000 for sunssf; both are
//! [`SourceError::Invalid`], except an unimplemented import counter, which is just absent.
//! Any error drops the connection and the discovered layout: the next read reconnects and
//! rediscovers (dongles come back from a firmware update with a new map, or not at all).

use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;
use tokio_modbus::client::{tcp, Context, Reader};
use tokio_modbus::{ExceptionCode, Slave};

use crate::source::{duration, MeterSample, MeterSource, SourceError};

/// Where the 'SunS' marker may be, in the order the spec says to try.
pub const BASES: [u16; 3] = [40_000, 0, 50_000];
const SUNS: [u16; 2] = [0x5375, 0x6E53];
const END: u16 = 0xFFFF;
/// A real map has a dozen models; more means a broken chain.
const MAX_MODELS: usize = 64;
/// Offsets from a model's ID register.
const INVERTER_WH: u16 = 24;
const METER_TOT_WH_EXP: u16 = 38;
/// Registers from `TotWhExp` to `TotWh_SF` inclusive (offsets 38..=54).
const METER_SPAN: u16 = 17;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SunSpecConfig {
    /// `host:port` of the Modbus TCP device or gateway (port usually 502).
    pub address: String,
    /// Modbus unit id (slave id) behind the address.
    #[serde(default = "default_unit_id")]
    pub unit_id: u8,
    /// Read this model (101–103, 201–204) instead of the first supported one.
    #[serde(default)]
    pub model: Option<u16>,
    /// For each connection attempt and each request.
    #[serde(default = "default_timeout", deserialize_with = "duration")]
    pub timeout: Duration,
    /// Meters only: which counter is production. `exported` (default) for a meter on the
    /// generator's feed counting towards the grid; `imported` for one installed the other
    /// way round. The other counter is the consumption.
    #[serde(default)]
    pub produced: Direction,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    #[default]
    Exported,
    Imported,
}

fn default_unit_id() -> u8 {
    1
}

fn default_timeout() -> Duration {
    Duration::from_secs(5)
}

fn supported(model: u16) -> bool {
    matches!(model, 101..=103 | 201..=204)
}

/// A discovered model: its id and the address of its ID register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Layout {
    model: u16,
    start: u16,
}

pub struct SunSpecSource {
    config: SunSpecConfig,
    ctx: Option<Context>,
    layout: Option<Layout>,
}

impl SunSpecSource {
    /// Checks the config; connects on the first read.
    pub fn new(config: SunSpecConfig) -> anyhow::Result<Self> {
        if let Some(m) = config.model {
            anyhow::ensure!(supported(m), "sunspec: model {m} is not one of 101–103, 201–204");
        }
        anyhow::ensure!(!config.timeout.is_zero(), "sunspec: timeout must be positive");
        let port = config.address.rsplit_once(':').and_then(|(_, p)| p.parse::<u16>().ok());
        anyhow::ensure!(
            port.is_some(),
            "sunspec: address {:?} must be host:port (Modbus TCP is usually port 502)",
            config.address
        );
        Ok(Self { config, ctx: None, layout: None })
    }

    async fn try_read(&mut self) -> Result<MeterSample, SourceError> {
        let mut ctx = match self.ctx.take() {
            Some(ctx) => ctx,
            None => connect(&self.config).await?,
        };
        let mut bus = Bus { ctx: &mut ctx, timeout: self.config.timeout };
        let layout = match self.layout {
            Some(layout) => layout,
            None => {
                let layout = discover(&mut bus, self.config.model).await?;
                tracing::info!(
                    model = layout.model,
                    register = layout.start,
                    "sunspec model found"
                );
                layout
            }
        };
        let sample = read_sample(&mut bus, layout, self.config.produced).await?;
        // Only a fully successful read keeps the connection and the layout.
        self.ctx = Some(ctx);
        self.layout = Some(layout);
        Ok(sample)
    }
}

#[async_trait::async_trait]
impl MeterSource for SunSpecSource {
    async fn read(&mut self, _now: i64) -> Result<MeterSample, SourceError> {
        let result = self.try_read().await;
        if result.is_err() {
            self.ctx = None;
            self.layout = None;
        }
        result
    }

    fn describe(&self) -> String {
        let c = &self.config;
        let model = self.layout.map_or(String::new(), |l| format!(", model {}", l.model));
        format!("sunspec {} unit {}{model}", c.address, c.unit_id)
    }
}

/// Connects within the timeout (a free function: `Context` is not `Sync`, so the source
/// cannot be borrowed across an await).
async fn connect(config: &SunSpecConfig) -> Result<Context, SourceError> {
    let address = &config.address;
    let unreachable = |e: String| SourceError::Unreachable(format!("{address}: {e}"));
    let attempt = async {
        let addr: SocketAddr = tokio::net::lookup_host(address.as_str())
            .await
            .map_err(|e| unreachable(e.to_string()))?
            .next()
            .ok_or_else(|| unreachable("no address".into()))?;
        tcp::connect_slave(addr, Slave(config.unit_id))
            .await
            .map_err(|e| unreachable(e.to_string()))
    };
    tokio::time::timeout(config.timeout, attempt)
        .await
        .map_err(|_| unreachable(format!("connect timed out after {:?}", config.timeout)))?
}

/// One Modbus connection with the per-request timeout.
struct Bus<'a> {
    ctx: &'a mut Context,
    timeout: Duration,
}

impl Bus<'_> {
    /// Holding registers, or the device's exception; transport failures are errors.
    async fn holding(
        &mut self,
        addr: u16,
        count: u16,
    ) -> Result<Result<Vec<u16>, ExceptionCode>, SourceError> {
        let answer =
            tokio::time::timeout(self.timeout, self.ctx.read_holding_registers(addr, count))
                .await
                .map_err(|_| {
                    SourceError::Unreachable(format!(
                        "reading register {addr} timed out after {:?}",
                        self.timeout
                    ))
                })?;
        match answer {
            Ok(Ok(words)) if words.len() == usize::from(count) => Ok(Ok(words)),
            Ok(Ok(words)) => Err(SourceError::Invalid(format!(
                "asked {count} registers at {addr}, got {}",
                words.len()
            ))),
            Ok(Err(code)) => Ok(Err(code)),
            Err(tokio_modbus::Error::Transport(e)) => {
                Err(SourceError::Unreachable(format!("reading register {addr}: {e}")))
            }
            Err(e) => Err(SourceError::Invalid(format!("reading register {addr}: {e}"))),
        }
    }

    /// Holding registers that must exist.
    async fn require(&mut self, addr: u16, count: u16) -> Result<Vec<u16>, SourceError> {
        self.holding(addr, count).await?.map_err(|code| {
            SourceError::Invalid(format!(
                "device answered {code:?} for {count} registers at {addr}"
            ))
        })
    }
}

async fn discover(bus: &mut Bus<'_>, wanted: Option<u16>) -> Result<Layout, SourceError> {
    let (mut base, mut answers) = (None, Vec::new());
    for b in BASES {
        // An exception here just means "not at this base"; kept for the error message.
        match bus.holding(b, 2).await? {
            Ok(words) if words == SUNS => {
                base = Some(b);
                break;
            }
            Ok(words) => answers.push(format!("{b}: {:#06x} {:#06x}", words[0], words[1])),
            Err(code) => answers.push(format!("{b}: {code:?}")),
        }
    }
    let base = base.ok_or_else(|| {
        SourceError::Invalid(format!(
            "no SunSpec marker 'SunS' (0x5375 0x6E53) at holding register 40000, 0 or 50000 ({})",
            answers.join(", ")
        ))
    })?;
    let broken =
        |at: u16| SourceError::Invalid(format!("SunSpec model chain runs past register {at}"));
    let mut addr = base.checked_add(2).ok_or_else(|| broken(base))?;
    let mut seen = Vec::new();
    for _ in 0..MAX_MODELS {
        let header = bus.require(addr, 2).await?;
        let (id, len) = (header[0], header[1]);
        if id == END {
            let looked_for = wanted.map_or("101–103 or 201–204".into(), |m| m.to_string());
            return Err(SourceError::Invalid(format!(
                "no SunSpec model {looked_for} on the device (models: {seen:?})"
            )));
        }
        if wanted.map_or(supported(id), |m| m == id) {
            let needed = if id < 200 { INVERTER_WH + 3 } else { METER_TOT_WH_EXP + METER_SPAN };
            if addr.checked_add(needed).is_none() {
                return Err(broken(addr));
            }
            // `len` counts the registers after ID and L.
            if u32::from(len) + 2 < u32::from(needed) {
                return Err(SourceError::Invalid(format!(
                    "SunSpec model {id} at register {addr} has length {len}, too short for its energy counters"
                )));
            }
            return Ok(Layout { model: id, start: addr });
        }
        seen.push(id);
        addr = addr.checked_add(2).and_then(|a| a.checked_add(len)).ok_or_else(|| broken(addr))?;
    }
    Err(SourceError::Invalid(format!("SunSpec model chain longer than {MAX_MODELS} models")))
}

async fn read_sample(
    bus: &mut Bus<'_>,
    layout: Layout,
    produced: Direction,
) -> Result<MeterSample, SourceError> {
    let at = |offset: u16| layout.start + offset; // in range: checked against L in discovery
    if layout.model < 200 {
        let w = bus.require(at(INVERTER_WH), 3).await?;
        let wh = energy(acc32(w[0], w[1]), w[2], "WH")?;
        let produced_wh = wh.ok_or_else(|| not_implemented("WH"))?;
        return Ok(MeterSample { produced_wh, consumed_wh: None });
    }
    let w = bus.require(at(METER_TOT_WH_EXP), METER_SPAN).await?;
    let sf = w[16];
    let exported = energy(acc32(w[0], w[1]), sf, "TotWhExp")?;
    let imported = energy(acc32(w[8], w[9]), sf, "TotWhImp")?;
    let ((prod, prod_name), consumed_wh) = match produced {
        Direction::Exported => ((exported, "TotWhExp"), imported),
        Direction::Imported => ((imported, "TotWhImp"), exported),
    };
    Ok(MeterSample { produced_wh: prod.ok_or_else(|| not_implemented(prod_name))?, consumed_wh })
}

fn acc32(high: u16, low: u16) -> u32 {
    (u32::from(high) << 16) | u32::from(low)
}

fn not_implemented(point: &str) -> SourceError {
    SourceError::Invalid(format!("{point} is 0, SunSpec's 'not implemented' value for acc32"))
}

/// `raw × 10^sf` Wh, exactly; `None` when the accumulator reads 0 (not implemented).
pub fn energy(raw: u32, sf: u16, point: &str) -> Result<Option<u64>, SourceError> {
    let sf = sf as i16; // sunssf is a signed 16-bit register
    if sf == i16::MIN {
        return Err(SourceError::Invalid(format!(
            "{point} scale factor is 0x8000, SunSpec's 'not implemented' value"
        )));
    }
    if !(-10..=10).contains(&sf) {
        return Err(SourceError::Invalid(format!("{point} scale factor {sf} is outside -10..=10")));
    }
    if raw == 0 {
        return Ok(None);
    }
    let factor = 10u64.pow(u32::from(sf.unsigned_abs()));
    let wh = if sf >= 0 {
        u64::from(raw).checked_mul(factor).ok_or_else(|| {
            SourceError::Invalid(format!("{point} {raw} × 10^{sf} overflows a 64-bit Wh counter"))
        })?
    } else {
        u64::from(raw) / factor
    };
    Ok(Some(wh))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: u32, sf: i16) -> Option<u64> {
        energy(raw, sf as u16, "WH").unwrap()
    }

    fn err(raw: u32, sf: i16) -> String {
        energy(raw, sf as u16, "WH").unwrap_err().to_string()
    }

    #[test]
    fn scale_factors_apply_exactly_and_negative_ones_floor() {
        assert_eq!(ok(123_456, 0), Some(123_456));
        assert_eq!(ok(123_456, 3), Some(123_456_000));
        assert_eq!(ok(123_456, -1), Some(12_345));
        assert_eq!(ok(123_459, -2), Some(1_234));
        assert_eq!(ok(9, -1), Some(0));
        assert_eq!(ok(u32::MAX, -10), Some(0));
        assert_eq!(ok(u32::MAX, 9), Some(u64::from(u32::MAX) * 1_000_000_000));
        assert_eq!(ok(1, 10), Some(10_000_000_000));
    }

    #[test]
    fn unimplemented_and_out_of_range_values_are_invalid() {
        assert_eq!(ok(0, 0), None);
        assert_eq!(
            err(5, i16::MIN),
            "unreadable value: WH scale factor is 0x8000, SunSpec's 'not implemented' value"
        );
        assert_eq!(err(5, 11), "unreadable value: WH scale factor 11 is outside -10..=10");
        assert_eq!(err(5, -11), "unreadable value: WH scale factor -11 is outside -10..=10");
        assert_eq!(
            err(u32::MAX, 10),
            "unreadable value: WH 4294967295 × 10^10 overflows a 64-bit Wh counter"
        );
    }

    #[test]
    fn acc32_is_high_word_first() {
        assert_eq!(acc32(0x0001, 0xE240), 123_456);
        assert_eq!(acc32(0xFFFF, 0xFFFF), u32::MAX);
    }
}
