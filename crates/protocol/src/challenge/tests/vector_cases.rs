//! The inputs of the golden vectors in `docs/vectors/challenge.json` (the expected values
//! are computed by `vectors.rs`). Verdict cases use 30 units/h: `8 × 32` by `32 × 32`.

use serde_json::{json, Value};

use super::vectors::{deployment, oracle_keys, verdicts};
use super::world::*;
use crate::challenge::answer::prove;
use crate::challenge::beacon::Challenge;
use crate::challenge::matrix::KernelSize;
use crate::crediting::tests::fixture::DEPLOYMENT;

const UNITS_V: u64 = 30;

fn sizes() -> Value {
    json!({ "name": "sizes", "kind": "sizes",
            "description": "kernel size from (compute_units_per_hour, target_seconds): d the largest power of two with d³ ≤ W, clamped to [32, 4096]; m = ⌊W/d²⌋ clamped to [1, 2²⁰]",
            "capacities": [[30, 1], [236, 1], [1, 1], [3_865_470, 1], [3_865_471, 1], [3_600_000, 60], [3_600_000_000u64, 60], [u64::MAX, 600]] })
}

fn beacons() -> Value {
    json!({ "name": "beacons", "kind": "beacons",
            "description": "epoch 1 of G = 0, L = 14,400 with N = 4, R = 2: windows, crank outcomes (early, zero slot, ok, twice, late, ok), the account bytes and the schedule of three nodes (the third without compute capacity)",
            "deployment": deployment(), "genesis_time": 0, "epoch_seconds": 14_400, "epoch": 1,
            "params": { "beacons_per_epoch": 4, "challenges_per_epoch": 2, "target_seconds": 1, "grace_seconds": 29 },
            "cranks": [
                { "index": 0, "now": 14_399, "slot": 900, "hash": "11".repeat(32) },
                { "index": 0, "now": 14_400, "slot": 0, "hash": "11".repeat(32) },
                { "index": 0, "now": 14_405, "slot": 1_000, "hash": "01".repeat(32) },
                { "index": 0, "now": 14_406, "slot": 1_001, "hash": "02".repeat(32) },
                { "index": 1, "now": 19_800, "slot": 1_500, "hash": "03".repeat(32) },
                { "index": 2, "now": 21_605, "slot": 2_000, "hash": "04".repeat(32) },
                { "index": 3, "now": 25_205, "slot": 2_500, "hash": "05".repeat(32) }
            ],
            "nodes": [
                { "node": "01".repeat(32), "node_id": 1, "units": UNITS_V },
                { "node": "02".repeat(32), "node_id": 2, "units": 236 },
                { "node": "03".repeat(32), "node_id": 3, "units": 0 }
            ] })
}

fn kernel() -> Value {
    json!({ "name": "kernel", "kind": "kernel",
            "description": "a 5 × 32 by 32 × 32 challenge: A, B and C, row leaves, root (odd leaf promoted), the 64 sampled rows, the opening and the 163-byte answer",
            "seed": "13".repeat(32), "rows": 5, "cols": 32, "deployment": deployment(),
            "node_id": 1, "epoch": 1, "beacon_index": 2 })
}

fn answered(
    c: &Challenge,
    device: u8,
    delays: [i64; 3],
) -> (super::super::answer::SignedAnswer, Vec<super::super::attestation::SignedAttestation>) {
    let a = honest(device, c);
    let atts = all_attest(c, &a, delays);
    (a, atts)
}

fn honest_case() -> Value {
    let mut answers = Vec::new();
    let mut atts = Vec::new();
    for (n, device) in [(1, DEVICE_1), (2, DEVICE_2)] {
        for c in challenges_with(n, UNITS_V) {
            let (a, x) = answered(&c, device, [2, 3, 4]);
            answers.push(a);
            atts.extend(x);
        }
    }
    verdicts("honest", "every challenge answered by the node's key and received by all three oracles in time: all pass, work unchanged", UNITS_V, &evidence(answers, atts))
}

fn mixed_case() -> Value {
    let (one, two) = (challenges_with(1, UNITS_V), challenges_with(2, UNITS_V));
    let (pass, mut atts) = answered(&one[0], DEVICE_1, [1, 2, 3]);
    let (late, x) = answered(&one[1], DEVICE_1, [10, 30, 31]);
    atts.extend(x);
    let wrong = wrong_product(DEVICE_2, &two[0]);
    atts.extend(all_attest(&two[0], &wrong, [1, 1, 1]));
    let void = honest(DEVICE_2, &two[1]);
    atts.push(attest(ORACLES[0], &two[1], Some(&void), two[1].issued_at + 1));
    atts.push(attest(150, &two[1], Some(&void), two[1].issued_at + 1));
    let old = crate::challenge::beacon::schedule(
        &DEPLOYMENT,
        &super::world::beacons(0),
        &[1; 32],
        1,
        UNITS_V,
    )[0];
    let replay = honest(DEVICE_1, &old);
    let other_key = honest(DEVICE_2, &one[1]);
    verdicts("mixed", "node 1: pass, late (one oracle in time of threshold 2); node 2: wrong product, void (one oracle up, one outsider); rejected: a replay of epoch 0, node 1's answer signed by node 2's key, the outsider's attestation", UNITS_V,
        &evidence(vec![pass, late, wrong, void, replay, other_key], atts))
}

fn size_case() -> Value {
    let (one, two) = (challenges_with(1, UNITS_V), challenges_with(2, UNITS_V));
    let size = KernelSize { rows: 9, cols: 32 };
    let (answer, opening) = prove(&DEPLOYMENT, &Challenge { size, ..one[0] });
    let wrong_size = sign_answer(DEVICE_1, &answer, opening);
    let mut atts = all_attest(&one[0], &wrong_size, [1, 1, 1]);
    atts.extend(ORACLES.map(|o| attest(o, &one[1], None, one[1].deadline)));
    let (a, b) = (honest(DEVICE_2, &two[0]), wrong_product(DEVICE_2, &two[0]));
    atts.extend(all_attest(&two[0], &a, [1, 1, 1]));
    atts.extend(all_attest(&two[0], &b, [1, 1, 1]));
    let (c, x) = answered(&two[1], DEVICE_2, [5, 5, 5]);
    atts.extend(x);
    let mut forged = c.clone();
    forged.signature[0] ^= 1;
    forged.message[100] ^= 1;
    verdicts("size_silence_equivocation", "node 1: a 9-row product (wrong size), no answer with every oracle up; node 2: two different answers (equivocation), a pass; a forged answer fails its signature", UNITS_V,
        &evidence(vec![wrong_size, a, b, c, forged], atts))
}

pub fn cases() -> Vec<Value> {
    let _ = oracle_keys();
    vec![sizes(), beacons(), kernel(), honest_case(), mixed_case(), size_case()]
}
