//! Golden vectors in `docs/vectors/`: every file holds cases with their inputs (as an
//! outsider would feed them) and the expected results. [`vectors_match_the_committed_files`]
//! recomputes each expected value from the inputs *in the file* and compares; it never
//! writes. `scripts/vectors` runs the ignored [`write_vectors`] to regenerate them.

use std::path::PathBuf;

use serde_json::{json, Value};

use super::json::*;
use super::vector_cases::{cases, VectorFile};
use crate::crediting::corrections::{corrections, reason_in_force};
use crate::crediting::kernel::{matmul_i8, multiply_adds, work_units};
use crate::crediting::manifest::{build_manifest, ManifestHeader};
use crate::crediting::root::{input_leaf, inputs_root};
use crate::crediting::signatures::retain_verified;
use crate::crediting::*;
use crate::emission::EpochClock;
use crate::rewards::{compute_epoch_rewards, CumulativeState};
use crate::views::{
    node_epoch_view, observe, settle, Capacity, EpochViewState, LiveNode, ScheduledCapacity,
};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/vectors")
}

/// Signature checks, then crediting.
fn credit_case(inputs: &Value) -> (Value, EpochCredit) {
    let mut x = inputs_from(inputs);
    let bad = retain_verified(&mut x.readings, &mut x.receipts);
    let c = credit_epoch(&x).expect("consistent inputs");
    (json!({ "bad_signatures": rejected_json(&bad), "credit": credit_json(&c) }), c)
}

fn header_from(v: &Value, c: &EpochCredit) -> ManifestHeader {
    ManifestHeader {
        node_staking_program: unhex(&v["node_staking_program"]),
        rewards_program: unhex(&v["rewards_program"]),
        epoch: c.epoch,
        epoch_start: c.epoch_start,
        epoch_end: c.epoch_end,
        emission: v["emission"].as_u64().unwrap(),
        params: c.params,
        stake_decimals: c.stake_decimals,
        previous_manifest_hash: unhex(&v["previous_manifest_hash"]),
        previous_cumulative_total: v["previous_cumulative_total"].as_u64().unwrap(),
    }
}

/// Corrections in force, manifest v2 (Borsh and hash), the formula and the report.
fn manifest_case(case: &Value) -> Value {
    let (_, c) = credit_case(&case["inputs"]);
    let header = header_from(&case["header"], &c);
    let vetoes: Vec<[u8; 32]> =
        case["veto_reasons"].as_array().unwrap().iter().map(unhex).collect();
    let reason = reason_in_force(&vetoes);
    let doc = case["correction_document"].as_str().map(|_| {
        let s = case["correction_document"].as_str().unwrap();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect::<Vec<u8>>()
    });
    let fix = corrections(reason, doc.as_deref(), &header.rewards_program, c.epoch)
        .expect("document held");
    let m = build_manifest(&header, Some(&c), &fix).unwrap();
    let r = compute_epoch_rewards(&m.params, m.stake_decimals, m.emission, &m.nodes).unwrap();
    let mut state = CumulativeState {
        cumulative_total: header.previous_cumulative_total,
        last_manifest_hash: header.previous_manifest_hash,
        ..CumulativeState::default()
    };
    let (report, _) = state.apply(&m).unwrap();
    json!({
        "corrections": { "in_force": hex(&reason), "excluded": fix.excluded.iter().map(|e| hex(&e.node)).collect::<Vec<_>>(),
                          "empty_epoch": fix.empty_epoch, "malformed": fix.malformed },
        "manifest_borsh": hex(&borsh::to_vec(&m).unwrap()),
        "manifest_hash": hex(&m.hash()),
        "listed": m.nodes.iter().map(|n| json!({
            "node": hex(&n.node), "stake": n.stake, "work_units": n.work_units, "energy_wh": n.energy_wh,
            "consumed_wh": n.consumed_wh, "matched_wh": n.matched_wh })).collect::<Vec<_>>(),
        "rewards": { "compute_pool": r.compute_pool, "energy_pool": r.energy_pool, "paid": r.paid, "dust": r.dust,
            "nodes": r.node_rewards(&m.nodes).unwrap().iter().zip(&m.nodes).map(|(n, input)| json!({ "node": hex(&input.node), "creditable_work": n.creditable_work,
                "green_work": n.green_work, "creditable_energy": n.creditable_energy,
                "compute_reward": n.compute_reward, "energy_reward": n.energy_reward })).collect::<Vec<_>>() },
        "report": { "root": hex(&report.root), "cumulative_total": report.cumulative_total,
                    "recipient_count": report.recipient_count },
    })
}

fn views_case(case: &Value) -> Value {
    let clock = EpochClock {
        genesis_time: case["genesis_time"].as_i64().unwrap(),
        epoch_seconds: case["epoch_seconds"].as_i64().unwrap(),
    };
    let live_from = |v: &Value| LiveNode {
        active_stake: v["active_stake"].as_u64().unwrap(),
        jailed: v["jailed"].as_bool().unwrap(),
        recipient: unhex(&v["recipient"]),
        capacity: Capacity {
            energy_wp: v["energy_wp"].as_u64().unwrap(),
            compute_units_per_hour: v["compute_units_per_hour"].as_u64().unwrap(),
        },
        pending_capacity: v["pending"].as_object().map(|p| ScheduledCapacity {
            capacity: Capacity {
                energy_wp: p["energy_wp"].as_u64().unwrap(),
                compute_units_per_hour: p["compute_units_per_hour"].as_u64().unwrap(),
            },
            effective_at: p["effective_at"].as_i64().unwrap(),
        }),
    };
    // Each query reads the account as left by the changes made up to its read time.
    let changes = case["changes"].as_array().unwrap();
    let state_at = |read_time: i64| {
        let first = &changes[0];
        let mut live = live_from(&first["live"]);
        let mut view =
            EpochViewState::at_registration(&live, &clock, first["at"].as_i64().unwrap());
        for c in changes[1..].iter().filter(|c| c["at"].as_i64().unwrap() <= read_time) {
            let at = c["at"].as_i64().unwrap();
            settle(&mut view, &mut live, &clock, at);
            live = live_from(&c["live"]);
            observe(&mut view, &live, &clock, at);
        }
        (view, live)
    };
    Value::Array(
        case["queries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| {
                let read_time = q["read_time"].as_i64().unwrap();
                let (view, live) = state_at(read_time);
                let v = node_epoch_view(&view, &live, &clock, q["epoch"].as_u64().unwrap(), read_time);
                v.map_or(Value::Null, |v| {
                    json!({ "stake": v.stake, "recipient": hex(&v.recipient),
                    "energy_wp": v.capacity.energy_wp, "compute_units_per_hour": v.capacity.compute_units_per_hour })
                })
            })
            .collect(),
    )
}

fn kernel_case(case: &Value) -> Value {
    let dims = |k: &str| case[k].as_u64().unwrap();
    let (m, k, n) = (dims("m"), dims("k"), dims("n"));
    let ints = |key: &str| {
        case[key]
            .as_array()
            .map(|a| a.iter().map(|x| x.as_i64().unwrap() as i8).collect::<Vec<_>>())
    };
    let c = ints("a")
        .zip(ints("b"))
        .map(|(a, b)| matmul_i8(&a, &b, m as usize, k as usize, n as usize).unwrap());
    json!({ "c": c, "multiply_adds": multiply_adds(m, k, n) as u64, "work_units": work_units(m, k, n) as u64 })
}

fn root_case(case: &Value) -> Value {
    let ids: Vec<[u8; 32]> = case["identities"].as_array().unwrap().iter().map(unhex).collect();
    json!({ "leaves": ids.iter().map(|id| hex(&input_leaf(id))).collect::<Vec<_>>(), "root": hex(&inputs_root(&ids)) })
}

/// The expected value of one case, computed from the case's inputs only.
pub fn expected(file: VectorFile, case: &Value) -> Value {
    match file {
        VectorFile::Crediting => credit_case(&case["inputs"]).0,
        VectorFile::Manifest => manifest_case(case),
        VectorFile::Views => views_case(case),
        VectorFile::Kernel => kernel_case(case),
        VectorFile::InputsRoot => root_case(case),
    }
}

#[test]
fn vectors_match_the_committed_files() {
    let mut checked = 0;
    for (name, file, rule, _) in cases() {
        let path = dir().join(name);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["rule"], rule, "{name}");
        for case in doc["cases"].as_array().unwrap() {
            assert_eq!(expected(file, case), case["expected"], "{name}: {}", case["name"]);
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked} cases");
}

#[test]
#[ignore = "writes docs/vectors; run scripts/vectors"]
fn write_vectors() {
    std::fs::create_dir_all(dir()).unwrap();
    for (name, file, rule, list) in cases() {
        let cases: Vec<Value> = list
            .into_iter()
            .map(|mut case| {
                case["expected"] = expected(file, &case);
                case
            })
            .collect();
        let doc = json!({ "rule": rule, "cases": cases });
        std::fs::write(dir().join(name), serde_json::to_string_pretty(&doc).unwrap() + "\n")
            .unwrap();
    }
}
