//! Request bodies: one item or a batch, as JSON or as compact binary records.
//!
//! A body whose *structure* is wrong (not JSON, an item that is not an object with exactly
//! the expected fields, a binary body that is not whole records) is answered 400 as a whole:
//! the client has a bug. A well-formed item whose *values* are wrong (bad base58/base64,
//! wrong lengths) is rejected on its own (`malformed`), so one bad item never sinks a batch.
//!
//! JSON (`application/json`): an object or an array of objects. Public keys and signatures
//! are base58, messages base64 (standard alphabet, padded):
//! - reading: `{"device_key", "message" (81 bytes), "signature"}`
//! - receipt: `{"device_key", "message" (145 bytes), "device_signature", "requester_signature"}`
//!
//! Binary (`application/octet-stream`): records concatenated with no framing; the body
//! length must be a non-zero multiple of the record size:
//! - reading, 177 bytes: `message[81] ‖ device_key[32] ‖ signature[64]`
//! - receipt, 305 bytes: `message[145] ‖ device_key[32] ‖ device_signature[64] ‖
//!   requester_signature[64]`

use base64::Engine;
use gridmint_protocol::crediting::{SignedReading, SignedReceipt};
use gridmint_protocol::messages::{EnergyReading, WorkReceipt};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::verify::Reject;

/// Binary record sizes.
pub const READING_RECORD: usize = EnergyReading::LEN + 32 + 64;
pub const RECEIPT_RECORD: usize = WorkReceipt::LEN + 32 + 64 + 64;

/// Why a whole body is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BodyError {
    /// 400, with a reason for the client.
    Malformed(String),
    /// 413: more items than `max_batch_items`.
    TooManyItems { items: usize, max: usize },
    /// 415: neither JSON nor octet-stream.
    UnsupportedMediaType,
}

/// One parsed item: the signed input, or why its values are unusable.
pub type Item<T> = Result<T, Reject>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonReading {
    device_key: String,
    message: String,
    signature: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonReceipt {
    device_key: String,
    message: String,
    device_signature: String,
    requester_signature: String,
}

/// Body format, from the `Content-Type` header (parameters such as `charset` ignored).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Binary,
}

impl Format {
    pub fn from_content_type(value: Option<&str>) -> Result<Self, BodyError> {
        let essence = value.unwrap_or("").split(';').next().unwrap_or("").trim();
        match essence.to_ascii_lowercase().as_str() {
            "application/json" => Ok(Self::Json),
            "application/octet-stream" => Ok(Self::Binary),
            _ => Err(BodyError::UnsupportedMediaType),
        }
    }
}

pub fn parse_readings(
    format: Format,
    body: &[u8],
    max: usize,
) -> Result<Vec<Item<SignedReading>>, BodyError> {
    match format {
        Format::Json => parse_json::<JsonReading, _>(body, max, |j| {
            Ok(SignedReading {
                device_key: b58_32(&j.device_key).ok_or(Reject::Malformed)?,
                message: b64_exact(&j.message).ok_or(Reject::Malformed)?,
                signature: b58_64(&j.signature).ok_or(Reject::Malformed)?,
            })
        }),
        Format::Binary => parse_binary(body, READING_RECORD, max, |r| {
            let (message, rest) = r.split_first_chunk::<{ EnergyReading::LEN }>()?;
            let (device_key, rest) = rest.split_first_chunk::<32>()?;
            let signature = rest.first_chunk::<64>()?;
            Some(SignedReading {
                device_key: *device_key,
                message: *message,
                signature: *signature,
            })
        }),
    }
}

pub fn parse_receipts(
    format: Format,
    body: &[u8],
    max: usize,
) -> Result<Vec<Item<SignedReceipt>>, BodyError> {
    match format {
        Format::Json => parse_json::<JsonReceipt, _>(body, max, |j| {
            Ok(SignedReceipt {
                device_key: b58_32(&j.device_key).ok_or(Reject::Malformed)?,
                message: b64_exact(&j.message).ok_or(Reject::Malformed)?,
                device_signature: b58_64(&j.device_signature).ok_or(Reject::Malformed)?,
                requester_signature: b58_64(&j.requester_signature).ok_or(Reject::Malformed)?,
            })
        }),
        Format::Binary => parse_binary(body, RECEIPT_RECORD, max, |r| {
            let (message, rest) = r.split_first_chunk::<{ WorkReceipt::LEN }>()?;
            let (device_key, rest) = rest.split_first_chunk::<32>()?;
            let (device_signature, rest) = rest.split_first_chunk::<64>()?;
            let requester_signature = rest.first_chunk::<64>()?;
            Some(SignedReceipt {
                device_key: *device_key,
                message: *message,
                device_signature: *device_signature,
                requester_signature: *requester_signature,
            })
        }),
    }
}

fn parse_json<J: DeserializeOwned, T>(
    body: &[u8],
    max: usize,
    convert: impl Fn(J) -> Item<T>,
) -> Result<Vec<Item<T>>, BodyError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| BodyError::Malformed(format!("body is not JSON: {e}")))?;
    let values = match value {
        serde_json::Value::Array(items) => items,
        object @ serde_json::Value::Object(_) => vec![object],
        _ => return Err(BodyError::Malformed("body must be an object or an array".into())),
    };
    if values.is_empty() {
        return Err(BodyError::Malformed("empty batch".into()));
    }
    if values.len() > max {
        return Err(BodyError::TooManyItems { items: values.len(), max });
    }
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let j: J = serde_json::from_value(v)
                .map_err(|e| BodyError::Malformed(format!("item {i}: {e}")))?;
            Ok(convert(j))
        })
        .collect()
}

fn parse_binary<T>(
    body: &[u8],
    record: usize,
    max: usize,
    convert: impl Fn(&[u8]) -> Option<T>,
) -> Result<Vec<Item<T>>, BodyError> {
    if body.is_empty() || !body.len().is_multiple_of(record) {
        return Err(BodyError::Malformed(format!(
            "binary body of {} bytes is not a non-zero multiple of the {record}-byte record",
            body.len()
        )));
    }
    let items = body.len() / record;
    if items > max {
        return Err(BodyError::TooManyItems { items, max });
    }
    // Chunks are exactly `record` long, so `convert` cannot fail; map it to malformed anyway.
    Ok(body.chunks_exact(record).map(|r| convert(r).ok_or(Reject::Malformed)).collect())
}

/// Base58 text of exactly 32 bytes.
pub fn b58_32(s: &str) -> Option<[u8; 32]> {
    bs58::decode(s).into_vec().ok()?.try_into().ok()
}

/// Base58 text of exactly 64 bytes.
pub fn b58_64(s: &str) -> Option<[u8; 64]> {
    bs58::decode(s).into_vec().ok()?.try_into().ok()
}

/// Base64 text of exactly `N` bytes.
fn b64_exact<const N: usize>(s: &str) -> Option<[u8; N]> {
    base64::engine::general_purpose::STANDARD.decode(s).ok()?.try_into().ok()
}

/// Lower-case hex (identities in answers).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The binary record of a reading (the inverse of [`parse_readings`]'s binary form).
pub fn reading_record(r: &SignedReading, out: &mut Vec<u8>) {
    out.extend_from_slice(&r.message);
    out.extend_from_slice(&r.device_key);
    out.extend_from_slice(&r.signature);
}

/// The binary record of a receipt (the inverse of [`parse_receipts`]'s binary form).
pub fn receipt_record(r: &SignedReceipt, out: &mut Vec<u8>) {
    out.extend_from_slice(&r.message);
    out.extend_from_slice(&r.device_key);
    out.extend_from_slice(&r.device_signature);
    out.extend_from_slice(&r.requester_signature);
}

/// The JSON item of a reading, as `POST /v1/readings` accepts it.
pub fn reading_json(r: &SignedReading) -> serde_json::Value {
    let b64 = base64::engine::general_purpose::STANDARD;
    serde_json::json!({
        "device_key": bs58::encode(r.device_key).into_string(),
        "message": b64.encode(r.message),
        "signature": bs58::encode(r.signature).into_string(),
    })
}

/// The JSON item of a receipt, as `POST /v1/receipts` accepts it.
pub fn receipt_json(r: &SignedReceipt) -> serde_json::Value {
    let b64 = base64::engine::general_purpose::STANDARD;
    serde_json::json!({
        "device_key": bs58::encode(r.device_key).into_string(),
        "message": b64.encode(r.message),
        "device_signature": bs58::encode(r.device_signature).into_string(),
        "requester_signature": bs58::encode(r.requester_signature).into_string(),
    })
}

#[cfg(test)]
mod record_tests {
    use super::*;

    #[test]
    fn records_and_json_items_round_trip_through_the_parsers() {
        let reading = SignedReading {
            device_key: [1; 32],
            message: [2; EnergyReading::LEN],
            signature: [3; 64],
        };
        let mut body = Vec::new();
        reading_record(&reading, &mut body);
        reading_record(&reading, &mut body);
        let parsed = parse_readings(Format::Binary, &body, 10).expect("binary");
        assert_eq!(parsed, vec![Ok(reading), Ok(reading)]);
        let json = serde_json::to_vec(&reading_json(&reading)).expect("json");
        assert_eq!(parse_readings(Format::Json, &json, 10).expect("json"), vec![Ok(reading)]);

        let receipt = SignedReceipt {
            device_key: [4; 32],
            message: [5; WorkReceipt::LEN],
            device_signature: [6; 64],
            requester_signature: [7; 64],
        };
        let mut body = Vec::new();
        receipt_record(&receipt, &mut body);
        assert_eq!(parse_receipts(Format::Binary, &body, 1).expect("binary"), vec![Ok(receipt)]);
        let json = serde_json::to_vec(&receipt_json(&receipt)).expect("json");
        assert_eq!(parse_receipts(Format::Json, &json, 1).expect("json"), vec![Ok(receipt)]);
    }
}
