//! Where a fresh journal starts.
//!
//! A journal that never signed must not start at sequence 1 if this device key signed
//! before (a lost or wiped data directory): a second reading with an old sequence and other
//! counters would be slashable equivocation. So a fresh journal first asks the oracles for
//! the last reading they hold from this key (`GET /v1/devices/{key}/last-reading`), checks
//! that this key signed it, and continues after the highest one: next sequence, timestamps
//! not before it, counters from its values. It needs at least one oracle's answer (a 404,
//! "no reading from this key", counts); until one answers it signs nothing.

use std::time::Duration;

use gridmint_protocol::ed25519::signing::verify_strict;
use gridmint_protocol::messages::EnergyReading;
use serde::Deserialize;

use crate::journal::SignerState;
use gridmint_meters::counter::CounterState;

#[derive(Debug, Deserialize)]
struct LastReading {
    message: String,
    signature: String,
}

/// One oracle's answer: the last reading from `device_key` it holds (`None`: none).
pub async fn last_reading(
    http: &reqwest::Client,
    oracle: &str,
    device_key: &[u8; 32],
) -> Result<Option<EnergyReading>, String> {
    let key = bs58::encode(device_key).into_string();
    let url = format!("{}/v1/devices/{key}/last-reading", oracle.trim_end_matches('/'));
    let response = http.get(&url).send().await.map_err(|e| format!("GET {url}: {e}"))?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| format!("GET {url}: {e}"))?;
    if status == reqwest::StatusCode::NOT_FOUND {
        return Ok(None);
    }
    if !status.is_success() {
        return Err(format!("GET {url}: {status}"));
    }
    let last: LastReading =
        serde_json::from_slice(&body).map_err(|e| format!("GET {url}: unreadable answer: {e}"))?;
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let message = b64.decode(&last.message).map_err(|_| format!("GET {url}: bad message"))?;
    let signature: [u8; 64] = bs58::decode(&last.signature)
        .into_vec()
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| format!("GET {url}: bad signature encoding"))?;
    // Only a reading this key really signed may move our sequence.
    verify_strict(device_key, &message, &signature)
        .map_err(|_| format!("GET {url}: the reading is not signed by this device key"))?;
    let reading = EnergyReading::decode(&message).map_err(|e| format!("GET {url}: {e}"))?;
    Ok(Some(reading))
}

/// The state a fresh journal adopts from the oracles' answers (`None`: no oracle answered).
pub fn adopt(answers: &[Result<Option<EnergyReading>, String>]) -> Option<SignerState> {
    let mut any = false;
    let mut state = SignerState::default();
    for answer in answers {
        let Ok(reading) = answer else { continue };
        any = true;
        let Some(r) = reading else { continue };
        if r.sequence >= state.last_sequence {
            state.last_sequence = r.sequence;
            state.last_timestamp = state.last_timestamp.max(r.timestamp);
            state.counter = CounterState {
                produced_wh: r.produced_wh.max(state.counter.produced_wh),
                consumed_wh: r.consumed_wh.max(state.counter.consumed_wh),
                ..CounterState::default()
            };
        }
    }
    any.then_some(state)
}

/// Asks every oracle concurrently, each within `timeout`; answers in `oracles` order.
pub async fn ask_all(
    http: &reqwest::Client,
    oracles: &[String],
    device_key: [u8; 32],
    timeout: Duration,
) -> Vec<Result<Option<EnergyReading>, String>> {
    let mut tasks = tokio::task::JoinSet::new();
    for (index, oracle) in oracles.iter().enumerate() {
        let (http, oracle) = (http.clone(), oracle.clone());
        tasks.spawn(async move {
            let answer = tokio::time::timeout(timeout, last_reading(&http, &oracle, &device_key))
                .await
                .unwrap_or_else(|_| Err(format!("{oracle}: no answer within {timeout:?}")));
            (index, answer)
        });
    }
    let mut answers: Vec<_> = (0..oracles.len()).map(|_| Err("not asked".to_string())).collect();
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, answer)) = joined {
            if let Some(slot) = answers.get_mut(index) {
                *slot = answer;
            }
        }
    }
    answers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(sequence: u64, timestamp: i64, produced: u64) -> EnergyReading {
        EnergyReading {
            deployment: [0; 32],
            node_id: 1,
            sequence,
            timestamp,
            produced_wh: produced,
            consumed_wh: 0,
        }
    }

    #[test]
    fn continues_after_the_highest_reading_any_oracle_holds() {
        let answers = vec![
            Ok(Some(reading(7, 700, 70))),
            Err("down".to_string()),
            Ok(Some(reading(9, 900, 95))),
            Ok(None),
        ];
        let s = adopt(&answers).expect("answered");
        assert_eq!((s.last_sequence, s.last_timestamp, s.counter.produced_wh), (9, 900, 95));
        assert_eq!(s.counter.raw_produced, None, "the next sample is a baseline");
    }

    #[test]
    fn a_new_key_starts_at_zero_and_silence_is_not_an_answer() {
        assert_eq!(adopt(&[Ok(None), Err("x".into())]), Some(SignerState::default()));
        assert_eq!(adopt(&[Err("x".into()), Err("y".into())]), None);
        assert_eq!(adopt(&[]), None);
    }
}
