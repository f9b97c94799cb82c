//! "Why did my node earn this?": one node's epoch as JSON — every input considered, credited
//! or rejected with its §9.9 reason, the boundary readings, each cap, and the formula's
//! numbers that produced the reward. Built from the close's own results, never recomputed
//! by a second copy of the rules.

use gridmint_protocol::crediting::energy::{BindingEnergy, BoundaryReading};
use gridmint_protocol::crediting::{InputKind, NodeCredit, RejectReason};
use gridmint_protocol::rewards::compute_epoch_rewards;
use serde_json::{json, Value};

use super::close::Closed;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn b58(key: &[u8; 32]) -> String {
    bs58::encode(key).into_string()
}

fn reason(r: RejectReason) -> Value {
    json!({ "code": r as u8, "name": format!("{r:?}") })
}

fn boundary(b: &BoundaryReading) -> Value {
    json!({
        "identity": hex(&b.id),
        "sequence": b.sequence,
        "timestamp": b.timestamp,
        "produced_wh": b.produced_wh,
        "consumed_wh": b.consumed_wh,
    })
}

fn binding(b: &BindingEnergy) -> Value {
    json!({
        "device_key": b58(&b.device_key),
        "readings_in_epoch": b.readings_in_epoch,
        "start_boundary": b.start.as_ref().map(boundary),
        "low": boundary(&b.low),
        "end_boundary": boundary(&b.end),
        "increase_wh": b.increase_wh,
        "allowance_wh": b.allowance_wh,
        "credited_wh": b.credited_wh,
        "zeroed": b.zeroed.as_ref().map(|z| json!({
            "reason": reason(z.reason),
            "first": hex(&z.first),
            "second": hex(&z.second),
        })),
    })
}

fn credit_json(n: &NodeCredit) -> Value {
    json!({
        "kind": format!("{:?}", n.kind),
        "stake": n.stake,
        "min_stake": n.min_stake,
        "recipient": b58(&n.recipient),
        "not_listed": n.not_listed.map(reason),
        "energy": {
            "bindings": n.energy.bindings.iter().map(binding).collect::<Vec<_>>(),
            "sum_wh": n.energy.sum_wh,
            "capacity_factor_cap_wh": n.energy.capacity_factor_cap_wh,
            "stake_cap_wh": n.energy.stake_cap_wh,
            "credited_wh": n.energy.credited_wh,
        },
        "work": {
            "receipts": n.work.receipts.iter().map(|r| json!({
                "identity": hex(&r.id),
                "requester": b58(&r.requester),
                "job_id": r.job_id,
                "work_units": r.work_units,
                "not_credited": r.not_credited.map(reason),
            })).collect::<Vec<_>>(),
            "sum_units": n.work.sum_units,
            "capacity_cap": n.work.capacity_cap,
            "stake_cap": n.work.stake_cap,
            "capped_units": n.work.capped_units,
            "credited_units": n.work.credited_units,
        },
        "green": {
            "buckets": n.green.buckets.iter().map(|b| json!({
                "start": b.start, "end": b.end, "produced_wh": b.produced_wh,
                "consumed_wh": b.consumed_wh, "matched_wh": b.matched_wh,
            })).collect::<Vec<_>>(),
            "consumed_wh": n.green.consumed_wh,
            "matched_uncapped_wh": n.green.matched_uncapped_wh,
            "matched_wh": n.green.matched_wh,
        },
    })
}

/// The explanation of `node` (its account address) in `closed`; `None` when the epoch has
/// no such node input and no input names it.
pub fn explain_node(closed: &Closed, node: &[u8; 32]) -> Option<Value> {
    let manifest = &closed.manifest;
    let credit = closed.credit.as_ref();
    let node_credit = credit.and_then(|c| c.nodes.iter().find(|n| n.node == *node));
    let excluded = manifest.corrections_hash != [0u8; 32]
        && node_credit.is_some_and(|n| n.not_listed.is_none())
        && !manifest.nodes.iter().any(|m| m.node == *node);
    let rejected: Vec<Value> = match (credit, node_credit) {
        (Some(c), Some(n)) => c
            .rejected
            .iter()
            .filter(|r| r.node_id == Some(n.node_id))
            .map(|r| {
                json!({
                    "identity": hex(&r.id),
                    "input": match r.input { InputKind::Reading => "reading", InputKind::Receipt => "receipt" },
                    "reason": reason(r.reason),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    node_credit?;
    let listed = manifest.nodes.iter().position(|m| m.node == *node);
    let reward = match listed {
        Some(index) => {
            let rewards = compute_epoch_rewards(
                &manifest.params,
                manifest.stake_decimals,
                manifest.emission,
                &manifest.nodes,
            )
            .ok()?;
            let node = manifest.nodes.get(index)?;
            rewards.node_reward(node).ok().map(|r| {
                json!({
                    "compute_pool": rewards.compute_pool,
                    "energy_pool": rewards.energy_pool,
                    "creditable_work": r.creditable_work,
                    "green_work": r.green_work,
                    "creditable_energy": r.creditable_energy,
                    "compute_reward": r.compute_reward,
                    "energy_reward": r.energy_reward,
                    "total": r.total(),
                })
            })
        }
        None => None,
    };
    // Its compute challenges (§10.7) and how each was judged; empty without a beacon account.
    let challenges: Vec<Value> = closed
        .challenges
        .iter()
        .flat_map(|j| j.outcomes.iter())
        .filter(|o| o.challenge.node == *node)
        .map(|o| {
            json!({
                "id": hex(&o.challenge.id),
                "beacon_index": o.challenge.beacon_index,
                "issued_at": o.challenge.issued_at,
                "deadline": o.challenge.deadline,
                "rows": o.challenge.size.rows,
                "cols": o.challenge.size.cols,
                "verdict": format!("{:?}", o.verdict),
                "oracles_up": o.oracles_up,
                "oracles_on_time": o.oracles_on_time,
                "evidence": o.evidence.iter().map(|id| hex(id)).collect::<Vec<_>>(),
            })
        })
        .collect();
    Some(json!({
        "epoch": manifest.epoch,
        "node": b58(node),
        "listed": listed.is_some(),
        "excluded_by_correction": excluded,
        "manifest_hash": hex(&closed.report.manifest_hash),
        "inputs_root": hex(&manifest.inputs_root),
        "credit": node_credit.map(credit_json),
        "rejected_inputs": rejected,
        "challenges": challenges,
        "reward": reward,
    }))
}
