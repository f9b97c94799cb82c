//! `report_fraud`: each proof kind succeeds, and its effects (slash active then pending,
//! bounty, treasury, jail, evidence record, event).

use super::prelude::*;

/// Sends the proof after simulating it, returning its `FraudProven` event.
async fn report_with_event(w: &mut World, x: &SignedReading, y: &SignedReading) -> FraudProven {
    let ixs = w.ixs(x, y);
    let inner = w.env.simulate_inner_data(&ixs, &[&w.reporter.keypair]).await.expect("simulates");
    w.send(&ixs).await.expect("report_fraud");
    let mut events = events_of::<FraudProven>(&inner);
    assert_eq!(events.len(), 1, "exactly one FraudProven event");
    events.remove(0)
}

#[tokio::test]
async fn equivocation_ok() {
    // Given two different readings the device signed with the same sequence number
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = w.equivocation();

    // When anyone reports them
    let event = report_with_event(&mut w, &x, &y).await;

    // Then 10 % of the stake is slashed: 2 % to the reporter, 8 % to the treasury
    assert_eq!(w.balances().await, (200, 800, STAKE - 1_000));
    let node = w.node_state().await;
    assert_eq!((node.active_stake, node.pending_stake, node.jailed), (9_000, 0, true));
    let now = w.env.now().await;
    assert_eq!(node.jailed_at, now);
    let config = w.config_state().await;
    assert_eq!(
        (config.total_active, config.total_pending, config.total_slashed),
        (9_000, 0, 1_000)
    );

    // And the evidence is recorded under its canonical hash
    let hash = fraud_sdk::pair_hash(&x, &y);
    let address = evidence_address(&w.s, &x, &y);
    let record: FraudEvidence = w.env.anchor_account(&address).await;
    assert_eq!(record.kind, FraudKind::Equivocation);
    assert_eq!(
        (record.config, record.node, record.node_id),
        (w.s.config, w.node.address, w.node.node_id)
    );
    assert_eq!((record.device_key, record.evidence_hash), (w.node.device.pubkey(), hash));
    assert_eq!((record.sequence_a, record.sequence_b), (5, 5));
    assert_eq!((record.reporter, record.slashed, record.bounty), (w.reporter.pubkey(), 1_000, 200));
    assert_eq!(record.reported_at, now);
    assert_eq!(record.bump, fraud_sdk::evidence_pda(&w.s.config, &hash).1);

    // And the event carries every figure
    assert_eq!(event.kind, FraudKind::Equivocation);
    assert_eq!(
        (event.node, event.node_id, event.device_key),
        (w.node.address, w.node.node_id, w.node.device.pubkey())
    );
    assert_eq!(
        (event.evidence, event.evidence_hash, event.reporter),
        (address, hash, w.reporter.pubkey())
    );
    assert_eq!((event.slashed, event.bounty, event.to_treasury), (1_000, 200, 800));
    assert_eq!((event.from_active, event.from_pending, event.jailed_at), (1_000, 0, now));
    assert_eq!((event.sequence_a, event.sequence_b), (5, 5));
}

#[tokio::test]
async fn equivocation_on_token_2022_ok() {
    // Given a deployment whose stake mint is a Token-2022 mint
    let mut w = World::on(NodeKind::Energy, token_2022()).await;
    let (x, y) = w.equivocation();

    // When an equivocation is reported
    w.report(&x, &y).await.expect("report_fraud");

    // Then the penalty moves through Token-2022 exactly as with SPL Token
    assert_eq!(w.balances().await, (200, 800, STAKE - 1_000));
    assert!(w.node_state().await.jailed);
}

#[tokio::test]
async fn counter_regression_ok() {
    // Given a later reading whose counter is lower
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = w.regression();

    // When reported
    w.report(&x, &y).await.expect("report_fraud");

    // Then the node is slashed and jailed for a counter regression
    let record: FraudEvidence = w.env.anchor_account(&evidence_address(&w.s, &x, &y)).await;
    assert_eq!(record.kind, FraudKind::CounterRegression);
    assert_eq!((record.sequence_a, record.sequence_b), (1, 2));
    assert!(w.node_state().await.jailed);
    assert_eq!(w.balances().await, (200, 800, STAKE - 1_000));
}

#[tokio::test]
async fn consumed_counter_regression_on_hybrid_ok() {
    // Given a hybrid node whose consumed-energy counter goes backwards
    let mut w = World::new(NodeKind::Hybrid).await;
    let mut a = w.reading(1, 60, 500);
    let mut b = w.reading(2, 120, 600);
    a.consumed_wh = 80;
    b.consumed_wh = 79;
    let (x, y) = (sign(&w.node.device, a), sign(&w.node.device, b));

    // When reported / Then it is a counter regression
    w.report(&x, &y).await.expect("report_fraud");
    let record: FraudEvidence = w.env.anchor_account(&evidence_address(&w.s, &x, &y)).await;
    assert_eq!(record.kind, FraudKind::CounterRegression);
}

#[tokio::test]
async fn capacity_violation_ok() {
    // Given a 5 kWp node whose counter rose by 1 Wh more than an hour at 110 % (+60 s skew,
    // +1 Wh) allows: 5,594 Wh
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = (w.signed(1, 0, 1_000), w.signed(2, 3_600, 1_000 + 5_594));

    // When reported
    let event = report_with_event(&mut w, &x, &y).await;

    // Then it is a capacity violation
    assert_eq!(event.kind, FraudKind::CapacityViolation);
    assert!(w.node_state().await.jailed);
}

#[tokio::test]
async fn capacity_violation_with_no_time_between_readings_ok() {
    // Given two readings with the same timestamp 94 Wh apart (only 93 Wh of slack)
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = (w.signed(1, 10, 0), w.signed(2, 10, 94));

    // When reported / Then the capacity rule covers it
    w.report(&x, &y).await.expect("report_fraud");
    let record: FraudEvidence = w.env.anchor_account(&evidence_address(&w.s, &x, &y)).await;
    assert_eq!(record.kind, FraudKind::CapacityViolation);
}

#[tokio::test]
async fn capacity_after_a_decrease_ok_but_not_across_it() {
    // Given a 5 kWp node lowered to 1 kWp some time after its binding
    let mut w = World::new(NodeKind::Energy).await;
    w.env.warp_seconds(7_200).await;
    let lower = sdk::UpdateNodeArgs {
        capacity: Some(Capacity { energy_wp: 1_000, compute_units_per_hour: 0 }),
        ..Default::default()
    };
    let ix = sdk::update_node(&w.op.pubkey(), w.node.node_id, lower);
    w.env.send(&[ix], &[&w.op.keypair]).await.expect("update_node");
    let lowered_at = w.node_state().await.capacity_lowered_at;
    let dt_lowered = lowered_at - w.t0;

    // When 4 kWh in an hour straddling the decrease is reported
    let (x, y) = (w.signed(1, dt_lowered - 1_800, 0), w.signed(2, dt_lowered + 1_800, 4_000));
    // Then the most lenient capacity (5 kWp) applies and nothing is proven
    assert_error(w.report(&x, &y).await, E::NoFraudProven);

    // When the same rise is reported for an hour entirely after the decrease (past the skew)
    let (x, y) = (w.signed(3, dt_lowered + 100, 4_000), w.signed(4, dt_lowered + 3_700, 8_000));
    // Then 1 kWp applies and it is a capacity violation
    w.report(&x, &y).await.expect("report_fraud");
    let record: FraudEvidence = w.env.anchor_account(&evidence_address(&w.s, &x, &y)).await;
    assert_eq!(record.kind, FraudKind::CapacityViolation);
}

#[tokio::test]
async fn slash_takes_active_then_pending_ok() {
    // Given a node with 400 active and 9,600 pending stake
    let mut w = World::new(NodeKind::Energy).await;
    let mut node = w.node_state().await;
    node.active_stake = 400;
    node.pending_stake = 9_600;
    w.s.set_node(&mut w.env, w.node.node_id, &node).await;
    let mut config = w.config_state().await;
    config.total_active = 400;
    config.total_pending = 9_600;
    w.s.set_config(&mut w.env, &config).await;

    // When fraud is proven
    let (x, y) = w.regression();
    let event = report_with_event(&mut w, &x, &y).await;

    // Then 10 % of the whole stake is taken, active first
    assert_eq!((event.slashed, event.from_active, event.from_pending), (1_000, 400, 600));
    let node = w.node_state().await;
    assert_eq!((node.active_stake, node.pending_stake), (0, 9_000));
    let config = w.config_state().await;
    assert_eq!((config.total_active, config.total_pending), (0, 9_000));
    assert_eq!(w.balances().await, (200, 800, 9_000));
}

#[tokio::test]
async fn tiny_stake_is_jailed_without_transfers_ok() {
    // Given a node holding 9 tokens (10 % rounds down to 0)
    let mut w = World::new(NodeKind::Energy).await;
    let mut node = w.node_state().await;
    node.active_stake = 9;
    w.s.set_node(&mut w.env, w.node.node_id, &node).await;
    let mut config = w.config_state().await;
    config.total_active = 9;
    w.s.set_config(&mut w.env, &config).await;

    // When fraud is proven
    let (x, y) = w.regression();
    let event = report_with_event(&mut w, &x, &y).await;

    // Then nothing moves, but the node is jailed and the evidence recorded
    assert_eq!((event.slashed, event.bounty, event.to_treasury), (0, 0, 0));
    let node = w.node_state().await;
    assert_eq!((node.active_stake, node.jailed), (9, true));
    assert_eq!(w.balances().await, (0, 0, STAKE));
    assert!(w.env.account(&evidence_address(&w.s, &x, &y)).await.is_some());
}

#[tokio::test]
async fn rotated_out_key_still_proves_readings_signed_while_bound_ok() {
    // Given a node whose device key was rotated an hour after binding
    let mut w = World::new(NodeKind::Energy).await;
    w.env.warp_seconds(3_600).await;
    let new_device = Keypair::new();
    let ix = sdk::rotate_device_key(
        &w.op.pubkey(),
        w.node.node_id,
        &w.node.device.pubkey(),
        &new_device.pubkey(),
    );
    w.env.send(&[ix], &[&w.op.keypair, &new_device]).await.expect("rotate");

    // When readings the old key signed before the rotation are reported
    let (x, y) = w.regression();
    w.report(&x, &y).await.expect("report_fraud");

    // Then they still count
    let record: FraudEvidence = w.env.anchor_account(&evidence_address(&w.s, &x, &y)).await;
    assert_eq!(record.device_key, w.node.device.pubkey());
    assert!(w.node_state().await.jailed);
}

#[tokio::test]
async fn report_while_paused_ok() {
    // Given a paused deployment
    let mut w = World::new(NodeKind::Energy).await;
    let ix = sdk::pause(&w.s.authority.pubkey());
    w.env.send(&[ix], &[&w.s.authority]).await.expect("pause");

    // When fraud is reported / Then pausing does not shield it
    let (x, y) = w.equivocation();
    w.report(&x, &y).await.expect("report_fraud");
    assert!(w.node_state().await.jailed);
}

#[tokio::test]
async fn prefunded_evidence_address_does_not_block_ok() {
    // Given someone sent lamports to the evidence address in advance
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = w.regression();
    let address = evidence_address(&w.s, &x, &y);
    w.env.fund(&address, 1_000_000).await;

    // When the fraud is reported / Then the record is still created
    w.report(&x, &y).await.expect("report_fraud");
    let record: FraudEvidence = w.env.anchor_account(&address).await;
    assert_eq!(record.kind, FraudKind::CounterRegression);
}

#[tokio::test]
async fn ed25519_instructions_anywhere_in_the_transaction_ok() {
    // Given the two Ed25519 instructions placed after report_fraud, in reverse order
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = w.regression();
    let (first, second) = fraud_sdk::canonical_pair(&x, &y);
    let report = fraud_sdk::report_fraud(
        &w.reporter.pubkey(),
        w.node.node_id,
        &fraud_tokens(&w.s, &w.reporter.token),
        first,
        second,
        fraud_sdk::ReportFraudArgs { first_ix: 2, second_ix: 1 },
    );

    // When sent / Then the indices in the args find them
    w.send(&[report, second.ed25519_instruction(), first.ed25519_instruction()])
        .await
        .expect("report_fraud");
    assert!(w.node_state().await.jailed);
}

#[tokio::test]
async fn fraud_proof_fits_in_one_transaction() {
    // Given a complete fraud-proof transaction
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = w.regression();
    let ixs = w.ixs(&x, &y);
    let tx = w.env.transaction(&ixs, &[&w.reporter.keypair]).await;

    // Then it fits the 1,232-byte packet limit with room to spare for a compute-budget ix
    let size = bincode_size(&tx);
    assert!(size <= 1_232 - 50, "fraud proof is {size} bytes");
}

/// Serialized size of a legacy transaction (what goes over the wire).
fn bincode_size(tx: &solana_transaction::Transaction) -> usize {
    let message = tx.message.serialize();
    // compact-u16 signature count (1 byte below 128) + signatures + message
    1 + tx.signatures.len() * 64 + message.len()
}
