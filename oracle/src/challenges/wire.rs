//! Bodies of the challenge endpoints: answers as JSON items or binary records, attestations
//! as binary records and JSON objects.
//!
//! JSON answer (`POST /v1/challenges/answers`, `application/json`, one object or an array):
//! `{"device_key": base58 32 B, "message": base64 163 B, "signature": base58 64 B,
//! "opening": base64}`. An opening over [`MAX_OPENING_BYTES`] is a per-item `malformed`.
//!
//! Binary answer record (`application/octet-stream`, and `GET …/challenges/answers`):
//! `message[163] ‖ device_key[32] ‖ signature[64] ‖ opening_len (u32 LE) ‖ opening`,
//! concatenated. A record that is cut short or announces an opening over the maximum makes
//! the whole body malformed (records cannot be resynchronised after it).
//!
//! Binary attestation record (`GET …/challenges/attestations`), 217 bytes:
//! `message[121] ‖ oracle_key[32] ‖ signature[64]`.

use base64::Engine;
use gridmint_protocol::challenge::answer::{ChallengeAnswer, SignedAnswer};
use gridmint_protocol::challenge::attestation::{Attestation, SignedAttestation};
use gridmint_protocol::challenge::SAMPLED_ROWS;
use serde::{Deserialize, Serialize};

use crate::ingest::verify::Reject;
use crate::ingest::wire::{b58_32, b58_64, BodyError, Format, Item};

/// Largest opening: 64 sampled rows × a path of at most 20 hashes (`m ≤ 2²⁰`) × 32 bytes.
pub const MAX_OPENING_BYTES: usize = SAMPLED_ROWS * 20 * 32;
/// Fixed part of an answer record (before the opening).
pub const ANSWER_RECORD_HEAD: usize = ChallengeAnswer::LEN + 32 + 64 + 4;
/// An attestation record.
pub const ATTESTATION_RECORD: usize = Attestation::LEN + 32 + 64;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonAnswer {
    device_key: String,
    message: String,
    signature: String,
    opening: String,
}

/// An attestation as answered to the device and served as JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestationJson {
    /// Base58.
    pub oracle_key: String,
    /// Base64 (standard, padded) of the 121-byte `GMCHAT` message.
    pub message: String,
    /// Base58.
    pub signature: String,
}

impl AttestationJson {
    pub fn from_signed(a: &SignedAttestation) -> Self {
        Self {
            oracle_key: bs58::encode(a.oracle_key).into_string(),
            message: b64().encode(a.message),
            signature: bs58::encode(a.signature).into_string(),
        }
    }

    /// The signed attestation, if every field decodes to its length.
    pub fn to_signed(&self) -> Option<SignedAttestation> {
        Some(SignedAttestation {
            oracle_key: b58_32(&self.oracle_key)?,
            message: b64().decode(&self.message).ok()?.try_into().ok()?,
            signature: b58_64(&self.signature)?,
        })
    }
}

fn b64() -> base64::engine::general_purpose::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// Answers of a request body (see the module docs).
pub fn parse_answers(
    format: Format,
    body: &[u8],
    max: usize,
) -> Result<Vec<Item<SignedAnswer>>, BodyError> {
    match format {
        Format::Json => parse_json(body, max),
        Format::Binary => parse_answer_records(body, max),
    }
}

fn parse_json(body: &[u8], max: usize) -> Result<Vec<Item<SignedAnswer>>, BodyError> {
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
    let mut out = Vec::with_capacity(values.len());
    for (i, v) in values.into_iter().enumerate() {
        let j: JsonAnswer = serde_json::from_value(v)
            .map_err(|e| BodyError::Malformed(format!("item {i}: {e}")))?;
        out.push(answer_of_json(&j));
    }
    Ok(out)
}

fn answer_of_json(j: &JsonAnswer) -> Item<SignedAnswer> {
    let opening = b64().decode(&j.opening).map_err(|_| Reject::Malformed)?;
    if opening.len() > MAX_OPENING_BYTES {
        return Err(Reject::Malformed);
    }
    Ok(SignedAnswer {
        device_key: b58_32(&j.device_key).ok_or(Reject::Malformed)?,
        message: b64()
            .decode(&j.message)
            .ok()
            .and_then(|m| m.try_into().ok())
            .ok_or(Reject::Malformed)?,
        signature: b58_64(&j.signature).ok_or(Reject::Malformed)?,
        opening,
    })
}

/// Binary answer records; `max` bounds the number of records.
pub fn parse_answer_records(body: &[u8], max: usize) -> Result<Vec<Item<SignedAnswer>>, BodyError> {
    if body.is_empty() {
        return Err(BodyError::Malformed("empty body".into()));
    }
    let mut out = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        if out.len() >= max {
            return Err(BodyError::TooManyItems { items: out.len().saturating_add(1), max });
        }
        let cut = || BodyError::Malformed(format!("answer record {} is cut short", out.len()));
        let (message, r) = rest.split_first_chunk::<{ ChallengeAnswer::LEN }>().ok_or_else(cut)?;
        let (device_key, r) = r.split_first_chunk::<32>().ok_or_else(cut)?;
        let (signature, r) = r.split_first_chunk::<64>().ok_or_else(cut)?;
        let (len, r) = r.split_first_chunk::<4>().ok_or_else(cut)?;
        let len = usize::try_from(u32::from_le_bytes(*len)).unwrap_or(usize::MAX);
        if len > MAX_OPENING_BYTES {
            return Err(BodyError::Malformed(format!(
                "answer record {}: opening of {len} bytes exceeds {MAX_OPENING_BYTES}",
                out.len()
            )));
        }
        let (opening, r) = r.split_at_checked(len).ok_or_else(cut)?;
        out.push(Ok(SignedAnswer {
            device_key: *device_key,
            message: *message,
            signature: *signature,
            opening: opening.to_vec(),
        }));
        rest = r;
    }
    Ok(out)
}

/// The binary record of an answer.
pub fn answer_record(a: &SignedAnswer, out: &mut Vec<u8>) {
    out.extend_from_slice(&a.message);
    out.extend_from_slice(&a.device_key);
    out.extend_from_slice(&a.signature);
    // Openings are at most MAX_OPENING_BYTES, far below u32::MAX.
    out.extend_from_slice(&u32::try_from(a.opening.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(&a.opening);
}

/// The JSON item of an answer, as `POST /v1/challenges/answers` accepts it.
pub fn answer_json(a: &SignedAnswer) -> serde_json::Value {
    serde_json::json!({
        "device_key": bs58::encode(a.device_key).into_string(),
        "message": b64().encode(a.message),
        "signature": bs58::encode(a.signature).into_string(),
        "opening": b64().encode(&a.opening),
    })
}

/// The binary record of an attestation.
pub fn attestation_record(a: &SignedAttestation, out: &mut Vec<u8>) {
    out.extend_from_slice(&a.message);
    out.extend_from_slice(&a.oracle_key);
    out.extend_from_slice(&a.signature);
}

/// Attestation records: the body must be whole records.
pub fn parse_attestation_records(body: &[u8]) -> Result<Vec<SignedAttestation>, BodyError> {
    if !body.len().is_multiple_of(ATTESTATION_RECORD) {
        return Err(BodyError::Malformed(format!(
            "attestation body of {} bytes is not a multiple of the {ATTESTATION_RECORD}-byte \
             record",
            body.len()
        )));
    }
    body.chunks_exact(ATTESTATION_RECORD)
        .map(|r| {
            let (message, r) = r.split_first_chunk::<{ Attestation::LEN }>()?;
            let (oracle_key, r) = r.split_first_chunk::<32>()?;
            let signature = r.first_chunk::<64>()?;
            Some(SignedAttestation {
                oracle_key: *oracle_key,
                message: *message,
                signature: *signature,
            })
        })
        .map(|a| a.ok_or_else(|| BodyError::Malformed("attestation record".into())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(opening: usize) -> SignedAnswer {
        SignedAnswer {
            device_key: [1; 32],
            message: [2; ChallengeAnswer::LEN],
            signature: [3; 64],
            opening: vec![4; opening],
        }
    }

    #[test]
    fn answer_records_and_json_round_trip_and_refuse_cut_or_oversized_records() {
        let (a, b) = (answer(96), answer(0));
        let mut body = Vec::new();
        answer_record(&a, &mut body);
        answer_record(&b, &mut body);
        assert_eq!(parse_answer_records(&body, 10).expect("records"), vec![Ok(a.clone()), Ok(b)]);
        assert_eq!(
            parse_answer_records(&body, 1),
            Err(BodyError::TooManyItems { items: 2, max: 1 })
        );
        let cut = &body[..body.len() - 1];
        assert_eq!(
            parse_answer_records(cut, 10),
            Err(BodyError::Malformed("answer record 1 is cut short".into()))
        );
        let mut huge = Vec::new();
        answer_record(&answer(MAX_OPENING_BYTES + 1), &mut huge);
        assert_eq!(
            parse_answer_records(&huge, 10),
            Err(BodyError::Malformed(
                "answer record 0: opening of 40961 bytes exceeds 40960".into()
            ))
        );
        let json = serde_json::to_vec(&answer_json(&a)).expect("json");
        assert_eq!(parse_answers(Format::Json, &json, 1).expect("json"), vec![Ok(a)]);
        let json = serde_json::to_vec(&answer_json(&answer(MAX_OPENING_BYTES + 1))).expect("json");
        assert_eq!(
            parse_answers(Format::Json, &json, 1).expect("json"),
            vec![Err(Reject::Malformed)]
        );
    }

    #[test]
    fn attestation_records_and_json_round_trip() {
        let a = SignedAttestation {
            oracle_key: [5; 32],
            message: [6; Attestation::LEN],
            signature: [7; 64],
        };
        let mut body = Vec::new();
        attestation_record(&a, &mut body);
        attestation_record(&a, &mut body);
        assert_eq!(parse_attestation_records(&body).expect("records"), vec![a, a]);
        assert!(parse_attestation_records(&body[1..]).is_err());
        assert_eq!(AttestationJson::from_signed(&a).to_signed(), Some(a));
    }
}
