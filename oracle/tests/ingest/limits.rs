//! Whole-body answers: 400, 413, 415, 429 with Retry-After; garbage never yields a 5xx.

use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn malformed_bodies_are_400_with_a_reason() {
    let h = Harness::start(LIMITS).await;
    let good = reading_json(&signed_reading(&h.node.device, &h.reading(h.node.node_id, 1, 0)));
    let mut extra = good.clone();
    extra["extra"] = json!(1);
    let mut missing = good.clone();
    missing.as_object_mut().expect("object").remove("signature");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("application/json", b"{not json".to_vec(), "body is not JSON"),
        ("application/json", b"42".to_vec(), "object or an array"),
        ("application/json", b"[]".to_vec(), "empty batch"),
        ("application/json", serde_json::to_vec(&json!([good, 7])).expect("json"), "item 1"),
        ("application/json", serde_json::to_vec(&extra).expect("json"), "unknown field"),
        ("application/json", serde_json::to_vec(&missing).expect("json"), "missing field"),
        ("application/octet-stream", vec![0; 176], "not a non-zero multiple of the 177-byte"),
        ("application/octet-stream", vec![], "not a non-zero multiple"),
    ];
    for (content_type, body, reason) in cases {
        let r = h.post("/v1/readings", content_type, body).await;
        assert_eq!(r.status, 400, "{reason}: {}", r.json);
        let error = r.json["error"].as_str().expect("error");
        assert!(error.contains(reason), "{error} should contain {reason}");
    }
    // Receipts have their own record size.
    let r = h.post("/v1/receipts", "application/octet-stream", vec![0; 177]).await;
    assert_eq!(r.status, 400);
    assert!(r.json["error"].as_str().expect("error").contains("305-byte"));
    // Another content type.
    let r = h.post("/v1/readings", "text/plain", b"hello".to_vec()).await;
    assert_eq!(r.status, 415);
    assert_eq!(h.ingest.store.counts().await.expect("counts").readings, 0);
}

#[tokio::test]
async fn oversized_bodies_and_batches_are_413() {
    let h = Harness::start(Limits { max_body_bytes: 2_000, max_batch_items: 3, ..LIMITS }).await;
    // Over the byte limit (12 records × 177 bytes).
    let r = h.post("/v1/readings", "application/octet-stream", vec![0; 12 * 177]).await;
    assert_eq!(r.status, 413);
    // Within the byte limit but over the item limit.
    let items: Vec<_> = (1..=4)
        .map(|s| reading_record(&signed_reading(&h.node.device, &h.reading(h.node.node_id, s, 0))))
        .collect();
    let r = h.post("/v1/readings", "application/octet-stream", items.concat()).await;
    assert_eq!(r.status, 413);
    assert!(r.json["error"].as_str().expect("error").contains("4 items exceeds the limit of 3"));
    assert_eq!(h.ingest.store.counts().await.expect("counts").readings, 0);
}

#[tokio::test]
async fn rate_limit_counts_device_time_and_answers_429_with_retry_after() {
    let h = Harness::start(Limits { readings_per_minute: 2, ..LIMITS }).await;
    let key = &h.node.device;
    let id = h.node.node_id;
    // Given a backlog: one reading per device minute over an hour, flushed at once.
    let backlog: Vec<_> = (0..60)
        .map(|m| reading_record(&signed_reading(key, &h.reading(id, m + 1, m as i64 * 60))))
        .collect();
    let r = h.post("/v1/readings", "application/octet-stream", backlog.concat()).await;
    assert_eq!(r.status, 200, "a backlog is never throttled");
    assert!(r.outcomes().iter().all(|o| *o == accepted()));

    // Given three readings within one device minute, Then the third is rate limited. (The
    // minute is aligned: genesis, from the Bank's clock, is not a multiple of 60.)
    let minute = 7_200 - (h.staking.genesis_time + 7_200).rem_euclid(60);
    let burst: Vec<_> =
        (0..3).map(|i| signed_reading(key, &h.reading(id, 100 + i, minute + i as i64))).collect();
    let body: Vec<_> = burst.iter().map(reading_json).collect();
    let r = h.post_json("/v1/readings", json!(body)).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.retry_after.as_deref(), Some("60"));
    assert_eq!(r.outcomes(), [accepted(), accepted(), rejected("rate_limited")]);
    assert_eq!(r.json["results"][2]["retryable"], json!(true));

    // Resending the accepted two is not throttled (duplicates give their slot back), and
    // another device is unaffected.
    let r = h.post_json("/v1/readings", json!(body[..2])).await;
    assert_eq!((r.status, r.outcomes()), (200, vec![duplicate(), duplicate()]));

    // Given a minute with one slot left, When a batch resends its stored reading next to a
    // new one, Then the resend does not take the last slot: both fit.
    let next = minute + 60;
    let (a, b) = (
        signed_reading(key, &h.reading(id, 200, next)),
        signed_reading(key, &h.reading(id, 201, next + 1)),
    );
    let r = h.post_json("/v1/readings", reading_json(&a)).await;
    assert_eq!((r.status, r.outcomes()), (200, vec![accepted()]));
    let r = h.post_json("/v1/readings", json!([reading_json(&a), reading_json(&b)])).await;
    assert_eq!((r.status, r.outcomes()), (200, vec![duplicate(), accepted()]));
    let other = signed_reading(&h.other.device, &h.reading(h.other.node_id, 1, 7_200));
    let r = h.post_json("/v1/readings", reading_json(&other)).await;
    assert_eq!((r.status, r.outcomes()), (200, vec![accepted()]));
}

#[tokio::test]
async fn a_resend_dropped_mid_commit_gives_its_slot_back() {
    let h = Harness::start(Limits { readings_per_minute: 2, ..LIMITS }).await;
    let (key, id) = (&h.node.device, h.node.node_id);
    let minute = 7_200 - (h.staking.genesis_time + 7_200).rem_euclid(60);
    let stored = signed_reading(key, &h.reading(id, 300, minute));
    let r = h.post_json("/v1/readings", reading_json(&stored)).await;
    assert_eq!(r.outcomes(), [accepted()]);

    // Given commits held, When a resend of the stored reading is queued for its commit and
    // its request then dropped (the client went away)
    let writes = h.ingest.store.hold_writes().await;
    let ingest = std::sync::Arc::clone(&h.ingest);
    let resend = tokio::spawn(async move { ingest.readings(vec![Ok(stored)]).await });
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while h.ingest.store.queued_batches() == 0 {
        assert!(tokio::time::Instant::now() < deadline, "the resend never reached the commit");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    resend.abort();
    drop(writes);

    // Then, once its commit ran, the minute's second slot is free for a new reading.
    let new = reading_json(&signed_reading(key, &h.reading(id, 301, minute + 1)));
    loop {
        let r = h.post_json("/v1/readings", new.clone()).await;
        if r.outcomes() == [accepted()] {
            break;
        }
        assert_eq!(r.outcomes(), [rejected("rate_limited")]);
        assert!(tokio::time::Instant::now() < deadline, "the resend's slot was never given back");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn garbled_bodies_never_yield_a_server_error() {
    let h = Harness::start(LIMITS).await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x6d69_6e74);
    let good = signed_reading(&h.node.device, &h.reading(h.node.node_id, 1, 0));
    let seeds: Vec<Vec<u8>> = vec![
        reading_record(&good),
        serde_json::to_vec(&reading_json(&good)).expect("json"),
        serde_json::to_vec(&json!([reading_json(&good), reading_json(&good)])).expect("json"),
        b"{\"device_key\":\"\",\"message\":\"\",\"signature\":\"\"}".to_vec(),
    ];
    let types = [
        "application/json",
        "application/octet-stream",
        "text/plain",
        "",
        "application/json; charset=utf-8",
    ];
    for round in 0..300 {
        let mut body = seeds[round % seeds.len()].clone();
        match rng.gen_range(0..4) {
            // Flip random bytes.
            0 => {
                for _ in 0..rng.gen_range(1..8) {
                    if !body.is_empty() {
                        let i = rng.gen_range(0..body.len());
                        body[i] = rng.gen();
                    }
                }
            }
            // Truncate.
            1 => body.truncate(rng.gen_range(0..=body.len())),
            // Pure noise.
            2 => body = (0..rng.gen_range(0..600)).map(|_| rng.gen()).collect(),
            // Duplicate a slice.
            _ => {
                let cut = rng.gen_range(0..=body.len());
                let tail = body[cut..].to_vec();
                body.extend(tail);
            }
        }
        let path = if rng.gen() { "/v1/readings" } else { "/v1/receipts" };
        let content_type = types[rng.gen_range(0..types.len())];
        let r = h.post(path, content_type, body).await;
        assert!(r.status < 500, "round {round}: {} {}", r.status, r.json);
        assert!([200, 400, 413, 415].contains(&r.status), "round {round}: {}", r.status);
    }
}
