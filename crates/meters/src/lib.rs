//! Meter sources for the GridMint agent, and the rule that turns a meter's own lifetime
//! counters into signed counters that never decrease.
//!
//! - [`source`]: the [`MeterSource`] trait, the `[source]` config and [`open`];
//! - [`simulated`]: a deterministic solar and load profile (demos, tests);
//! - [`mqtt`]: OpenDTU, Shelly and Tasmota gateways over MQTT;
//! - [`sunspec`]: SunSpec inverters and meters over Modbus TCP;
//! - [`decimal`]: exact decimal text → Wh, for the MQTT payloads;
//! - [`counter`]: meter counters → signed counters (resets, restored lifetime values).

pub mod counter;
pub mod decimal;
pub mod mqtt;
pub mod simulated;
pub mod source;
pub mod sunspec;

pub use source::{open, MeterSample, MeterSource, SourceConfig, SourceError};
