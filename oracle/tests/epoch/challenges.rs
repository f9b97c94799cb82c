//! Compute challenges through three real oracles (SQLite stores, HTTP, the Bank's beacon
//! account): answers received at different times on each oracle's clock, synced, judged
//! alike at close (Pass, Late, WrongProduct, Void), the evidence in `inputs_root`; presence
//! attestations (NoAnswer instead of Void); and an epoch without a beacon account credited
//! exactly as `credit_epoch` credits it.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use gridmint_oracle::archive::build::from_store;
use gridmint_oracle::archive::format::encode_with;
use gridmint_oracle::archive::{verify, ArchiveError};
use gridmint_oracle::challenges::presence::Presence;
use gridmint_oracle::challenges::wire::answer_json;
use gridmint_oracle::epoch::close::Closed;
use gridmint_oracle::epoch::gather::{self, EpochContext};
use gridmint_oracle::epoch::Outcome;
use gridmint_protocol::challenge::answer::{answer_from_levels, prove, SignedAnswer};
use gridmint_protocol::challenge::attestation::{Attestation, NO_ANSWER};
use gridmint_protocol::challenge::beacon::{schedule, Challenge};
use gridmint_protocol::challenge::matrix::commit_product;
use gridmint_protocol::challenge::signatures::verify_attestation;
use gridmint_protocol::challenge::verdict::{FailReason, Verdict};
use gridmint_protocol::crediting::{credit_epoch, ChallengeTally, SignedReading};
use gridmint_protocol::messages::EnergyReading;
use gridmint_sdk::chain::{BanksChain, ChainExt};
use gridmint_sdk::node_staking::NodeKind;
use gridmint_sdk::rewards::{self as rw, ChallengeSettings};
use gridmint_test_support::node_staking::{capacity_for, TestNode};
use solana_signer::Signer;

use crate::harness::Net;

/// PROTOCOL.md §10.9's parameters: N = 4 beacons, R = 2 challenges, T = 1 s, grace 29 s.
const SETTINGS: ChallengeSettings = ChallengeSettings {
    beacons_per_epoch: 4,
    challenges_per_epoch: 2,
    target_seconds: 1,
    grace_seconds: 29,
};

/// Two hybrid nodes, three oracles (threshold 2), challenges on and every beacon of epoch 0
/// recorded; returns each node's challenges (two each).
async fn challenged_net() -> (Net, Vec<Vec<Challenge>>) {
    let mut net = Net::start_with(&[NodeKind::Hybrid, NodeKind::Hybrid]).await;
    let ix = rw::set_challenge_params(&net.rewards.authority.pubkey(), SETTINGS);
    net.env.send(&[ix], &[&net.rewards.authority]).await.expect("challenges on");
    let payer = net.env.funded_keypair(1_000_000_000).await;
    net.env.send(&[rw::create_beacons(&payer.pubkey(), 0)], &[&payer]).await.expect("create");
    let l = net.staking.epoch_seconds;
    for i in 0..4u16 {
        net.env.advance_to(net.staking.genesis_time + i64::from(i) * l / 4).await;
        net.env.send(&[rw::record_beacon(0, i)], &[]).await.expect("record");
    }
    let chain = BanksChain::new(net.env.ctx.banks_client.clone());
    let set = chain.beacons(0).await.expect("read").account.expect("beacon account");
    let deployment = net.staking.config.to_bytes();
    let units = capacity_for(NodeKind::Hybrid).compute_units_per_hour;
    let challenges = [&net.node, &net.others[0]]
        .iter()
        .map(|n| schedule(&deployment, &set, &n.address.to_bytes(), n.node_id, units))
        .collect::<Vec<_>>();
    assert!(challenges.iter().all(|c| c.len() == 2), "{challenges:?}");
    (net, challenges)
}

fn sign_answer(
    node: &TestNode,
    answer: &gridmint_protocol::challenge::answer::ChallengeAnswer,
    opening: Vec<u8>,
) -> SignedAnswer {
    let message = answer.encode();
    let signature = node.device.sign_message(&message).as_ref().try_into().expect("64 bytes");
    SignedAnswer { device_key: node.device.pubkey().to_bytes(), message, signature, opening }
}

/// Two readings of `node` in epoch 0 (2,000 Wh): the node is listed, so its challenge
/// evidence joins `inputs_root`.
fn readings(net: &Net, node: &TestNode) -> Vec<SignedReading> {
    [(1u64, 100i64, 1_000u64), (2, 3_700, 3_000)]
        .iter()
        .map(|&(sequence, offset, produced_wh)| {
            let message = EnergyReading {
                deployment: net.staking.config.to_bytes(),
                node_id: node.node_id,
                sequence,
                timestamp: net.staking.genesis_time + offset,
                produced_wh,
                consumed_wh: 0,
            }
            .encode();
            let signature = node.device.sign_message(&message).as_ref().try_into().expect("64");
            SignedReading { device_key: node.device.pubkey().to_bytes(), message, signature }
        })
        .collect()
}

/// Posts `answer` to oracle `i` with its clock at `at`; asserts it was accepted with an
/// attestation of that time.
async fn deliver(net: &Net, i: usize, answer: &SignedAnswer, at: i64) {
    net.oracles[i].clock.store(at, Ordering::SeqCst);
    let response = net
        .http
        .post(format!("{}/v1/challenges/answers", net.oracles[i].base))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&answer_json(answer)).expect("json"))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 200);
    let json: serde_json::Value =
        serde_json::from_slice(&response.bytes().await.expect("body")).expect("json");
    assert_eq!(json["results"][0]["status"], "accepted", "{json}");
    assert!(json["results"][0]["attestation"].is_object(), "{json}");
}

async fn close(net: &mut Net, i: usize, epoch: u64) -> std::sync::Arc<Closed> {
    let config = net.env.rewards_config().await;
    match net.oracles[i].oracle.engine.compute(&config, epoch, None).await.expect("compute") {
        Outcome::Closed(c) => c,
        Outcome::Abstain(why) => panic!("oracle {i} abstained: {why}"),
    }
}

/// Verdicts by (node, beacon index).
fn verdicts(c: &Closed) -> BTreeMap<([u8; 32], u16), Verdict> {
    let judged = c.challenges.as_ref().expect("the epoch has a beacon account");
    judged
        .outcomes
        .iter()
        .map(|o| ((o.challenge.node, o.challenge.beacon_index), o.verdict))
        .collect()
}

#[tokio::test]
async fn three_oracles_receiving_answers_at_different_times_reach_the_same_verdicts_and_root() {
    let (mut net, challenges) = challenged_net().await;
    let deployment = net.staking.config.to_bytes();
    let (a, b) = (&net.node, &net.others[0]);
    let (ka, kb) = (a.address.to_bytes(), b.address.to_bytes());
    let [a0, a1] = [challenges[0][0], challenges[0][1]];
    let [b0, b1] = [challenges[1][0], challenges[1][1]];

    // Node A answers both honestly: the first reaches the oracles 1, 2 and 3 s after issue
    // (Pass); the second 10, 30 and 31 s after, with the deadline at 30 (Late).
    let honest = |c: &Challenge, node: &TestNode| {
        let (m, opening) = prove(&deployment, c);
        sign_answer(node, &m, opening)
    };
    let (pass, late) = (honest(&a0, a), honest(&a1, a));
    for (i, dt) in [(0, 1), (1, 2), (2, 3)] {
        deliver(&net, i, &pass, a0.issued_at + dt).await;
    }
    for (i, dt) in [(0, 10), (1, 30), (2, 31)] {
        deliver(&net, i, &late, a1.issued_at + dt).await;
    }
    // Node B commits to another seed's product, on time everywhere (WrongProduct), and its
    // second answer reaches oracle 0 only: one oracle up of the two needed (Void).
    let (m, opening) = answer_from_levels(&deployment, &b0, &commit_product(&[0xEE; 32], &b0.size));
    let wrong = sign_answer(b, &m, opening);
    for i in 0..3 {
        deliver(&net, i, &wrong, b0.issued_at + 1).await;
    }
    deliver(&net, 0, &honest(&b1, b), b1.issued_at + 1).await;
    for node in [a, b] {
        net.post(0, &readings(&net, node)).await;
    }

    // When the epoch has ended and each oracle pulled its peers' inputs,
    net.env.advance_to(net.staking.genesis_time + net.staking.epoch_seconds + 1).await;
    for o in &net.oracles {
        o.oracle.peers.pull_inputs(&o.ingest, 0).await;
    }
    for (i, o) in net.oracles.iter().enumerate() {
        assert_eq!(o.ingest.store.epoch_answers(0).await.expect("answers").len(), 4, "oracle {i}");
        // 3 + 3 + 3 receipt attestations and oracle 0's of the void challenge's answer.
        let atts = o.ingest.store.epoch_attestations(0).await.expect("attestations");
        assert_eq!(atts.len(), 10, "oracle {i}");
    }
    let closed =
        [close(&mut net, 0, 0).await, close(&mut net, 1, 0).await, close(&mut net, 2, 0).await];

    // Then every oracle judges alike, with the expected verdicts and tallies,
    let expected = BTreeMap::from([
        ((ka, a0.beacon_index), Verdict::Pass),
        ((ka, a1.beacon_index), Verdict::Fail(FailReason::Late)),
        ((kb, b0.beacon_index), Verdict::Fail(FailReason::WrongProduct)),
        ((kb, b1.beacon_index), Verdict::Void),
    ]);
    for c in &closed {
        assert_eq!(verdicts(c), expected);
        let tallies = &c.challenges.as_ref().expect("judged").tallies;
        assert_eq!(tallies[&ka], ChallengeTally { issued: 2, passed: 1, void: 0 });
        assert_eq!(tallies[&kb], ChallengeTally { issued: 2, passed: 0, void: 1 });
    }
    // and the same inputs_root and manifest, which commit the challenge evidence.
    for c in &closed[1..] {
        assert_eq!(c.manifest.inputs_root, closed[0].manifest.inputs_root);
        assert_eq!(c.report.manifest_hash, closed[0].report.manifest_hash);
    }
    let considered = &closed[0].credit.as_ref().expect("credited").considered;
    for answer in [&pass, &late, &wrong] {
        assert!(considered.contains(&answer.identity()), "answer evidence is committed");
    }
    let manifest_node = closed[0].manifest.nodes.iter().find(|n| n.node == ka).expect("listed");
    assert_eq!(
        (
            manifest_node.challenges_issued,
            manifest_node.challenges_passed,
            manifest_node.challenges_void
        ),
        (2, 1, 0)
    );

    // The node's explanation lists its challenges and verdicts.
    let path = format!("/v1/epochs/0/nodes/{}/explain", bs58::encode(ka).into_string());
    let (status, why) = net.get(2, &path).await;
    assert_eq!(status, 200, "{why}");
    let listed: Vec<&str> = why["challenges"]
        .as_array()
        .expect("challenges")
        .iter()
        .map(|c| c["verdict"].as_str().expect("verdict"))
        .collect();
    assert_eq!(listed, ["Pass", "Fail(Late)"]);

    // The epoch's archive carries the committed evidence and verifies against the manifest,
    let config = net.env.rewards_config().await;
    let m = &closed[1].manifest;
    let bytes = from_store(&net.oracles[1].oracle.engine, &config, m)
        .await
        .expect("archive")
        .expect("this store reproduces the manifest");
    let v = verify(&bytes, Some(m)).expect("verifies");
    assert_eq!(v.header.version(), 2);
    assert_eq!((v.answers.len(), v.attestations.len()), (4, 10));
    // and a missing attestation or a changed opening is refused by name.
    let h = v.header;
    let archive = |answers: &[SignedAnswer], attestations: &[_]| {
        encode_with(
            0,
            h.inputs_root,
            h.manifest_hash,
            &v.readings,
            &v.receipts,
            answers,
            attestations,
        )
        .expect("encode")
    };
    let fewer = &v.attestations[1..];
    let err = verify(&archive(&v.answers, fewer), Some(m)).expect_err("missing attestation");
    assert!(matches!(err, ArchiveError::RootMismatch { .. }), "{err}");
    let mut changed = v.answers.clone();
    changed[0].opening[0] ^= 1;
    let err = verify(&archive(&changed, &v.attestations), Some(m)).expect_err("opening");
    assert_eq!(
        err,
        ArchiveError::ChallengeSignature {
            kind: "answer",
            index: 0,
            identity: gridmint_oracle::epoch::hex(&changed[0].identity()),
            reason: "OpeningMismatch".into(),
        }
    );
}

#[tokio::test]
async fn an_epoch_without_a_beacon_account_is_credited_exactly_as_before() {
    // Given a deployment whose epoch 0 has no beacon account, and an answer stored anyway,
    let mut net = Net::start_with(&[NodeKind::Hybrid]).await;
    let deployment = net.staking.config.to_bytes();
    let c = Challenge {
        id: [4; 32],
        node: net.node.address.to_bytes(),
        node_id: net.node.node_id,
        epoch: 0,
        beacon_index: 0,
        issued_at: net.staking.genesis_time,
        deadline: net.staking.genesis_time + 30,
        size: gridmint_protocol::challenge::matrix::size_for(3_600, 1),
    };
    let (m, opening) = prove(&deployment, &c);
    deliver(&net, 0, &sign_answer(&net.node, &m, opening), c.issued_at + 1).await;
    net.post(0, &readings(&net, &net.node)).await;
    net.env.advance_to(net.staking.genesis_time + net.staking.epoch_seconds + 1).await;

    // When oracle 0 closes it,
    let closed = close(&mut net, 0, 0).await;

    // Then nothing is judged and the credit is `credit_epoch`'s of the gathered inputs.
    assert!(closed.challenges.is_none());
    let engine = &net.oracles[0].oracle.engine;
    let config = net.env.rewards_config().await;
    let ctx = EpochContext::new(&config, deployment, 0).expect("context");
    let snapshot = engine.snapshot(0).await.expect("snapshot");
    let inputs = gather::gather(engine.chain.as_ref(), &engine.store, &ctx, &snapshot)
        .await
        .expect("gather");
    let credit = credit_epoch(&inputs).expect("credit");
    assert_eq!(closed.credit.as_ref(), Some(&credit));
    assert_eq!(closed.manifest.inputs_root, credit.inputs_root);
    assert!(closed.manifest.nodes.iter().all(|n| n.challenges_issued == 0));
}

#[tokio::test]
async fn presence_attestations_make_unanswered_challenges_fail_once_per_challenge() {
    let (mut net, challenges) = challenged_net().await;
    let all: Vec<Challenge> = challenges.iter().flatten().copied().collect();
    let first = all.iter().map(|c| c.deadline).min().expect("challenges");
    let last = all.iter().map(|c| c.deadline).max().expect("challenges");
    let presence: Vec<Presence> = net
        .oracles
        .iter()
        .map(|o| Presence::new(Arc::clone(&o.oracle.engine.chain), Arc::clone(&o.ingest)))
        .collect();

    // Given nobody answers, When oracles 0 and 1 pass before any deadline, Then they sign
    // nothing; at the last deadline each signs one presence attestation per challenge, once.
    for (o, p) in net.oracles.iter().zip(&presence).take(2) {
        o.clock.store(first - 1, Ordering::SeqCst);
        assert_eq!(p.tick().await.expect("pass"), 0);
        o.clock.store(last, Ordering::SeqCst);
        assert_eq!(p.tick().await.expect("pass"), 4);
        assert_eq!(p.tick().await.expect("pass"), 0, "once per challenge");
    }
    let stored = net.oracles[0].ingest.store.epoch_attestations(0).await.expect("attestations");
    for signed in &stored {
        let a = Attestation::decode(&signed.message).expect("decodes");
        assert_eq!((a.answer_id, a.received_at), (NO_ANSWER, last));
        verify_attestation(signed).expect("verifies");
    }
    let text = net.oracles[1].ingest.metrics.encode();
    let line = r#"gridmint_challenge_attestations_total{kind="presence"} 4"#;
    assert!(text.lines().any(|l| l == line), "{line} missing from\n{text}");

    // Then, oracle 2 being down, two oracles of the set were up for every challenge: each
    // fails for want of an answer instead of being void, and the evidence is committed.
    for node in [&net.node, &net.others[0]] {
        net.post(0, &readings(&net, node)).await;
    }
    net.env.advance_to(net.staking.genesis_time + net.staking.epoch_seconds + 1).await;
    let o = &net.oracles[0];
    o.oracle.peers.pull_inputs(&o.ingest, 0).await;
    let closed = close(&mut net, 0, 0).await;
    assert!(verdicts(&closed).values().all(|v| *v == Verdict::Fail(FailReason::NoAnswer)));
    let tallies = &closed.challenges.as_ref().expect("judged").tallies;
    assert!(tallies.values().all(|t| *t == ChallengeTally { issued: 2, passed: 0, void: 0 }));
    let considered = &closed.credit.as_ref().expect("credited").considered;
    assert!(stored.iter().all(|a| considered.contains(&a.identity())));
}
