//! The watchtower against a real Bank: readings stored as ingest stores them, reports sent
//! with the oracle's keypair, and every outcome of a pass asserted exactly.

// The store tests' per-test PostgreSQL schema, shared by path.
#[path = "../src/store/pg_schema.rs"]
mod pg_schema;
#[path = "watchtower/setup.rs"]
mod setup;
#[path = "watchtower/world.rs"]
mod world;

use std::sync::{Arc, Mutex};

use anchor_lang::prelude::Pubkey;
use gridmint_oracle::watchtower::{Failure, PassSummary, Report, Watchtower};
use gridmint_protocol::fraud::FraudKind;
use gridmint_sdk::chain::{Chain, ChainExt};
use gridmint_sdk::fraud::FraudEvidence;
use gridmint_sdk::node_staking as sdk;
use gridmint_test_support::fraud::evidence_address;
use solana_keypair::Keypair;
use solana_signer::Signer;
use world::{RivalFirst, World, BOUNTY};

#[tokio::test]
async fn equivocation_is_reported_once_and_the_oracle_is_paid() {
    // Given honest readings and two different readings with sequence number 5
    let mut w = World::new().await;
    let mut readings = w.honest(&w.node, 1..5);
    let (x, y) = (w.signed(&w.node, 5, 1_300, 100), w.signed(&w.node, 5, 1_300, 120));
    readings.extend([x, y]);
    w.store_readings(&readings, 1_000).await;
    let lamports = w.oracle_lamports().await;

    // When the watchtower runs a pass
    let tower = w.watchtower();
    let summary = tower.run_once().await.expect("pass");

    // Then it reported the pair, the node is jailed and the oracle's account got the bounty
    let evidence = evidence_address(&w.staking, &x, &y);
    // (The signature is the chain's to pick.)
    let signature = summary.reported.first().expect("reported").signature;
    let expected = PassSummary {
        readings_scanned: 6,
        keys_scanned: 1,
        reported: vec![Report {
            device_key: w.node.device.pubkey(),
            node_id: w.node.node_id,
            kind: FraudKind::Equivocation,
            evidence,
            signature,
        }],
        ..PassSummary::default()
    };
    assert_eq!(summary, expected);
    assert!(w.node_state(w.node.node_id).await.jailed);
    assert_eq!(w.token_balance(w.oracle.token).await, BOUNTY);
    let record: FraudEvidence = w.env.anchor_account(&evidence).await;
    assert_eq!((record.reporter, record.sequence_a, record.sequence_b), (w.oracle.pubkey(), 5, 5));
    assert!(w.oracle_lamports().await < lamports, "the oracle paid fee and rent");

    // And a second pass (the rows are inside the cursor's overlap) sends nothing
    assert_eq!(w.store.watch_cursor().await.expect("cursor"), 1_000 - 60);
    let lamports = w.oracle_lamports().await;
    let again = tower.run_once().await.expect("pass");
    let expected = PassSummary {
        readings_scanned: 6,
        keys_scanned: 1,
        skipped_jailed: 1,
        ..PassSummary::default()
    };
    assert_eq!(again, expected);
    assert_eq!(w.oracle_lamports().await, lamports);

    // And once the rows are older than the overlap, they are not read again
    w.store_readings(&w.honest(&w.node, 6..7), 2_000).await;
    tower.run_once().await.expect("pass");
    let later = tower.run_once().await.expect("pass");
    assert_eq!((later.readings_scanned, later.skipped_jailed), (1, 1));
}

#[tokio::test]
async fn regressions_and_capacity_violations_are_reported_per_node() {
    // Given one node whose counter falls, one whose counter rises 5,594 Wh in an hour at
    // 5 kWp (one more than allowed), and one honest node
    let mut w = World::new().await;
    let (fast, fair) = (w.register().await, w.register().await);
    let regression = [w.signed(&w.node, 1, 60, 500), w.signed(&w.node, 2, 120, 499)];
    let capacity = [w.signed(&fast, 1, 1_000, 1_000), w.signed(&fast, 2, 4_600, 1_000 + 5_594)];
    w.store_readings(&regression, 10).await;
    w.store_readings(&capacity, 10).await;
    w.store_readings(&w.honest(&fair, 1..10), 10).await;

    // When a pass runs
    let summary = w.watchtower().run_once().await.expect("pass");

    // Then both frauds are reported with their kinds, and the honest node is left alone
    let mut reported: Vec<(u64, FraudKind, Pubkey)> =
        summary.reported.iter().map(|r| (r.node_id, r.kind, r.evidence)).collect();
    reported.sort_by_key(|r| r.0);
    assert_eq!(
        reported,
        vec![
            (
                w.node.node_id,
                FraudKind::CounterRegression,
                evidence_address(&w.staking, &regression[0], &regression[1])
            ),
            (
                fast.node_id,
                FraudKind::CapacityViolation,
                evidence_address(&w.staking, &capacity[0], &capacity[1])
            ),
        ]
    );
    assert_eq!((summary.keys_scanned, summary.honest, summary.readings_scanned), (3, 1, 13));
    assert!(w.node_state(w.node.node_id).await.jailed);
    assert!(w.node_state(fast.node_id).await.jailed);
    assert!(!w.node_state(fair.node_id).await.jailed);
    assert_eq!(w.token_balance(w.oracle.token).await, 2 * BOUNTY);
}

#[tokio::test]
async fn honest_readings_send_nothing() {
    let mut w = World::new().await;
    let tower = w.watchtower();
    // An empty store: an empty pass.
    assert_eq!(tower.run_once().await.expect("pass"), PassSummary::default());
    w.store_readings(&w.honest(&w.node, 1..30), 5).await;
    let lamports = w.oracle_lamports().await;

    let summary = tower.run_once().await.expect("pass");

    let expected =
        PassSummary { readings_scanned: 29, keys_scanned: 1, honest: 1, ..PassSummary::default() };
    assert_eq!(summary, expected);
    assert_eq!(w.oracle_lamports().await, lamports);
    assert!(!w.node_state(w.node.node_id).await.jailed);
}

#[tokio::test]
async fn losing_the_race_for_the_same_pair_is_an_outcome_not_an_error() {
    // Given an equivocation, and a rival whose report of it lands just before ours
    let mut w = World::new().await;
    let (x, y) = (w.signed(&w.node, 5, 60, 100), w.signed(&w.node, 5, 60, 200));
    w.store_readings(&[x, y], 1).await;
    let rival = w.rival().await;
    let report = w.rival_report(&rival, w.node.node_id, &x, &y);
    let chain: Arc<dyn Chain> =
        Arc::new(RivalFirst { bank: w.bank.clone(), rival: Mutex::new(Some(report)) });
    let tower =
        Watchtower::new(w.store.clone(), chain, w.oracle.keypair.insecure_clone(), w.oracle.token);
    let lamports = w.oracle_lamports().await;

    // When the watchtower reports (its evidence check passed before the rival landed)
    let summary = tower.run_once().await.expect("a lost race is no error");

    // Then the race is counted as lost (EvidenceAlreadyUsed), the rival was paid, we were not
    let expected = PassSummary {
        readings_scanned: 2,
        keys_scanned: 1,
        lost_races: 1,
        ..PassSummary::default()
    };
    assert_eq!(summary, expected);
    assert_eq!(w.token_balance(rival.token).await, BOUNTY);
    assert_eq!(w.token_balance(w.oracle.token).await, 0);
    assert_eq!(w.oracle_lamports().await, lamports, "the refused report was never sent");
    assert_eq!(w.store.watch_cursor().await.expect("cursor"), 0, "1 - 60 is before the start");
}

#[tokio::test]
async fn losing_the_race_to_another_pair_is_an_outcome_too() {
    // Given an equivocation (ours, first in canonical order) and a counter regression that a
    // rival reports just before us, jailing the node (NodeJailed)
    let mut w = World::new().await;
    let (x, y) = (w.signed(&w.node, 5, 60, 100), w.signed(&w.node, 5, 60, 200));
    let (a, b) = (w.signed(&w.node, 7, 180, 300), w.signed(&w.node, 8, 240, 250));
    w.store_readings(&[x, y, a, b], 1).await;
    let rival = w.rival().await;
    let report = w.rival_report(&rival, w.node.node_id, &a, &b);
    let chain: Arc<dyn Chain> =
        Arc::new(RivalFirst { bank: w.bank.clone(), rival: Mutex::new(Some(report)) });
    let tower =
        Watchtower::new(w.store.clone(), chain, w.oracle.keypair.insecure_clone(), w.oracle.token);

    let summary = tower.run_once().await.expect("a lost race is no error");

    assert_eq!((summary.lost_races, summary.reported.len(), summary.failed.len()), (1, 0, 0));
    assert!(w
        .bank
        .fetch::<FraudEvidence>(evidence_address(&w.staking, &x, &y), sdk::PROGRAM_ID, "evidence")
        .await
        .expect("read")
        .account
        .is_none());
    assert_eq!(w.token_balance(rival.token).await, BOUNTY);
}

#[tokio::test]
async fn evidence_already_recorded_is_skipped_after_an_unjailing() {
    // Given an equivocation timestamped after the coming unjailing, reported once
    let mut w = World::new().await;
    let (x, y) = (w.signed(&w.node, 5, 10_000, 100), w.signed(&w.node, 5, 10_000, 200));
    w.store_readings(&[x, y], 1).await;
    let tower = w.watchtower();
    assert_eq!(tower.run_once().await.expect("pass").reported.len(), 1);
    // And the authority unjails the node
    let ix = sdk::unjail(&w.staking.authority.pubkey(), w.node.node_id);
    let authority = w.staking.authority.insecure_clone();
    w.env.send(&[ix], &[&authority]).await.expect("unjail");
    let lamports = w.oracle_lamports().await;

    // When the pass sees the same readings again
    let summary = tower.run_once().await.expect("pass");

    // Then the pair's evidence exists, so nothing is sent
    let expected = PassSummary {
        readings_scanned: 2,
        keys_scanned: 1,
        skipped_already_reported: 1,
        ..PassSummary::default()
    };
    assert_eq!(summary, expected);
    assert_eq!(w.oracle_lamports().await, lamports);
    assert!(!w.node_state(w.node.node_id).await.jailed);
}

#[tokio::test]
async fn keys_without_a_binding_are_skipped() {
    let w = World::new().await;
    let stranger = w.same_node(Keypair::new());
    let (x, y) = (w.signed(&stranger, 5, 60, 1), w.signed(&stranger, 5, 60, 2));
    w.store_readings(&[x, y], 1).await;

    let summary = w.watchtower().run_once().await.expect("pass");

    let expected = PassSummary {
        readings_scanned: 2,
        keys_scanned: 1,
        skipped_unbound: 1,
        ..PassSummary::default()
    };
    assert_eq!(summary, expected);
}

#[tokio::test]
async fn a_node_is_reported_once_even_through_two_of_its_keys() {
    // Given a node whose first key equivocated before a rotation and whose second key
    // equivocated after it
    let mut w = World::new().await;
    w.env.warp_seconds(10_000).await;
    let successor = w.same_node(Keypair::new());
    let ix = sdk::rotate_device_key(
        &w.operator.pubkey(),
        w.node.node_id,
        &w.node.device.pubkey(),
        &successor.device.pubkey(),
    );
    let operator = w.operator.keypair.insecure_clone();
    w.env.send(&[ix], &[&operator, &successor.device]).await.expect("rotate");
    let before = [w.signed(&w.node, 5, 60, 1), w.signed(&w.node, 5, 60, 2)];
    let after = [w.signed(&successor, 9, 10_060, 1), w.signed(&successor, 9, 10_060, 2)];
    w.store_readings(&before, 1).await;
    w.store_readings(&after, 1).await;

    // When a pass runs
    let summary = w.watchtower().run_once().await.expect("pass");

    // Then one key's pair jailed the node and the other key was skipped, not raced
    assert_eq!(summary.reported.len(), 1);
    assert_eq!(
        (summary.keys_scanned, summary.skipped_jailed, summary.lost_races, summary.failed.len()),
        (2, 1, 0, 0)
    );
    assert_eq!(w.token_balance(w.oracle.token).await, BOUNTY);
}

#[tokio::test]
async fn a_refused_report_is_a_failure_and_the_cursor_waits_for_a_retry() {
    // Given an equivocation, and a watchtower paying bounties into an account it does not own
    let mut w = World::new().await;
    let (x, y) = (w.signed(&w.node, 5, 60, 100), w.signed(&w.node, 5, 60, 200));
    w.store_readings(&[x, y], 500).await;
    let misconfigured = w.watchtower_paying(w.operator.token);

    // When it runs
    let summary = misconfigured.run_once().await.expect("a refusal is no error");

    // Then the report failed with Anchor's owner check, and the cursor did not move
    let failure = &summary.failed[0];
    assert_eq!(summary.failed.len(), 1);
    assert_eq!(
        (failure.device_key, failure.node_id, failure.program_error.as_deref()),
        (w.node.device.pubkey(), w.node.node_id, Some("ConstraintTokenOwner"))
    );
    let expected = PassSummary {
        readings_scanned: 2,
        keys_scanned: 1,
        failed: vec![Failure { error: failure.error.clone(), ..failure.clone() }],
        ..PassSummary::default()
    };
    assert_eq!(summary, expected);
    assert!(failure.error.contains("ConstraintTokenOwner"), "{}", failure.error);
    assert_eq!(w.store.watch_cursor().await.expect("cursor"), 0);
    assert!(!w.node_state(w.node.node_id).await.jailed);

    // And once fixed, the next pass reports the same readings
    let summary = w.watchtower().run_once().await.expect("pass");
    assert_eq!(summary.reported.len(), 1);
    assert_eq!(w.store.watch_cursor().await.expect("cursor"), 500 - 60);
}
