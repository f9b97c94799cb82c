//! Quorum: uneven inputs give one root; a late reading gives an abstention, never a split;
//! a new round re-votes; a proof served by an oracle pays on chain; a new oracle continues
//! from its peers' finalized state.

use gridmint_oracle::driver::Step;
use gridmint_oracle::vote::VoteOutcome;
use gridmint_protocol::crediting::SignedReading;
use gridmint_sdk::rewards::{self as rw, EpochStatus};
use solana_signer::Signer;

use crate::harness::Net;

const DAY: i64 = 86_400;

fn sent(step: &Step) -> bool {
    matches!(step, Step::Voted { outcome: VoteOutcome::Sent { .. }, .. })
}

/// Epoch 0 (nothing reported) finalized by the three oracles.
pub async fn finalize_empty_epoch_0(net: &mut Net) {
    net.advance_to_report_time(0).await;
    assert!(matches!(net.tick(0).await, Step::Syncing { epoch: 0, agreeing: 1, .. }));
    assert!(sent(&net.tick(1).await), "oracle 1 agrees with oracle 0 and votes");
    assert!(sent(&net.tick(2).await), "the second vote finalizes");
    let state = net.epoch_state(0).await.expect("epoch 0");
    assert_eq!(state.status, EpochStatus::Final);
    assert_eq!(state.report.cumulative_total, 0);
    // Each oracle records the finalized state on its next step.
    for i in 0..3 {
        assert!(matches!(net.tick(i).await, Step::Idle(_)));
    }
}

/// Four hourly readings of the node in epoch 1 (the first is the baseline): 6,000 Wh.
pub fn epoch_1_readings(net: &Net) -> Vec<SignedReading> {
    (0..4u64).map(|i| net.reading(i + 1, DAY + 100 + 3_600 * i as i64, 1_000 + 2_000 * i)).collect()
}

#[tokio::test]
async fn uneven_inputs_finalize_one_root_and_a_served_proof_pays() {
    let mut net = Net::start().await;
    finalize_empty_epoch_0(&mut net).await;
    let r = epoch_1_readings(&net);
    net.post(0, &r[..2]).await;
    net.post(1, &r[2..3]).await;
    net.post(2, &r[3..]).await;
    net.advance_to_report_time(1).await;
    assert!(matches!(net.tick(0).await, Step::Syncing { epoch: 1, .. }));
    assert!(sent(&net.tick(1).await));
    assert!(sent(&net.tick(2).await));
    let state = net.epoch_state(1).await.expect("epoch 1");
    assert_eq!(state.status, EpochStatus::Final);
    let summaries: Vec<_> =
        (0..3).map(|i| net.oracles[i].oracle.summary(1).expect("closed")).collect();
    let result = |s: &gridmint_oracle::sync::CloseSummary| {
        (s.inputs_root.clone(), s.manifest_hash.clone(), s.vote_hash.clone())
    };
    assert!(summaries.iter().all(|s| result(s) == result(&summaries[0])), "{summaries:?}");
    assert_eq!(net.distinct_votes(1).await.len(), 1);

    // Why did the node earn this? Every input, the boundaries and the numbers.
    let node = net.node.address.to_string();
    let (status, why) = net.get(2, &format!("/v1/epochs/1/nodes/{node}/explain")).await;
    assert_eq!(status, 200, "{why}");
    assert_eq!(why["listed"], true);
    assert_eq!(why["credit"]["energy"]["credited_wh"], 6_000);
    assert_eq!(why["credit"]["energy"]["bindings"][0]["low"]["sequence"], 1);
    assert_eq!(why["credit"]["energy"]["bindings"][0]["end_boundary"]["sequence"], 4);
    let total = why["reward"]["total"].as_u64().expect("reward");
    assert!(total > 0);
    let recipient = why["credit"]["recipient"].as_str().expect("recipient").to_string();

    // Until epoch 1's challenge period ends, the newest usable root is epoch 0's.
    let (status, body) = net.get(1, &format!("/v1/claims/{recipient}")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("no rewards for this recipient up to epoch 0"))
    );

    net.env.advance_to(state.claimable_at).await;
    for i in 0..3 {
        net.tick(i).await; // records the finalized state in each ledger
    }
    let (status, claim) = net.get(1, &format!("/v1/claims/{recipient}")).await;
    assert_eq!(status, 200, "{claim}");
    assert_eq!(claim["epoch"], 1);
    assert_eq!(claim["cumulative"].as_u64(), Some(total));
    assert_eq!(claim["claimable"].as_u64(), Some(total));
    let proof: Vec<[u8; 32]> = claim["proof"]
        .as_array()
        .expect("proof")
        .iter()
        .map(|h| gridmint_oracle::epoch::unhex32(h.as_str().expect("hex")).expect("hash"))
        .collect();
    let recipient: anchor_lang::prelude::Pubkey = recipient.parse().expect("pubkey");
    net.env.claim_with(&net.rewards, &recipient, total, proof).await.expect("claim pays");
    assert_eq!(net.env.reward_balance(&net.rewards, &recipient).await, total);
    // Epoch 0 is superseded: an oracle's step returned its account's rent.
    assert_eq!(net.epoch_state(0).await, None, "close_epoch was cranked");
    let (_, after) = net.get(0, &format!("/v1/claims/{recipient}")).await;
    assert_eq!((after["claimed"].as_u64(), after["claimable"].as_u64()), (Some(total), Some(0)));

    // The manifest is served as JSON and as the exact Borsh bytes that hash to the vote.
    let (status, manifest) = net.get(0, "/v1/epochs/1/manifest").await;
    assert_eq!(status, 200);
    assert_eq!(manifest["nodes"][0]["energy_wh"], 6_000);
    assert_eq!(manifest["manifest_hash"], summaries[0].manifest_hash);
}

#[tokio::test]
async fn a_reading_that_reaches_one_oracle_mid_close_never_splits_the_vote() {
    let mut net = Net::start().await;
    finalize_empty_epoch_0(&mut net).await;
    let r = epoch_1_readings(&net);
    net.post(0, &r[..2]).await;
    net.post(1, &r[2..3]).await;
    net.advance_to_report_time(1).await;
    assert!(matches!(net.tick(0).await, Step::Syncing { .. }));
    assert!(sent(&net.tick(1).await), "oracles 0 and 1 agree without the last reading");

    // The last reading reaches only oracle 2, after oracle 1 voted.
    net.post(2, &r[3..]).await;
    assert!(matches!(net.tick(2).await, Step::Syncing { agreeing: 1, .. }));
    let text = net.metrics(2).await;
    assert!(text.lines().any(|l| l == "gridmint_peers_diverging 2"), "both peers differ: {text}");
    let step = net.tick(0).await; // pulls the late reading: now agrees with oracle 2
    assert!(matches!(step, Step::Abstained { epoch: 1, .. }), "{step:?}");
    let step = net.tick(2).await;
    assert!(matches!(step, Step::Abstained { epoch: 1, .. }), "{step:?}");
    assert_eq!(net.distinct_votes(1).await.len(), 1, "never two results in one round");
    // Oracle 1's own vote is from before the late reading: its result moved, no alarm.
    let step = net.tick(1).await;
    assert_eq!(step, Step::Voted { epoch: 1, outcome: VoteOutcome::IntentDiffers { round: 0 } });
    let text = net.metrics(1).await;
    for line in [
        r#"gridmint_votes_total{outcome="intent_differs"} 1"#,
        "gridmint_determinism_alarms_total 0",
    ] {
        assert!(text.lines().any(|l| l == line), "`{line}` missing from\n{text}");
    }
    assert!(net.oracles[1].oracle.status().alarms.iter().all(|a| !a.contains("determinism")));
    assert_eq!(net.epoch_state(1).await.expect("epoch").status, EpochStatus::Voting);

    // The authority opens a new round: every oracle now holds every reading.
    let ix = rw::open_round(&net.rewards.authority.pubkey(), 1);
    let authority = net.rewards.authority.insecure_clone();
    net.env.send(&[ix], &[&authority]).await.expect("open round");
    assert!(sent(&net.tick(0).await), "oracle 2 already published the same result");
    assert!(sent(&net.tick(1).await));
    let state = net.epoch_state(1).await.expect("epoch");
    assert_eq!((state.status, state.round), (EpochStatus::Final, 1));
    let summary = net.oracles[2].oracle.summary(1).expect("closed");
    assert_eq!(gridmint_oracle::epoch::hex(&state.report.manifest_hash), summary.manifest_hash);
    let (_, why) = net.get(1, &format!("/v1/epochs/1/nodes/{}/explain", net.node.address)).await;
    assert_eq!(why["credit"]["energy"]["credited_wh"], 6_000, "the late reading counted");
    net.tick(1).await; // records the finalized state
    let (_, why) = net.get(1, &format!("/v1/epochs/1/nodes/{}/explain", net.node.address)).await;
    assert_eq!(why["matches_finalized_manifest"], true);
}

#[tokio::test]
async fn a_new_oracle_continues_from_its_peers_finalized_state() {
    let mut net = Net::start().await;
    finalize_empty_epoch_0(&mut net).await;
    let r = epoch_1_readings(&net);
    net.post(0, &r).await;
    net.advance_to_report_time(1).await;
    net.tick(0).await;
    assert!(sent(&net.tick(1).await));
    assert!(sent(&net.tick(2).await));
    let claimable_at = net.epoch_state(1).await.expect("epoch").claimable_at;
    net.env.advance_to(claimable_at).await;
    for i in 0..3 {
        net.tick(i).await;
    }
    // A fourth oracle with an empty store and no vote key, peering with the three.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let peers = net.oracles.iter().map(|o| o.base.clone()).collect();
    let fresh = crate::harness::oracle(
        &net.env,
        &net.staking,
        solana_keypair::Keypair::new(),
        peers,
        listener,
        base,
    )
    .await;
    fresh.oracle.tick().await.expect("tick");
    let row = fresh.ingest.store.ledger_at(1).await.expect("store").expect("adopted");
    let config = net.env.rewards_config().await;
    assert_eq!((row.root, row.cumulative_total), (config.last_final_root, config.last_final_total));
}

#[tokio::test]
async fn an_oracle_set_update_makes_the_oracles_vote_again() {
    let mut net = Net::start().await;
    finalize_empty_epoch_0(&mut net).await;
    net.post(0, &epoch_1_readings(&net)).await;
    net.advance_to_report_time(1).await;
    assert!(matches!(net.tick(0).await, Step::Syncing { .. }));
    assert!(sent(&net.tick(1).await));
    // The authority re-sets the oracles (same keys): votes under the old version are stale.
    let keys = net.rewards.oracles.iter().map(|k| k.pubkey()).collect();
    let authority = net.rewards.authority.insecure_clone();
    let ix = rw::set_oracles(&authority.pubkey(), keys, 2);
    net.env.send(&[ix], &[&authority]).await.expect("set oracles");
    let step = net.tick(1).await;
    assert!(sent(&step), "oracle 1 votes again under the new set: {step:?}");
    assert!(sent(&net.tick(0).await));
    let state = net.epoch_state(1).await.expect("epoch");
    assert_eq!(state.status, EpochStatus::Final);
    assert_eq!(state.votes_set_version, net.env.rewards_config().await.oracles.version);
}

#[tokio::test]
async fn an_oracle_that_missed_the_vote_replays_the_finalized_manifest_from_its_peers() {
    let mut net = Net::start().await;
    finalize_empty_epoch_0(&mut net).await;
    let r = epoch_1_readings(&net);
    net.post(0, &r).await;
    net.advance_to_report_time(1).await;
    assert!(matches!(net.tick(0).await, Step::Syncing { .. }));
    assert!(sent(&net.tick(1).await));
    assert!(sent(&net.tick(0).await), "oracles 0 and 1 finalize without oracle 2");
    // Oracle 2 never computed epoch 1: it fetches the manifest the chain finalized from a
    // peer, checks its hash, replays it on its own epoch-0 state and checks the root.
    net.tick(2).await;
    let row = net.oracles[2].ingest.store.ledger_at(1).await.expect("db").expect("replayed");
    let config = net.env.rewards_config().await;
    assert_eq!((row.root, row.cumulative_total), (config.last_final_root, config.last_final_total));
    let state = net.epoch_state(1).await.expect("epoch");
    assert_eq!(row.manifest_hash, state.report.manifest_hash);
    let held = net.oracles[2].ingest.store.manifest(1, &row.manifest_hash).await.expect("db");
    assert!(held.is_some(), "the peer's copy is kept and served on");
}
