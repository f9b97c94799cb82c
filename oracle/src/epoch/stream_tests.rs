//! The readings stream's crediting end: chunks that split a key, keys left out, keys out of
//! order.

use gridmint_protocol::crediting::{
    credit_epoch, credit_epoch_fed, BindingInput, ChallengeTally, CreditError, EpochCredit,
    EpochInputs, NodeInput, NodeKind, SignedReading,
};
use gridmint_protocol::emission::EpochClock;
use gridmint_protocol::messages::EnergyReading;
use gridmint_protocol::rewards::RewardParams;
use gridmint_protocol::views::{Capacity, NodeEpochView};

use super::{channel, ReadingFeed};

const L: i64 = 3_600;
const DEPLOYMENT: [u8; 32] = [9; 32];

/// Crediting takes inputs as verified: the signature bytes are never looked at here.
fn reading(key: u8, sequence: u64, timestamp: i64, produced_wh: u64) -> SignedReading {
    let message = EnergyReading {
        deployment: DEPLOYMENT,
        node_id: u64::from(key),
        sequence,
        timestamp,
        produced_wh,
        consumed_wh: 0,
    }
    .encode();
    SignedReading { device_key: [key; 32], message, signature: [0; 64] }
}

/// Keys 1..=4, each bound to a node of its own, with readings before and in epoch 1; the
/// readings sorted by key as the store sends them.
fn world() -> (EpochInputs, Vec<SignedReading>) {
    let mut nodes = Vec::new();
    let mut bindings = Vec::new();
    let mut readings = Vec::new();
    for key in 1..=4u8 {
        nodes.push(NodeInput {
            node: [key; 32],
            node_id: u64::from(key),
            kind: NodeKind::Energy,
            operator: [100 + key; 32],
            view: NodeEpochView {
                stake: 1_000_000_000,
                recipient: [200 + key; 32],
                capacity: Capacity { energy_wp: 2_000, compute_units_per_hour: 0 },
            },
            challenges: ChallengeTally::default(),
        });
        bindings.push(BindingInput {
            device_key: [key; 32],
            node: [key; 32],
            node_id: u64::from(key),
            bound_at: 0,
            unbound_at: None,
        });
        for (seq, at) in [(1, L - 300), (2, L + 100), (3, L + 1_800), (4, 2 * L - 10)] {
            readings.push(reading(key, seq, at, seq * 200 * u64::from(key)));
        }
    }
    let inputs = EpochInputs {
        deployment: DEPLOYMENT,
        clock: EpochClock { genesis_time: 0, epoch_seconds: L },
        epoch: 1,
        params: RewardParams {
            compute_pool_bps: 5_000,
            green_bonus_bps: 0,
            work_per_staked_token: 10,
            wh_per_staked_token: 10_000,
            max_capacity_factor_bps: 10_000,
            max_work_per_wh: 1,
        },
        stake_decimals: 6,
        min_stake: [1, 1, 1],
        nodes,
        bindings,
        requesters: Vec::new(),
        readings: Vec::new(),
        receipts: Vec::new(),
    };
    (inputs, readings)
}

/// Crediting fed `chunks` through the stream, wanting `keys`.
fn fed(
    inputs: &EpochInputs,
    keys: &[u8],
    chunks: Vec<Vec<SignedReading>>,
) -> Result<EpochCredit, CreditError> {
    let (sender, feed): (_, ReadingFeed) = channel(keys.iter().map(|k| [*k; 32]).collect());
    let tx = sender.into_inner();
    for chunk in chunks {
        tx.try_send(chunk).expect("room for the test's chunks");
    }
    drop(tx);
    credit_epoch_fed(inputs, |c| feed.feed(c))
}

#[test]
fn chunks_that_split_a_keys_readings_credit_as_one_list() {
    let (inputs, readings) = world();
    let mut whole = inputs.clone();
    whole.readings = readings.clone();
    let expected = credit_epoch(&whole).expect("credit");
    assert!(expected.nodes.iter().all(|n| n.energy.credited_wh > 0), "{expected:?}");
    // Chunks of 5 split keys 2, 3 and 4's four readings over two chunks each.
    let chunks = readings.chunks(5).map(<[SignedReading]>::to_vec).collect();
    assert_eq!(fed(&inputs, &[1, 2, 3, 4], chunks).expect("fed"), expected);
}

#[test]
fn readings_of_keys_not_listed_are_skipped_whole() {
    // Given keys 2 and 4 not listed (their first reading of the epoch came after the list),
    let (inputs, readings) = world();
    let mut listed = inputs.clone();
    listed.readings =
        readings.iter().filter(|r| [1, 3].contains(&r.device_key[0])).copied().collect();
    let expected = credit_epoch(&listed).expect("credit");
    // Then crediting is that of keys 1 and 3 alone.
    let chunks = readings.chunks(5).map(<[SignedReading]>::to_vec).collect();
    assert_eq!(fed(&inputs, &[1, 3], chunks).expect("fed"), expected);
}

#[test]
fn keys_out_of_order_are_refused_even_when_not_listed() {
    let (inputs, readings) = world();
    // Key 2 after key 3, within a chunk and across chunks; key 2 is not even listed.
    let out_of_order: Vec<SignedReading> =
        readings.iter().filter(|r| r.device_key[0] == 3).chain(&readings[4..8]).copied().collect();
    let err = fed(&inputs, &[1, 3], vec![out_of_order.clone()]).expect_err("refused");
    assert_eq!(err, CreditError::DeviceKeysOutOfOrder([2; 32]));
    let (three, two) = out_of_order.split_at(4);
    let err = fed(&inputs, &[1, 2, 3], vec![three.to_vec(), two.to_vec()]).expect_err("refused");
    assert_eq!(err, CreditError::DeviceKeysOutOfOrder([2; 32]));
}
