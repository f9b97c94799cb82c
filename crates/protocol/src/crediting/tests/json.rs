//! JSON form of crediting inputs and results for the golden vectors in `docs/vectors/`.
//! Byte strings are lowercase hex; integers are JSON numbers; `decoded` and `identity`
//! fields are informative (recomputed and compared by the checking test).

use serde_json::{json, Value};

use crate::crediting::*;
use crate::emission::EpochClock;
use crate::messages::{EnergyReading, WorkReceipt};
use crate::rewards::RewardParams;
use crate::views::{Capacity, NodeEpochView};

pub fn hex(bytes: &[u8]) -> Value {
    Value::String(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

pub fn unhex<const N: usize>(v: &Value) -> [u8; N] {
    let s = v.as_str().expect("hex string");
    let bytes: Vec<u8> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect();
    bytes.try_into().expect("length")
}

fn u(v: &Value) -> u64 {
    v.as_u64().expect("u64")
}

fn i(v: &Value) -> i64 {
    v.as_i64().expect("i64")
}

fn kind_name(k: NodeKind) -> &'static str {
    match k {
        NodeKind::Compute => "Compute",
        NodeKind::Energy => "Energy",
        NodeKind::Hybrid => "Hybrid",
    }
}

pub fn reason(r: RejectReason) -> Value {
    json!({ "reason": format!("{r:?}"), "code": r as u8 })
}

pub fn params_json(p: &RewardParams) -> Value {
    json!({
        "compute_pool_bps": p.compute_pool_bps, "green_bonus_bps": p.green_bonus_bps,
        "work_per_staked_token": p.work_per_staked_token, "wh_per_staked_token": p.wh_per_staked_token,
        "max_capacity_factor_bps": p.max_capacity_factor_bps, "max_work_per_wh": p.max_work_per_wh,
    })
}

pub fn params_from(v: &Value) -> RewardParams {
    RewardParams {
        compute_pool_bps: u(&v["compute_pool_bps"]) as u16,
        green_bonus_bps: u(&v["green_bonus_bps"]) as u16,
        work_per_staked_token: u(&v["work_per_staked_token"]),
        wh_per_staked_token: u(&v["wh_per_staked_token"]),
        max_capacity_factor_bps: u(&v["max_capacity_factor_bps"]) as u16,
        max_work_per_wh: u(&v["max_work_per_wh"]),
    }
}

fn reading_json(r: &SignedReading) -> Value {
    let decoded = EnergyReading::decode(&r.message).ok().map(|m| {
        json!({ "deployment": hex(&m.deployment), "node_id": m.node_id, "sequence": m.sequence,
                "timestamp": m.timestamp, "produced_wh": m.produced_wh, "consumed_wh": m.consumed_wh })
    });
    json!({ "identity": hex(&r.identity()), "device_key": hex(&r.device_key), "message": hex(&r.message),
            "signature": hex(&r.signature), "decoded": decoded })
}

fn receipt_json(r: &SignedReceipt) -> Value {
    let decoded = WorkReceipt::decode(&r.message).ok().map(|m| {
        json!({ "deployment": hex(&m.deployment), "node_id": m.node_id, "job_id": m.job_id,
                "requester": hex(&m.requester), "work_units": m.work_units, "started_at": m.started_at,
                "finished_at": m.finished_at, "output_hash": hex(&m.output_hash) })
    });
    json!({ "identity": hex(&r.identity()), "device_key": hex(&r.device_key), "message": hex(&r.message),
            "device_signature": hex(&r.device_signature),
            "requester_signature": hex(&r.requester_signature), "decoded": decoded })
}

pub fn inputs_json(x: &EpochInputs) -> Value {
    let nodes: Vec<Value> = x.nodes.iter().map(|n| json!({
        "node": hex(&n.node), "node_id": n.node_id, "kind": kind_name(n.kind), "operator": hex(&n.operator),
        "stake": n.view.stake, "recipient": hex(&n.view.recipient),
        "energy_wp": n.view.capacity.energy_wp, "compute_units_per_hour": n.view.capacity.compute_units_per_hour,
        "challenges": { "issued": n.challenges.issued, "passed": n.challenges.passed, "void": n.challenges.void },
    })).collect();
    let bindings: Vec<Value> = x
        .bindings
        .iter()
        .map(|b| {
            json!({
                "device_key": hex(&b.device_key), "node": hex(&b.node), "node_id": b.node_id,
                "bound_at": b.bound_at, "unbound_at": b.unbound_at,
            })
        })
        .collect();
    let requesters: Vec<Value> = x
        .requesters
        .iter()
        .map(|q| {
            json!({
                "key": hex(&q.key), "first_epoch": q.first_epoch, "retired_epoch": q.retired_epoch,
            })
        })
        .collect();
    json!({
        "deployment": hex(&x.deployment), "genesis_time": x.clock.genesis_time,
        "epoch_seconds": x.clock.epoch_seconds, "epoch": x.epoch, "params": params_json(&x.params),
        "stake_decimals": x.stake_decimals, "min_stake": x.min_stake, "nodes": nodes, "bindings": bindings,
        "requesters": requesters, "readings": x.readings.iter().map(reading_json).collect::<Vec<_>>(),
        "receipts": x.receipts.iter().map(receipt_json).collect::<Vec<_>>(),
    })
}

pub fn inputs_from(v: &Value) -> EpochInputs {
    let list = |k: &str| v[k].as_array().expect("array").clone();
    let kind = |s: &Value| match s.as_str() {
        Some("Compute") => NodeKind::Compute,
        Some("Energy") => NodeKind::Energy,
        _ => NodeKind::Hybrid,
    };
    EpochInputs {
        deployment: unhex(&v["deployment"]),
        clock: EpochClock {
            genesis_time: i(&v["genesis_time"]),
            epoch_seconds: i(&v["epoch_seconds"]),
        },
        epoch: u(&v["epoch"]),
        params: params_from(&v["params"]),
        stake_decimals: u(&v["stake_decimals"]) as u8,
        min_stake: [u(&v["min_stake"][0]), u(&v["min_stake"][1]), u(&v["min_stake"][2])],
        nodes: list("nodes")
            .iter()
            .map(|n| NodeInput {
                node: unhex(&n["node"]),
                node_id: u(&n["node_id"]),
                kind: kind(&n["kind"]),
                operator: unhex(&n["operator"]),
                view: NodeEpochView {
                    stake: u(&n["stake"]),
                    recipient: unhex(&n["recipient"]),
                    capacity: Capacity {
                        energy_wp: u(&n["energy_wp"]),
                        compute_units_per_hour: u(&n["compute_units_per_hour"]),
                    },
                },
                challenges: ChallengeTally {
                    issued: u(&n["challenges"]["issued"]) as u32,
                    passed: u(&n["challenges"]["passed"]) as u32,
                    void: u(&n["challenges"]["void"]) as u32,
                },
            })
            .collect(),
        bindings: list("bindings")
            .iter()
            .map(|b| BindingInput {
                device_key: unhex(&b["device_key"]),
                node: unhex(&b["node"]),
                node_id: u(&b["node_id"]),
                bound_at: i(&b["bound_at"]),
                unbound_at: b["unbound_at"].as_i64(),
            })
            .collect(),
        requesters: list("requesters")
            .iter()
            .map(|q| RequesterEntry {
                key: unhex(&q["key"]),
                first_epoch: u(&q["first_epoch"]),
                retired_epoch: q["retired_epoch"].as_u64(),
            })
            .collect(),
        readings: list("readings")
            .iter()
            .map(|r| SignedReading {
                device_key: unhex(&r["device_key"]),
                message: unhex(&r["message"]),
                signature: unhex(&r["signature"]),
            })
            .collect(),
        receipts: list("receipts")
            .iter()
            .map(|r| SignedReceipt {
                device_key: unhex(&r["device_key"]),
                message: unhex(&r["message"]),
                device_signature: unhex(&r["device_signature"]),
                requester_signature: unhex(&r["requester_signature"]),
            })
            .collect(),
    }
}

fn boundary(b: &BoundaryReading) -> Value {
    json!({ "id": hex(&b.id), "sequence": b.sequence, "timestamp": b.timestamp,
            "produced_wh": b.produced_wh, "consumed_wh": b.consumed_wh })
}

fn node_json(n: &NodeCredit) -> Value {
    let bindings: Vec<Value> = n.energy.bindings.iter().map(|b| json!({
        "device_key": hex(&b.device_key), "readings_in_epoch": b.readings_in_epoch,
        "start": b.start.as_ref().map(boundary), "low": boundary(&b.low), "end": boundary(&b.end),
        "increase_wh": b.increase_wh, "allowance_wh": b.allowance_wh, "credited_wh": b.credited_wh,
        "zeroed": b.zeroed.map(|z| json!({ "why": reason(z.reason), "first": hex(&z.first), "second": hex(&z.second) })),
    })).collect();
    let receipts: Vec<Value> = n.work.receipts.iter().map(|r| json!({
        "id": hex(&r.id), "requester": hex(&r.requester), "job_id": r.job_id, "work_units": r.work_units,
        "not_credited": r.not_credited.map(reason),
    })).collect();
    let buckets: Vec<Value> = n
        .green
        .buckets
        .iter()
        .map(|b| json!([b.start, b.end, b.produced_wh, b.consumed_wh, b.matched_wh]))
        .collect();
    json!({
        "node": hex(&n.node), "node_id": n.node_id, "kind": kind_name(n.kind), "stake": n.stake,
        "min_stake": n.min_stake, "recipient": hex(&n.recipient),
        "not_listed": n.not_listed.map(reason),
        "energy": { "bindings": bindings, "sum_wh": n.energy.sum_wh,
                    "capacity_factor_cap_wh": n.energy.capacity_factor_cap_wh,
                    "stake_cap_wh": n.energy.stake_cap_wh, "credited_wh": n.energy.credited_wh },
        "work": { "receipts": receipts, "sum_units": n.work.sum_units, "capacity_cap": n.work.capacity_cap,
                  "stake_cap": n.work.stake_cap, "capped_units": n.work.capped_units,
                  "credited_units": n.work.credited_units },
        "green": { "buckets_start_end_produced_consumed_matched": buckets, "consumed_wh": n.green.consumed_wh,
                   "matched_uncapped_wh": n.green.matched_uncapped_wh, "matched_wh": n.green.matched_wh },
    })
}

pub fn rejected_json(r: &[RejectedInput]) -> Value {
    Value::Array(r.iter().map(|x| json!({
        "id": hex(&x.id), "input": format!("{:?}", x.input), "node_id": x.node_id, "why": reason(x.reason),
    })).collect())
}

pub fn credit_json(c: &EpochCredit) -> Value {
    json!({
        "epoch": c.epoch, "epoch_start": c.epoch_start, "epoch_end": c.epoch_end,
        "nodes": c.nodes.iter().map(node_json).collect::<Vec<_>>(),
        "rejected": rejected_json(&c.rejected),
        "considered": c.considered.iter().map(|id| hex(id)).collect::<Vec<_>>(),
        "inputs_root": hex(&c.inputs_root),
    })
}
