//! A manifest (§5) as JSON for people and dashboards; the Borsh bytes stay the reference
//! (their SHA-256 is the voted `manifest_hash`). Keys are base58, hashes hex.

use gridmint_protocol::rewards::EpochManifest;
use serde_json::{json, Value};

use crate::epoch::hex;

fn b58(key: &[u8; 32]) -> String {
    bs58::encode(key).into_string()
}

pub fn manifest_json(m: &EpochManifest) -> Value {
    let p = &m.params;
    json!({
        "version": m.version,
        "manifest_hash": hex(&m.hash()),
        "node_staking_program": b58(&m.node_staking_program),
        "rewards_program": b58(&m.rewards_program),
        "epoch": m.epoch,
        "epoch_start": m.epoch_start,
        "epoch_end": m.epoch_end,
        "emission": m.emission,
        "params": {
            "compute_pool_bps": p.compute_pool_bps,
            "green_bonus_bps": p.green_bonus_bps,
            "work_per_staked_token": p.work_per_staked_token,
            "wh_per_staked_token": p.wh_per_staked_token,
            "max_capacity_factor_bps": p.max_capacity_factor_bps,
            "max_work_per_wh": p.max_work_per_wh,
        },
        "stake_decimals": m.stake_decimals,
        "inputs_root": hex(&m.inputs_root),
        "corrections_hash": hex(&m.corrections_hash),
        "previous_manifest_hash": hex(&m.previous_manifest_hash),
        "previous_cumulative_total": m.previous_cumulative_total,
        "nodes": m.nodes.iter().map(|n| json!({
            "node": b58(&n.node),
            "recipient": b58(&n.recipient),
            "stake": n.stake,
            "work_units": n.work_units,
            "energy_wh": n.energy_wh,
            "consumed_wh": n.consumed_wh,
            "matched_wh": n.matched_wh,
            "challenges_issued": n.challenges_issued,
            "challenges_passed": n.challenges_passed,
            "challenges_void": n.challenges_void,
        })).collect::<Vec<_>>(),
    })
}
