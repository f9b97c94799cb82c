//! Row types and conversions between wire values and database columns.

use gridmint_protocol::crediting::{SignedReading, SignedReceipt};
use gridmint_protocol::emission::EpochClock;
use gridmint_protocol::merkle::Hash32;
use gridmint_protocol::messages::{EnergyReading, WorkReceipt};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::StoreError;

/// A verified reading ready to insert, with the columns derived from its message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReading {
    pub identity: Hash32,
    pub signed: SignedReading,
    pub node_id: u64,
    pub sequence: u64,
    pub timestamp: i64,
    /// `None` before genesis.
    pub epoch: Option<u64>,
}

impl NewReading {
    /// The row for `signed` if its message decodes; the epoch is that of its timestamp.
    pub fn new(signed: SignedReading, clock: &EpochClock) -> Option<Self> {
        let m = EnergyReading::decode(&signed.message).ok()?;
        Some(Self {
            identity: signed.identity(),
            signed,
            node_id: m.node_id,
            sequence: m.sequence,
            timestamp: m.timestamp,
            epoch: clock.epoch_at(m.timestamp).ok().flatten(),
        })
    }
}

/// A verified receipt ready to insert, with the columns derived from its message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReceipt {
    pub identity: Hash32,
    pub signed: SignedReceipt,
    pub node_id: u64,
    pub job_id: u64,
    pub requester: [u8; 32],
    pub finished_at: i64,
    /// Epoch of `finished_at` (§9.5.2); `None` before genesis.
    pub epoch: Option<u64>,
}

impl NewReceipt {
    /// The row for `signed` if its message decodes.
    pub fn new(signed: SignedReceipt, clock: &EpochClock) -> Option<Self> {
        let m = WorkReceipt::decode(&signed.message).ok()?;
        Some(Self {
            identity: signed.identity(),
            signed,
            node_id: m.node_id,
            job_id: m.job_id,
            requester: m.requester,
            finished_at: m.finished_at,
            epoch: clock.epoch_at(m.finished_at).ok().flatten(),
        })
    }
}

/// A `u64` stored in a signed 64-bit column: the same bits (two's complement).
pub fn to_db(v: u64) -> i64 {
    i64::from_le_bytes(v.to_le_bytes())
}

/// The inverse of [`to_db`].
pub fn from_db(v: i64) -> u64 {
    u64::from_le_bytes(v.to_le_bytes())
}

fn bytes<const N: usize>(row: &AnyRow, column: &str) -> Result<[u8; N], StoreError> {
    let v: Vec<u8> = row.try_get(column)?;
    v.try_into().map_err(|_| StoreError::Corrupt("column has the wrong length"))
}

pub fn reading_from_row(row: &AnyRow) -> Result<SignedReading, StoreError> {
    Ok(SignedReading {
        device_key: bytes(row, "device_key")?,
        message: bytes(row, "message")?,
        signature: bytes(row, "signature")?,
    })
}

/// A reading selected as one column, its record `device_key ‖ message ‖ signature`.
pub fn reading_from_record(row: &AnyRow) -> Result<SignedReading, StoreError> {
    let record: Vec<u8> = row.try_get(0)?;
    borsh::from_slice(&record)
        .map_err(|_| StoreError::Corrupt("reading record has the wrong length"))
}

pub fn receipt_from_row(row: &AnyRow) -> Result<SignedReceipt, StoreError> {
    Ok(SignedReceipt {
        device_key: bytes(row, "device_key")?,
        message: bytes(row, "message")?,
        device_signature: bytes(row, "device_signature")?,
        requester_signature: bytes(row, "requester_signature")?,
    })
}
