//! The inputs of the golden vectors (their expected values are computed by `vectors.rs`).

use serde_json::{json, Value};

use super::fixture::*;
use super::json::{hex, inputs_json};
use super::scenarios::{energy_example, green_example};
use crate::crediting::corrections::*;
use crate::crediting::*;
use crate::messages::EnergyReading;

#[derive(Clone, Copy)]
pub enum VectorFile {
    Crediting,
    Manifest,
    Views,
    Kernel,
    InputsRoot,
}

fn case(name: &str, description: &str, inputs: &EpochInputs) -> Value {
    json!({ "name": name, "description": description, "inputs": inputs_json(inputs) })
}

fn energy_node(n: u8, seed: u8, readings: Vec<(u64, i64, u64)>) -> EpochInputs {
    let mut i =
        inputs(vec![node(n, NodeKind::Energy, 100, 1_000, 0)], vec![binding(seed, n, 0, None)]);
    i.readings = readings.into_iter().map(|(s, t, p)| reading(seed, n, s, t, p, 0)).collect();
    i
}

fn boundaries() -> Vec<Value> {
    let mut forged = energy_example();
    let mut bad = reading(11, 1, 12, 20_000, 9_999, 0);
    bad.signature = reading(12, 1, 12, 20_000, 9_999, 0).signature;
    forged.readings.push(bad);
    let mut baseline = energy_example();
    baseline.readings.drain(0..2);
    let mut rotation = inputs(
        vec![node(4, NodeKind::Energy, 100, 1_000, 0)],
        vec![binding(14, 4, 0, Some(20_000)), binding(15, 4, 20_000, None)],
    );
    rotation.readings = vec![
        reading(14, 4, 1, 14_000, 100, 0),
        reading(14, 4, 2, 19_000, 1_100, 0),
        reading(14, 4, 4, 20_000, 2_000, 0),
        reading(15, 4, 0, 21_000, 0, 0),
        reading(15, 4, 1, 28_000, 1_500, 0),
    ];
    let mut late = energy_example();
    late.epoch = 2;
    late.readings.push(reading(11, 1, 12, 30_000, 8_300, 0));
    let mut invalid = inputs(
        vec![node(5, NodeKind::Energy, 100, 1_000, 0), node(6, NodeKind::Compute, 100, 0, 100)],
        vec![binding(16, 5, 0, None), binding(17, 6, 0, None), binding(18, 9, 0, None)],
    );
    let mut other = EnergyReading::decode(&reading(16, 5, 1, 15_000, 1, 0).message).unwrap();
    other.deployment = [1; 32];
    let msg = other.encode();
    let mut malformed = reading(16, 5, 2, 15_000, 1, 0);
    malformed.message[8] = 9;
    malformed.signature = crate::ed25519::signing::sign(&key(16), &malformed.message);
    invalid.readings = vec![
        malformed,
        SignedReading {
            device_key: pk(16),
            message: msg,
            signature: crate::ed25519::signing::sign(&key(16), &msg),
        },
        reading(99, 5, 1, 15_000, 1, 0),
        reading(16, 6, 1, 15_000, 1, 0),
        reading(18, 9, 1, 15_000, 1, 0),
        reading(17, 6, 1, 15_000, 0, 5),
        reading(16, 5, 3, -5, 0, 0),
    ];
    vec![
        case("example", "PROTOCOL.md §9.3 example: S = seq 8, T = seq 10, 2,400 Wh; one forged reading fails verify_strict", &forged),
        case("baseline", "no reading before the epoch: the first reading is a baseline", &baseline),
        case("rotation", "two bindings of one node; a reading of the old key at its unbound_at is not bound", &rotation),
        case("late_reading", "epoch 2 after seq 10 arrived late: S = seq 10, the Wh between seq 9 and 10 are lost", &late),
        case("invalid_readings", "one reading per invalidity reason", &invalid),
    ]
}

fn clamps() -> Vec<Value> {
    let silent = energy_node(2, 12, vec![(3, 0, 0), (4, 28_000, 9_000)]);
    let mut staked = silent.clone();
    staked.nodes[0].view.stake = 3;
    staked.min_stake = [1, 1, 1];
    let allowance = energy_node(2, 12, vec![(3, 10_000, 0), (4, 15_000, 2_000)]);
    vec![
        case(
            "capacity_factor",
            "silent device: increase 9,000, allowance 4,194 (from start − 60), capacity-factor cap 4,000",
            &silent,
        ),
        case("stake_cap", "as capacity_factor with 3 staked tokens: 3,000 Wh", &staked),
        case(
            "allowance",
            "S 4,400 s before start: Δt = 15,000 − (14,400 − 60) = 660, allowance 221",
            &allowance,
        ),
    ]
}

fn zeroing() -> Vec<Value> {
    let z = |name, description, readings| case(name, description, &energy_node(3, 13, readings));
    vec![
        z(
            "capacity_violation",
            "800 Wh in 600 s at 1,000 Wp (allowance 203)",
            vec![(5, 15_000, 100), (6, 15_600, 900)],
        ),
        z("honest", "300 Wh in 600 s: credited", vec![(5, 15_000, 100), (6, 15_600, 300)]),
        z("equivocation", "two readings with sequence 5", vec![(5, 15_000, 100), (5, 15_000, 101)]),
        z("counter_regression", "produced falls", vec![(5, 15_000, 100), (6, 16_000, 99)]),
        z("decreasing_timestamps", "timestamp falls", vec![(5, 16_000, 100), (6, 15_000, 150)]),
        z(
            "start_boundary_regression",
            "S counts for regression",
            vec![(4, 14_000, 200), (5, 15_000, 100)],
        ),
        z(
            "start_boundary_not_capacity",
            "S is not judged by the capacity rule (clamped instead)",
            vec![(4, 0, 0), (5, 15_000, 3_000)],
        ),
    ]
}

fn receipts() -> Vec<Value> {
    let world = || {
        let mut w = inputs(
            vec![
                node(1, NodeKind::Compute, 100, 0, 1_000),
                node(2, NodeKind::Compute, 100, 0, 1_000),
            ],
            vec![
                binding(21, 1, 0, Some(20_000)),
                binding(22, 1, 20_000, None),
                binding(23, 2, 0, None),
            ],
        );
        w.requesters.push(RequesterEntry { key: pk(202), first_epoch: 2, retired_epoch: None });
        w.requesters.push(requester(21));
        w
    };
    let job = |job_id, units, started, finished| Job {
        device: 22,
        node: 1,
        requester: 200,
        job_id,
        units,
        started,
        finished,
    };
    let mut each = world();
    let mut forged = receipt(job(20, 10, 21_000, 22_000));
    forged.requester_signature = forged.device_signature;
    each.receipts = vec![
        receipt(job(1, 10, 22_000, 21_000)),
        receipt(Job { device: 99, ..job(2, 10, 21_000, 22_000) }),
        receipt(Job { device: 23, ..job(3, 10, 21_000, 22_000) }),
        receipt(job(4, 10, 19_000, 22_000)),
        receipt(Job { device: 21, ..job(5, 10, 19_000, 21_000) }),
        receipt(Job { requester: 202, ..job(6, 10, 21_000, 22_000) }),
        receipt(Job { requester: 21, ..job(7, 10, 21_000, 22_000) }),
        receipt(job(8, 326, 21_000, 22_000)),
        receipt(job(9, 325, 21_000, 22_000)),
        receipt(job(10, 10, 29_000, 29_500)),
        forged,
    ];
    let mut dup = world();
    dup.receipts = vec![
        receipt(job(7, 100, 21_000, 22_000)),
        receipt(Job { device: 23, node: 2, ..job(7, 90, 21_000, 22_000) }),
        receipt(job(8, 50, 21_000, 22_000)),
    ];
    let mut caps = world();
    let hour = |k: u64| Job {
        device: 23,
        node: 2,
        ..job(k, 1_100, 14_400 + 3_600 * k as i64, 17_999 + 3_600 * k as i64)
    };
    caps.receipts = (0..4).map(|k| receipt(hour(k))).collect();
    caps.nodes[1].view.stake = 3;
    caps.min_stake = [1, 1, 1];
    caps.nodes[1].challenges = ChallengeTally { issued: 4, passed: 1, void: 2 };
    vec![
        case("each_reason", "one receipt per rejection reason, one valid at the capacity limit (325), one outside the epoch, one with a bad requester signature", &each),
        case("duplicate_job", "two receipts of job 7 void each other across nodes", &dup),
        case("caps", "4,400 units → capacity 4,000 → stake 3,000 → pass rate 1/2 → 1,500", &caps),
    ]
}

fn green() -> Vec<Value> {
    let mut none = green_example();
    none.readings = none
        .readings
        .iter()
        .map(|r| {
            let m = EnergyReading::decode(&r.message).unwrap();
            reading(19, 7, m.sequence, m.timestamp, m.produced_wh, 0)
        })
        .collect();
    let mut sparse = green_example();
    sparse.readings = vec![sparse.readings[0], sparse.readings[8]];
    vec![
        case(
            "example",
            "PROTOCOL.md §9.4 example: matched 200 + 50 + 300 + 50 = 600 Wh; edge-straddling pairs match nothing",
            &green_example(),
        ),
        case("nothing_consumed", "same production, consumed counter flat: matched 0", &none),
        case(
            "sparse",
            "only S and the last reading: every pair straddles an edge, matched 0",
            &sparse,
        ),
    ]
}

fn eligibility() -> Vec<Value> {
    let mut i = energy_example();
    i.nodes.push(node(2, NodeKind::Energy, 100, 1_000, 0));
    i.min_stake = [10, 100, 10];
    let mut below = i.clone();
    below.min_stake = [10, 101, 10];
    vec![
        case("listed_and_nothing_credited", "node 1 listed; node 2 has stake but no credit", &i),
        case(
            "stake_below_minimum",
            "min_stake(Energy) = 101 > stake 100: nothing listed, inputs_root zero",
            &below,
        ),
    ]
}

fn manifests() -> Vec<Value> {
    let mut world = energy_example();
    let g = green_example();
    world.nodes.extend(g.nodes);
    world.bindings.extend(g.bindings);
    world.readings.extend(g.readings);
    world.receipts = g.receipts;
    let header = json!({ "node_staking_program": hex(&[0xA1; 32]), "rewards_program": hex(&[0xA2; 32]),
        "emission": 1_000_000, "previous_manifest_hash": hex(&[0x77; 32]), "previous_cumulative_total": 5_000 });
    let doc = |action| CorrectionDocument {
        version: CORRECTION_VERSION,
        rewards_program: [0xA2; 32],
        epoch: 1,
        action,
    };
    let exclude = doc(CorrectionAction::ExcludeNodes(vec![Exclusion {
        node: [7; 32],
        reason: ExclusionReason::Fraud,
    }]));
    let empty = doc(CorrectionAction::EmptyEpoch);
    let wrong = CorrectionDocument { epoch: 9, ..exclude.clone() };
    let m = |name: &str,
             description: &str,
             vetoes: Vec<[u8; 32]>,
             document: Option<&CorrectionDocument>| {
        let mut c = case(name, description, &world);
        c["header"] = header.clone();
        c["veto_reasons"] = Value::Array(vetoes.iter().map(|v| hex(v)).collect());
        c["correction_document"] =
            document.map_or(Value::Null, |d| hex(&borsh::to_vec(d).unwrap()));
        c
    };
    vec![
        m("plain", "nodes 1 and 7 listed; no veto", vec![], None),
        m("recompute", "a zero (recompute) veto changes nothing", vec![[0; 32]], None),
        m(
            "exclude",
            "node 7 excluded (reason Fraud); a later zero veto keeps the document",
            vec![exclude.hash(), [0; 32]],
            Some(&exclude),
        ),
        m(
            "empty_epoch",
            "the epoch is declared empty: no node, inputs_root zero",
            vec![exclude.hash(), empty.hash()],
            Some(&empty),
        ),
        m(
            "malformed",
            "a document for another epoch changes nothing but is committed",
            vec![wrong.hash()],
            Some(&wrong),
        ),
        reason_five(m("reason_5", "an exclusion reason of 5 (only 0..=4 exist): malformed, changes nothing but is committed", vec![], None), &exclude),
    ]
}

/// `exclude` with its exclusion reason byte (the last byte of the document) set to 5.
fn reason_five(mut c: Value, exclude: &CorrectionDocument) -> Value {
    let mut bytes = borsh::to_vec(exclude).unwrap();
    *bytes.last_mut().unwrap() = 5;
    let hash = solana_sha256_hasher::hash(&bytes).to_bytes();
    c["veto_reasons"] = Value::Array(vec![hex(&hash)]);
    c["correction_document"] = hex(&bytes);
    c
}

fn views() -> Vec<Value> {
    let live = |stake: u64, jailed: bool, wp: u64, pending: Value| {
        json!({ "active_stake": stake, "jailed": jailed,
        "recipient": hex(&[1; 32]), "energy_wp": wp, "compute_units_per_hour": 0, "pending": pending })
    };
    let q = |epoch: u64, read_time: i64| json!({ "epoch": epoch, "read_time": read_time });
    vec![
        json!({ "name": "stake_minimum_and_jail", "description": "registration in epoch 0 earns nothing; epoch 1 takes the minimum; a jailing zeroes epoch 2",
            "genesis_time": 1_000, "epoch_seconds": 100,
            "changes": [ { "at": 1_050, "live": live(500, false, 10, Value::Null) }, { "at": 1_120, "live": live(900, false, 10, Value::Null) },
                         { "at": 1_150, "live": live(300, false, 10, Value::Null) }, { "at": 1_160, "live": live(700, false, 10, Value::Null) },
                         { "at": 1_210, "live": live(700, true, 10, Value::Null) }, { "at": 1_220, "live": live(700, false, 10, Value::Null) } ],
            "queries": [q(0, 1_100), q(1, 1_150), q(1, 1_250), q(2, 1_300), q(3, 1_450), q(0, 1_450)] }),
        json!({ "name": "scheduled_capacity", "description": "a capacity increase effective inside epoch 1 counts for epoch 1",
            "genesis_time": 1_000, "epoch_seconds": 100,
            "changes": [ { "at": 990, "live": live(500, false, 10, Value::Null) },
                         { "at": 1_020, "live": live(500, false, 10, json!({ "energy_wp": 50, "compute_units_per_hour": 0, "effective_at": 1_150 })) } ],
            "queries": [q(0, 1_100), q(1, 1_200), q(2, 1_300)] }),
    ]
}

fn kernel() -> Vec<Value> {
    vec![
        json!({ "name": "two_by_two", "description": "[1 2; 3 4] × [5 6; 7 8]", "m": 2, "k": 2, "n": 2, "a": [1, 2, 3, 4], "b": [5, 6, 7, 8] }),
        json!({ "name": "extremes", "description": "i8 extremes, 2×3 by 3×2", "m": 2, "k": 3, "n": 2,
            "a": [-128, 127, -1, 0, -128, -128], "b": [-128, 127, -128, -128, 1, 0] }),
        json!({ "name": "one_work_unit", "description": "100 × 100 × 100 = 10⁶ multiply-adds (sizes only)", "m": 100, "k": 100, "n": 100 }),
        json!({ "name": "llm_layer", "description": "4,096 × 4,096 × 4,096: 68,719 work units (sizes only)", "m": 4_096, "k": 4_096, "n": 4_096 }),
    ]
}

fn roots() -> Vec<Value> {
    let ids = |list: &[u8]| Value::Array(list.iter().map(|b| hex(&[*b; 32])).collect());
    vec![
        json!({ "name": "empty", "description": "no identity: 32 zero bytes", "identities": ids(&[]) }),
        json!({ "name": "one", "description": "one identity: its leaf", "identities": ids(&[9]) }),
        json!({ "name": "three", "description": "unsorted with a repeat: inner(inner(l1, l2), l3)", "identities": ids(&[3, 1, 2, 1]) }),
    ]
}

/// `(file name, kind, rule, cases)`.
pub fn cases() -> Vec<(&'static str, VectorFile, &'static str, Vec<Value>)> {
    use VectorFile::*;
    vec![
        (
            "energy_boundaries.json",
            Crediting,
            "§9.2–§9.3 valid readings and boundary readings",
            boundaries(),
        ),
        (
            "energy_clamps.json",
            Crediting,
            "§9.3 allowance, capacity-factor and stake clamps",
            clamps(),
        ),
        ("energy_zeroing.json", Crediting, "§9.3 zeroing rules", zeroing()),
        ("receipts.json", Crediting, "§9.5 receipts → work", receipts()),
        ("green_buckets.json", Crediting, "§9.4 green compute buckets", green()),
        ("eligibility.json", Crediting, "§9.6 eligibility", eligibility()),
        ("manifest_v2.json", Manifest, "§5 manifest v2, §9.7 corrections, §3 formula", manifests()),
        ("views.json", Views, "§8 per-node epoch views", views()),
        ("work_unit.json", Kernel, "§9.5.1 reference kernel and work unit", kernel()),
        ("inputs_root.json", InputsRoot, "§9.8 inputs_root", roots()),
    ]
}
