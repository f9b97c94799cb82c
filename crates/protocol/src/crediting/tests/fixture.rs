//! A small deployment with real Ed25519 keys: epoch 1 of a clock with genesis 0 and 4-hour
//! epochs, i.e. `[14,400, 28,800)` with hour edges 18,000, 21,600 and 25,200.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use ed25519_dalek::SigningKey;

use crate::crediting::*;
use crate::ed25519::signing::{public_key, sign};
use crate::emission::EpochClock;
use crate::messages::{EnergyReading, WorkReceipt};
use crate::rewards::RewardParams;
use crate::views::{Capacity, NodeEpochView};

pub const DEPLOYMENT: [u8; 32] = [0xD0; 32];
pub const CLOCK: EpochClock = EpochClock { genesis_time: 0, epoch_seconds: 14_400 };
pub const START: i64 = 14_400;
pub const END: i64 = 28_800;

pub fn params() -> RewardParams {
    RewardParams {
        compute_pool_bps: 6_000,
        green_bonus_bps: 5_000,
        work_per_staked_token: 1_000,
        wh_per_staked_token: 1_000,
        max_capacity_factor_bps: 10_000,
        max_work_per_wh: 1,
    }
}

/// The signing key of `seed` (cached: deriving a key is slow in debug builds).
pub fn key(seed: u8) -> SigningKey {
    static KEYS: OnceLock<Mutex<BTreeMap<u8, SigningKey>>> = OnceLock::new();
    let mut keys = KEYS.get_or_init(Default::default).lock().unwrap();
    keys.entry(seed).or_insert_with(|| SigningKey::from_bytes(&[seed; 32])).clone()
}

pub fn pk(seed: u8) -> [u8; 32] {
    public_key(&key(seed))
}

/// Node `n`: address `[n; 32]`, id `n`, operator `[0x40 + n; 32]`, recipient `[0x80 + n; 32]`.
pub fn node(n: u8, kind: NodeKind, stake: u64, energy_wp: u64, units_per_hour: u64) -> NodeInput {
    NodeInput {
        node: [n; 32],
        node_id: u64::from(n),
        kind,
        operator: [0x40 + n; 32],
        view: NodeEpochView {
            stake,
            recipient: [0x80 + n; 32],
            capacity: Capacity { energy_wp, compute_units_per_hour: units_per_hour },
        },
        challenges: ChallengeTally::default(),
    }
}

/// The device key of seed `seed` bound to node `n` over `[from, to)`.
pub fn binding(seed: u8, n: u8, from: i64, to: Option<i64>) -> BindingInput {
    BindingInput {
        device_key: pk(seed),
        node: [n; 32],
        node_id: u64::from(n),
        bound_at: from,
        unbound_at: to,
    }
}

pub fn requester(seed: u8) -> RequesterEntry {
    RequesterEntry { key: pk(seed), first_epoch: 0, retired_epoch: None }
}

/// A reading of node `n` signed by the device key of seed `seed`.
pub fn reading(seed: u8, n: u8, seq: u64, ts: i64, produced: u64, consumed: u64) -> SignedReading {
    let message = EnergyReading {
        deployment: DEPLOYMENT,
        node_id: u64::from(n),
        sequence: seq,
        timestamp: ts,
        produced_wh: produced,
        consumed_wh: consumed,
    }
    .encode();
    SignedReading { device_key: pk(seed), message, signature: sign(&key(seed), &message) }
}

pub struct Job {
    pub device: u8,
    pub node: u8,
    pub requester: u8,
    pub job_id: u64,
    pub units: u64,
    pub started: i64,
    pub finished: i64,
}

pub fn receipt_message(j: &Job) -> WorkReceipt {
    WorkReceipt {
        deployment: DEPLOYMENT,
        node_id: u64::from(j.node),
        job_id: j.job_id,
        requester: pk(j.requester),
        work_units: j.units,
        started_at: j.started,
        finished_at: j.finished,
        output_hash: [j.job_id as u8; 32],
    }
}

pub fn sign_receipt(device: u8, requester: u8, r: &WorkReceipt) -> SignedReceipt {
    let message = r.encode();
    SignedReceipt {
        device_key: pk(device),
        message,
        device_signature: sign(&key(device), &message),
        requester_signature: sign(&key(requester), &message),
    }
}

pub fn receipt(j: Job) -> SignedReceipt {
    sign_receipt(j.device, j.requester, &receipt_message(&j))
}

pub fn inputs(nodes: Vec<NodeInput>, bindings: Vec<BindingInput>) -> EpochInputs {
    EpochInputs {
        deployment: DEPLOYMENT,
        clock: CLOCK,
        epoch: 1,
        params: params(),
        stake_decimals: 0,
        min_stake: [10, 10, 10],
        nodes,
        bindings,
        requesters: vec![requester(200), requester(201)],
        readings: Vec::new(),
        receipts: Vec::new(),
    }
}

pub fn credit(inputs: &EpochInputs) -> EpochCredit {
    credit_epoch(inputs).expect("consistent inputs")
}

pub fn of(c: &EpochCredit, n: u8) -> &NodeCredit {
    c.nodes.iter().find(|x| x.node == [n; 32]).expect("node")
}
