//! Golden vectors of §10 in `docs/vectors/challenge.json`. [`challenge_vectors_match`]
//! recomputes every `expected` from the case's inputs and compares (never writes);
//! `scripts/vectors` runs the ignored [`write_vectors`] to regenerate the file.

use std::path::PathBuf;

use serde_json::{json, Value};

use super::world::*;
use crate::challenge::answer::{answer_from_levels, ChallengeAnswer, SignedAnswer};
use crate::challenge::attestation::{Attestation, SignedAttestation};
use crate::challenge::beacon::{beacon_window, schedule, BeaconSet, Challenge};
use crate::challenge::matrix::*;
use crate::challenge::signatures::{verify_answer, verify_attestation};
use crate::challenge::verdict::*;
use crate::challenge::ChallengeParams;
use crate::crediting::tests::fixture::{pk, DEPLOYMENT};
use crate::crediting::tests::json::{hex, inputs_from, inputs_json, unhex};
use crate::emission::EpochClock;

const FILE: &str = "challenge.json";
const RULE: &str = "§10 compute challenges";

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/vectors").join(FILE)
}

fn bytes(v: &Value) -> Vec<u8> {
    let s = v.as_str().expect("hex");
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn u(v: &Value) -> u64 {
    v.as_u64().expect("u64")
}

fn challenge_json(c: &Challenge) -> Value {
    json!({ "id": hex(&c.id), "node": hex(&c.node), "node_id": c.node_id, "epoch": c.epoch,
            "beacon_index": c.beacon_index, "issued_at": c.issued_at, "deadline": c.deadline,
            "rows": c.size.rows, "cols": c.size.cols })
}

fn sizes_case(case: &Value) -> Value {
    let out: Vec<Value> = case["capacities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = size_for(u(&p[0]), u(&p[1]) as u32);
            json!({ "rows": s.rows, "cols": s.cols, "multiply_adds": s.multiply_adds() as u64 })
        })
        .collect();
    json!(out)
}

fn params_from(v: &Value) -> ChallengeParams {
    ChallengeParams {
        beacons_per_epoch: u(&v["beacons_per_epoch"]) as u16,
        challenges_per_epoch: u(&v["challenges_per_epoch"]) as u16,
        target_seconds: u(&v["target_seconds"]) as u32,
        grace_seconds: u(&v["grace_seconds"]) as u32,
    }
}

/// Windows, each crank call's outcome, the account bytes, then the schedule of each node.
fn beacons_case(case: &Value) -> Value {
    let clock = EpochClock {
        genesis_time: case["genesis_time"].as_i64().unwrap(),
        epoch_seconds: case["epoch_seconds"].as_i64().unwrap(),
    };
    let (epoch, params) = (u(&case["epoch"]), params_from(&case["params"]));
    let windows: Vec<Value> = (0..params.beacons_per_epoch)
        .map(|i| json!(beacon_window(&clock, epoch, &params, i).map(|w| [w.0, w.1]).unwrap()))
        .collect();
    let mut set = BeaconSet::new(epoch, &params, clock.epoch_seconds).unwrap();
    let outcomes: Vec<Value> = case["cranks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let r = set.record(
                &clock,
                u(&c["index"]) as u16,
                c["now"].as_i64().unwrap(),
                u(&c["slot"]),
                unhex(&c["hash"]),
            );
            json!(r.map_or_else(|e| format!("{e:?}"), |()| "Ok".to_string()))
        })
        .collect();
    let deployment: [u8; 32] = unhex(&case["deployment"]);
    let schedules: Vec<Value> = case["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let cs =
                schedule(&deployment, &set, &unhex(&n["node"]), u(&n["node_id"]), u(&n["units"]));
            json!(cs.iter().map(challenge_json).collect::<Vec<_>>())
        })
        .collect();
    json!({ "windows": windows, "cranks": outcomes,
            "beacon_set": hex(&borsh::to_vec(&set).unwrap()), "schedules": schedules })
}

/// The matrices, product, row tree, sampled rows, opening and answer of one challenge.
fn kernel_case(case: &Value) -> Value {
    let c = Challenge {
        id: unhex(&case["seed"]),
        node: [0; 32],
        node_id: u(&case["node_id"]),
        epoch: u(&case["epoch"]),
        beacon_index: u(&case["beacon_index"]) as u16,
        issued_at: 0,
        deadline: 0,
        size: KernelSize { rows: u(&case["rows"]) as u32, cols: u(&case["cols"]) as u32 },
    };
    let d = c.size.cols as usize;
    let a: Vec<Vec<i8>> = (0..c.size.rows).map(|i| a_row(&c.id, &c.size, i)).collect();
    let b = b_matrix(&c.id, &c.size);
    let mut prod = Vec::new();
    for row in &a {
        let mut out = vec![0; d];
        row_product(row, &b, d, &mut out);
        prod.push(out);
    }
    let levels = commit_product(&c.id, &c.size);
    let (answer, opening) = answer_from_levels(&unhex(&case["deployment"]), &c, &levels);
    json!({ "a": a, "b": b, "c": prod, "leaves": levels[0].iter().map(|l| hex(l)).collect::<Vec<_>>(),
            "root": hex(&root(&levels)), "sampled_rows": sampled_rows(&c.id, &root(&levels), c.size.rows).to_vec(),
            "opening": hex(&opening), "opening_hash": hex(&answer.opening_hash),
            "answer_message": hex(&answer.encode()) })
}

fn answer_json(a: &SignedAnswer) -> Value {
    json!({ "device_key": hex(&a.device_key), "message": hex(&a.message),
            "signature": hex(&a.signature), "opening": hex(&a.opening), "identity": hex(&a.identity()) })
}

fn attestation_json(a: &SignedAttestation) -> Value {
    json!({ "oracle_key": hex(&a.oracle_key), "message": hex(&a.message),
            "signature": hex(&a.signature), "identity": hex(&a.identity()) })
}

/// Signature checks, then judging and crediting.
fn verdicts_case(case: &Value) -> Value {
    let inputs = inputs_from(&case["inputs"]);
    let ev = &case["evidence"];
    let mut bad = Vec::new();
    let answers: Vec<SignedAnswer> = ev["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| SignedAnswer {
            device_key: unhex(&a["device_key"]),
            message: unhex::<{ ChallengeAnswer::LEN }>(&a["message"]),
            signature: unhex(&a["signature"]),
            opening: bytes(&a["opening"]),
        })
        .filter(|a| {
            let ok = verify_answer(a).is_ok();
            if !ok {
                bad.push(hex(&a.identity()));
            }
            ok
        })
        .collect();
    let attestations: Vec<SignedAttestation> = ev["attestations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| SignedAttestation {
            oracle_key: unhex(&a["oracle_key"]),
            message: unhex::<{ Attestation::LEN }>(&a["message"]),
            signature: unhex(&a["signature"]),
        })
        .filter(|a| {
            let ok = verify_attestation(a).is_ok();
            if !ok {
                bad.push(hex(&a.identity()));
            }
            ok
        })
        .collect();
    let evidence = ChallengeEvidence {
        beacons: BeaconSet::decode(&bytes(&ev["beacon_set"])).unwrap(),
        oracles: ev["oracles"].as_array().unwrap().iter().map(unhex).collect(),
        threshold: u(&ev["threshold"]) as u8,
        answers,
        attestations,
    };
    let (credit, judged) = credit_epoch_with_challenges(&inputs, &evidence).unwrap();
    json!({
        "bad_signatures": bad,
        "outcomes": judged.outcomes.iter().map(|o| json!({
            "challenge": challenge_json(&o.challenge), "verdict": format!("{:?}", o.verdict),
            "oracles_up": o.oracles_up, "oracles_on_time": o.oracles_on_time,
            "evidence": o.evidence.iter().map(|e| hex(e)).collect::<Vec<_>>() })).collect::<Vec<_>>(),
        "rejected": judged.rejected.iter().map(|(id, r)| json!([hex(id), format!("{r:?}")])).collect::<Vec<_>>(),
        "nodes": credit.nodes.iter().map(|n| json!({ "node": hex(&n.node),
            "issued": n.challenges.issued, "passed": n.challenges.passed, "void": n.challenges.void,
            "capped_units": n.work.capped_units, "work_units": n.work.credited_units })).collect::<Vec<_>>(),
        "considered": credit.considered.len(),
        "inputs_root": hex(&credit.inputs_root),
    })
}

fn expected(case: &Value) -> Value {
    match case["kind"].as_str().unwrap() {
        "sizes" => sizes_case(case),
        "beacons" => beacons_case(case),
        "kernel" => kernel_case(case),
        "verdicts" => verdicts_case(case),
        k => panic!("unknown kind {k}"),
    }
}

#[test]
fn challenge_vectors_match() {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path()).unwrap()).unwrap();
    assert_eq!(doc["rule"], RULE);
    let mut checked = 0;
    for case in doc["cases"].as_array().unwrap() {
        assert_eq!(expected(case), case["expected"], "{}", case["name"]);
        checked += 1;
    }
    assert!(checked >= 6, "{checked} cases");
}

#[test]
#[ignore = "writes docs/vectors; run scripts/vectors"]
fn write_vectors() {
    let cases: Vec<Value> = super::vector_cases::cases()
        .into_iter()
        .map(|mut c| {
            c["expected"] = expected(&c);
            c
        })
        .collect();
    let doc = json!({ "rule": RULE, "cases": cases });
    std::fs::write(path(), serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
}

/// Evidence JSON of a verdicts case.
pub fn evidence_json(ev: &ChallengeEvidence) -> Value {
    json!({ "beacon_set": hex(&borsh::to_vec(&ev.beacons).unwrap()),
            "oracles": ev.oracles.iter().map(|o| hex(o)).collect::<Vec<_>>(), "threshold": ev.threshold,
            "answers": ev.answers.iter().map(answer_json).collect::<Vec<_>>(),
            "attestations": ev.attestations.iter().map(attestation_json).collect::<Vec<_>>() })
}

pub fn verdicts(name: &str, description: &str, units: u64, ev: &ChallengeEvidence) -> Value {
    json!({ "name": name, "kind": "verdicts", "description": description,
            "inputs": inputs_json(&world_with(units, 30)), "evidence": evidence_json(ev) })
}

pub fn oracle_keys() -> Vec<Value> {
    ORACLES.iter().map(|o| hex(&pk(*o))).collect()
}

pub fn deployment() -> Value {
    hex(&DEPLOYMENT)
}
