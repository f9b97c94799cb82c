//! Vote intents across restarts, and the determinism alarm.

use anchor_lang::AnchorSerialize;
use gridmint_oracle::driver::Step;
use gridmint_oracle::epoch::Outcome;
use gridmint_oracle::store::{Store, VoteRow, VoteStatus};
use gridmint_oracle::vote::{vote_hash, VoteOutcome};
use gridmint_sdk::rewards::SubmitReportArgs;

use crate::harness::{build, Net, OracleUnderTest};
use crate::quorum::{epoch_1_readings, finalize_empty_epoch_0};

/// Oracle 0's result for epoch 1, computed through its own engine.
async fn result_of_oracle_0(net: &mut Net) -> gridmint_protocol::rewards::EpochReport {
    let config = net.env.rewards_config().await;
    match net.oracles[0].oracle.engine.compute(&config, 1, None).await.expect("compute") {
        Outcome::Closed(c) => c.report.clone(),
        Outcome::Abstain(why) => panic!("abstained: {why}"),
    }
}

fn intent(report: &gridmint_protocol::rewards::EpochReport, set_version: u32) -> VoteRow {
    let args = SubmitReportArgs {
        epoch: report.epoch,
        round: 0,
        root: report.root,
        cumulative_total: report.cumulative_total,
        recipient_count: report.recipient_count,
        manifest_hash: report.manifest_hash,
    };
    let mut bytes = Vec::new();
    args.serialize(&mut bytes).expect("borsh");
    VoteRow {
        epoch: report.epoch,
        round: 0,
        set_version,
        vote_hash: vote_hash(report),
        report: bytes,
        status: VoteStatus::Intent,
        signature: None,
    }
}

/// Oracle 0 again over the same database file, as after a crash.
async fn restart_oracle_0(net: &mut Net) -> OracleUnderTest {
    let path = net.oracles[0].dir.path().join("oracle.db");
    let store = Store::open(&Store::sqlite_url(&path)).await.expect("reopen");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let peers = net.oracles[1..].iter().map(|o| o.base.clone()).collect();
    let key = solana_keypair::Keypair::try_from(net.rewards.oracles[0].to_bytes().as_slice())
        .expect("key");
    let dir = tempfile::tempdir().expect("tempdir");
    build(&net.env, &net.staking, key, peers, listener, base, store, dir)
}

#[tokio::test]
async fn a_restart_after_writing_the_intent_sends_it_once() {
    let mut net = Net::start().await;
    finalize_empty_epoch_0(&mut net).await;
    net.post(0, &epoch_1_readings(&net)).await;
    net.advance_to_report_time(1).await;
    assert!(matches!(net.tick(1).await, Step::Syncing { .. }), "oracle 1 publishes");
    // Oracle 0 wrote its intent, then died before sending.
    let report = result_of_oracle_0(&mut net).await;
    let version = net.env.rewards_config().await.oracles.version;
    let row = intent(&report, version);
    net.oracles[0].ingest.store.save_vote_intent(&row).await.expect("intent");

    let restarted = restart_oracle_0(&mut net).await;
    let step = restarted.oracle.tick().await.expect("tick");
    assert!(
        matches!(step, Step::Voted { outcome: VoteOutcome::Sent { round: 0, .. }, .. }),
        "{step:?}"
    );
    let slot0 = net.epoch_state(1).await.expect("epoch").votes[0];
    assert_eq!(slot0, row.vote_hash);
    // The next tick finds the vote on chain and sends nothing.
    let step = restarted.oracle.tick().await.expect("tick");
    assert_eq!(step, Step::Voted { epoch: 1, outcome: VoteOutcome::AlreadyVoted { round: 0 } });
    let stored = restarted.ingest.store.vote(1, 0, version).await.expect("db").expect("row");
    assert_eq!(stored.status, VoteStatus::Confirmed);
    assert!(stored.signature.is_some());
}

#[tokio::test]
async fn an_intent_for_another_result_is_not_followed_by_a_second_vote() {
    let mut net = Net::start().await;
    finalize_empty_epoch_0(&mut net).await;
    net.post(0, &epoch_1_readings(&net)).await;
    net.advance_to_report_time(1).await;
    net.tick(1).await;
    let mut stale = result_of_oracle_0(&mut net).await;
    stale.root = [9; 32];
    let version = net.env.rewards_config().await.oracles.version;
    net.oracles[0].ingest.store.save_vote_intent(&intent(&stale, version)).await.expect("intent");
    let restarted = restart_oracle_0(&mut net).await;
    let step = restarted.oracle.tick().await.expect("tick");
    assert_eq!(step, Step::Voted { epoch: 1, outcome: VoteOutcome::IntentDiffers { round: 0 } });
    assert_eq!(net.epoch_state(1).await, None, "nothing was sent");
}

#[tokio::test]
async fn a_different_vote_of_ours_on_chain_raises_the_determinism_alarm() {
    let mut net = Net::start().await;
    finalize_empty_epoch_0(&mut net).await;
    net.post(0, &epoch_1_readings(&net)).await;
    net.advance_to_report_time(1).await;
    net.tick(1).await;
    let mut other = result_of_oracle_0(&mut net).await;
    other.root = [7; 32];
    let args = SubmitReportArgs {
        epoch: 1,
        round: 0,
        root: other.root,
        cumulative_total: other.cumulative_total,
        recipient_count: other.recipient_count,
        manifest_hash: other.manifest_hash,
    };
    let key = net.rewards.oracles[0].insecure_clone();
    net.env.submit_report(&key, args).await.expect("a vote of ours, computed elsewhere");
    let step = net.tick(0).await;
    let Step::Voted { outcome: VoteOutcome::DeterminismAlarm { on_chain, .. }, .. } = step else {
        panic!("expected the alarm, got {step:?}");
    };
    assert_eq!(on_chain, vote_hash(&other));
    assert!(net.oracles[0].oracle.status().alarms.iter().any(|a| a.contains("determinism")));
    assert_eq!(net.epoch_state(1).await.expect("epoch").votes[0], on_chain, "not retried");
    // Found again by the next step, the alarm is counted once; each attempt is counted.
    net.tick(0).await;
    let text = net.metrics(0).await;
    for line in [
        "gridmint_determinism_alarms_total 1",
        r#"gridmint_votes_total{outcome="determinism_alarm"} 2"#,
    ] {
        assert!(text.lines().any(|l| l == line), "`{line}` missing from\n{text}");
    }
}
