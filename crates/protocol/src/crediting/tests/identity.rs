//! §9.1: an input's identity ignores its signatures, so re-signing the same bytes (a fresh
//! nonce) creates no new input, and archives keep one deterministic copy.

use super::fixture::*;
use super::scenarios::energy_example;
use crate::crediting::signatures::retain_verified;
use crate::crediting::*;

/// The same bytes under another signature (what a fresh nonce gives; `credit_epoch` takes
/// signatures as checked, so flipped bytes stand for a second valid signature here).
fn resigned(r: &SignedReading) -> SignedReading {
    let mut copy = *r;
    copy.signature[0] ^= 0x55;
    copy
}

#[test]
fn resigned_reading_is_the_same_input() {
    let base = credit(&energy_example());
    let mut i = energy_example();
    let copies: Vec<SignedReading> = i.readings.iter().map(resigned).collect();
    assert_eq!(copies[2].identity(), i.readings[2].identity());
    // Half the oracles hold the originals, half the copies: one root, one vote.
    let mut other = energy_example();
    other.readings = copies.clone();
    assert_eq!(credit(&other).inputs_root, base.inputs_root);
    i.readings.extend(copies);
    let both = credit(&i);
    assert_eq!(both.considered, base.considered);
    assert_eq!(both.inputs_root, base.inputs_root);
    assert_eq!(both.nodes, base.nodes);
}

#[test]
fn resigned_receipt_is_the_same_input() {
    let mut i = energy_example();
    i.nodes[0].view.capacity.compute_units_per_hour = 1_000;
    let j = || Job {
        device: 11,
        node: 1,
        requester: 200,
        job_id: 1,
        units: 100,
        started: 20_000,
        finished: 21_000,
    };
    let r = receipt(j());
    let mut copy = r;
    copy.requester_signature[1] ^= 1;
    copy.device_signature[2] ^= 1;
    assert_eq!(copy.identity(), r.identity());
    i.receipts = vec![r, copy];
    let c = credit(&i);
    let w = &of(&c, 1).work;
    // One receipt, counted; no duplicate of itself.
    assert_eq!(w.receipts.len(), 1);
    assert_eq!((w.receipts[0].not_credited, w.sum_units), (None, 100));
    i.receipts = vec![copy];
    assert_eq!(credit(&i).inputs_root, c.inputs_root);
}

#[test]
fn archives_keep_the_smallest_valid_signature() {
    let good = reading(11, 1, 9, 18_000, 6_000, 0);
    let bad = resigned(&good);
    let other = reading(11, 1, 10, 25_000, 7_500, 0);
    // Without verification the smallest signature bytes win.
    let mut rs = vec![other, bad, good, other];
    canonical_readings(&mut rs);
    let smallest = if bad.signature < good.signature { bad } else { good };
    let mut expected = vec![smallest, other];
    expected.sort();
    assert_eq!(rs, expected);
    // At ingest only valid copies compete, and a bad copy rejects nothing that has a good one.
    let (mut rs, mut receipts) = (vec![bad, other, good], Vec::new());
    let rejected = retain_verified(&mut rs, &mut receipts);
    assert!(rejected.is_empty());
    let mut expected = vec![good, other];
    expected.sort();
    assert_eq!(rs, expected);
    let (mut rs, mut receipts) = (vec![bad], Vec::new());
    let rejected = retain_verified(&mut rs, &mut receipts);
    assert_eq!(rejected.len(), 1);
    assert_eq!((rejected[0].id, rejected[0].reason), (good.identity(), RejectReason::BadSignature));
}
