//! Every verdict named in the issue: an honest agent passes; a wrong product, a wrong size,
//! a late answer, a replay from an older challenge and another node's key fail; too few
//! oracles give a void challenge; oracles receiving at different times agree.

use rand::seq::SliceRandom;
use rand::{rngs::StdRng, SeedableRng};

use super::world::*;
use crate::challenge::answer::prove;
use crate::challenge::beacon::{schedule, Challenge};
use crate::challenge::matrix::KernelSize;
use crate::challenge::verdict::*;
use crate::crediting::tests::fixture::*;
use crate::crediting::ChallengeTally;

/// Given node 1's first challenge and `answers`/`attestations` for it, the verdict.
fn verdict_of(c: &Challenge, ev: &ChallengeEvidence) -> Verdict {
    let judged = judge_epoch(&world(), ev).unwrap();
    judged.outcomes.iter().find(|o| o.challenge.id == c.id).expect("scheduled").verdict
}

fn first() -> Challenge {
    challenges_of(1)[0]
}

#[test]
fn each_node_gets_one_challenge_per_group() {
    let (one, two) = (challenges_of(1), challenges_of(2));
    assert_eq!(one.len(), 2);
    assert_eq!(two.len(), 2);
    // One beacon of {0, 1} and one of {2, 3}.
    assert!(one[0].beacon_index < 2 && one[1].beacon_index >= 2);
    assert_eq!(one[0].size, KernelSize { rows: 64, cols: 32 });
    assert_eq!(one[0].deadline, one[0].issued_at + 30);
}

#[test]
fn honest_agent_passes_and_keeps_its_work() {
    // Given every challenge answered and received in time by all three oracles
    let ev = honest_evidence();
    // When the epoch is judged and credited
    let (credit, judged) = credit_epoch_with_challenges(&world(), &ev).unwrap();
    // Then every challenge passes and the work is unchanged
    assert!(judged.outcomes.iter().all(|o| o.verdict == Verdict::Pass));
    assert!(judged.rejected.is_empty());
    assert_eq!(judged.tallies[&[1; 32]], ChallengeTally { issued: 2, passed: 2, void: 0 });
    assert_eq!(of(&credit, 1).work.credited_units, 100);
    assert_eq!(of(&credit, 1).challenges, ChallengeTally { issued: 2, passed: 2, void: 0 });
}

#[test]
fn wrong_product_fails() {
    let c = first();
    let a = wrong_product(DEVICE_1, &c);
    let ev = evidence(vec![a.clone()], all_attest(&c, &a, [1, 1, 1]));
    assert_eq!(verdict_of(&c, &ev), Verdict::Fail(FailReason::WrongProduct));
}

#[test]
fn half_computed_product_fails() {
    // Rows computed only where i is even: each sampled row is right with probability 1/2.
    let c = first();
    let a = partial(DEVICE_1, &c, |i| i % 2 == 0);
    let ev = evidence(vec![a.clone()], all_attest(&c, &a, [1, 1, 1]));
    assert_eq!(verdict_of(&c, &ev), Verdict::Fail(FailReason::WrongProduct));
}

#[test]
fn product_of_the_wrong_size_fails() {
    let c = first();
    for size in [KernelSize { rows: 63, cols: 32 }, KernelSize { rows: 64, cols: 64 }] {
        let (answer, opening) = prove(&DEPLOYMENT, &Challenge { size, ..c });
        let a = sign_answer(DEVICE_1, &answer, opening);
        let ev = evidence(vec![a.clone()], all_attest(&c, &a, [1, 1, 1]));
        assert_eq!(verdict_of(&c, &ev), Verdict::Fail(FailReason::WrongSize));
    }
}

#[test]
fn truncated_or_altered_opening_fails() {
    let c = first();
    let mut a = honest(DEVICE_1, &c);
    a.opening.pop();
    let ev = evidence(vec![a.clone()], all_attest(&c, &a, [1, 1, 1]));
    assert_eq!(verdict_of(&c, &ev), Verdict::Fail(FailReason::BadOpening));
    let mut a = honest(DEVICE_1, &c);
    a.opening[0] ^= 1;
    let ev = evidence(vec![a.clone()], all_attest(&c, &a, [1, 1, 1]));
    assert_eq!(verdict_of(&c, &ev), Verdict::Fail(FailReason::BadOpening));
}

#[test]
fn late_answer_fails() {
    // Given an answer that reached two of three oracles at or after the deadline (30 s)
    let c = first();
    let a = honest(DEVICE_1, &c);
    let ev = evidence(vec![a.clone()], all_attest(&c, &a, [29, 30, 45]));
    // Then only one oracle attests it in time: late
    assert_eq!(verdict_of(&c, &ev), Verdict::Fail(FailReason::Late));
    // And with two in time it passes
    let ev = evidence(vec![a.clone()], all_attest(&c, &a, [29, 28, 45]));
    assert_eq!(verdict_of(&c, &ev), Verdict::Pass);
}

#[test]
fn answer_replayed_from_an_older_challenge_fails() {
    // Given node 1's honest answer to its challenge of epoch 0, sent again in epoch 1
    let old = schedule(&DEPLOYMENT, &beacons(0), &[1; 32], 1, UNITS)[0];
    let replay = honest(DEVICE_1, &old);
    let c = first();
    let mut atts = all_attest(&c, &replay, [1, 1, 1]);
    atts.extend(ORACLES.map(|o| attest(o, &c, None, c.deadline)));
    let ev = evidence(vec![replay.clone()], atts);
    // Then the replay matches no challenge of epoch 1 and the challenge has no answer
    let judged = judge_epoch(&world(), &ev).unwrap();
    assert!(judged.rejected.contains(&(replay.identity(), EvidenceReject::UnknownChallenge)));
    assert_eq!(verdict_of(&c, &ev), Verdict::Fail(FailReason::NoAnswer));
    // The same for an answer to the node's earlier challenge of this epoch relabelled
    // with the later beacon index.
    let [early, late] = [challenges_of(1)[0], challenges_of(1)[1]];
    let (mut answer, opening) = prove(&DEPLOYMENT, &early);
    answer.beacon_index = late.beacon_index;
    let a = sign_answer(DEVICE_1, &answer, opening);
    let judged = judge_epoch(&world(), &evidence(vec![a.clone()], Vec::new())).unwrap();
    assert_eq!(judged.rejected, vec![(a.identity(), EvidenceReject::UnknownChallenge)]);
}

#[test]
fn answer_signed_by_another_nodes_key_fails() {
    let c = first();
    // Node 2's device key signs node 1's (correct) answer.
    let a = honest(DEVICE_2, &c);
    let ev = evidence(vec![a.clone()], all_attest(&c, &a, [1, 1, 1]));
    let judged = judge_epoch(&world(), &ev).unwrap();
    assert!(judged.rejected.contains(&(a.identity(), EvidenceReject::BindingNodeMismatch)));
    assert_eq!(verdict_of(&c, &ev), Verdict::Fail(FailReason::NoAnswer));
    // An unknown key is not evidence either.
    let a = honest(99, &c);
    let judged = judge_epoch(&world(), &evidence(vec![a.clone()], Vec::new())).unwrap();
    assert_eq!(judged.rejected, vec![(a.identity(), EvidenceReject::UnknownDeviceKey)]);
}

#[test]
fn two_different_answers_fail_as_equivocation() {
    let c = first();
    let (a, b) = (honest(DEVICE_1, &c), wrong_product(DEVICE_1, &c));
    let mut atts = all_attest(&c, &a, [1, 1, 1]);
    atts.extend(all_attest(&c, &b, [2, 2, 2]));
    let ev = evidence(vec![a, b], atts);
    assert_eq!(verdict_of(&c, &ev), Verdict::Fail(FailReason::Equivocation));
}

#[test]
fn no_answer_with_enough_oracles_up_fails() {
    let c = first();
    let ev = evidence(Vec::new(), ORACLES.map(|o| attest(o, &c, None, c.deadline)).to_vec());
    assert_eq!(verdict_of(&c, &ev), Verdict::Fail(FailReason::NoAnswer));
}

#[test]
fn too_few_oracles_up_make_the_challenge_void() {
    // Given one oracle of three (threshold 2) up: it received the answer in time
    let c = first();
    let a = honest(DEVICE_1, &c);
    let ev = evidence(vec![a.clone()], vec![attest(ORACLES[0], &c, Some(&a), c.issued_at + 1)]);
    let judged = judge_epoch(&world(), &ev).unwrap();
    // Then the challenge is void, not failed; nobody up at all is void too
    assert_eq!(verdict_of(&c, &ev), Verdict::Void);
    assert_eq!(judged.tallies[&[1; 32]], ChallengeTally { issued: 2, passed: 0, void: 2 });
    // And with every countable challenge void the pass rate is 1
    let (credit, _) = credit_epoch_with_challenges(&world(), &ev).unwrap();
    assert_eq!(of(&credit, 1).work.credited_units, 100);
}

#[test]
fn attestations_of_outsiders_do_not_count() {
    let c = first();
    let a = honest(DEVICE_1, &c);
    let mut atts = vec![attest(ORACLES[0], &c, Some(&a), c.issued_at + 1)];
    let outsider = attest(150, &c, Some(&a), c.issued_at + 1);
    atts.push(outsider);
    let ev = evidence(vec![a], atts);
    let judged = judge_epoch(&world(), &ev).unwrap();
    assert_eq!(judged.rejected, vec![(outsider.identity(), EvidenceReject::NotAnOracle)]);
    assert_eq!(verdict_of(&c, &ev), Verdict::Void);
}

#[test]
fn three_oracles_receiving_at_different_times_agree() {
    // Given the same answers received by each oracle at a different time (one of them late
    // for one challenge), synced in a different order by each oracle
    let mut answers = Vec::new();
    let mut atts = Vec::new();
    for (k, c) in challenges_of(1).into_iter().chain(challenges_of(2)).enumerate() {
        let a = honest(if c.node == [1; 32] { DEVICE_1 } else { DEVICE_2 }, &c);
        let late = if k == 1 { [1, 31, 40] } else { [1, 12, 29] };
        atts.extend(all_attest(&c, &a, late));
        answers.push(a);
    }
    let reference = judge_epoch(&world(), &evidence(answers.clone(), atts.clone())).unwrap();
    let mut rng = StdRng::seed_from_u64(13);
    for _ in 0..3 {
        answers.shuffle(&mut rng);
        atts.shuffle(&mut rng);
        let mut dup = atts.clone();
        dup.extend(atts.iter().take(2).copied());
        // Then every oracle reaches the same verdicts
        let judged = judge_epoch(&world(), &evidence(answers.clone(), dup)).unwrap();
        assert_eq!(judged, reference);
    }
    let verdicts: Vec<Verdict> = reference.outcomes.iter().map(|o| o.verdict).collect();
    assert_eq!(verdicts.iter().filter(|v| **v == Verdict::Pass).count(), 3);
    assert_eq!(verdicts.iter().filter(|v| **v == Verdict::Fail(FailReason::Late)).count(), 1);
}

#[test]
fn pass_rate_scales_work_and_evidence_joins_inputs_root() {
    // Given node 1 passing one of its two challenges (the other unanswered)
    let cs = challenges_of(1);
    let a = honest(DEVICE_1, &cs[0]);
    let mut atts = all_attest(&cs[0], &a, [1, 1, 1]);
    atts.extend(ORACLES.map(|o| attest(o, &cs[1], None, cs[1].deadline)));
    let ev = evidence(vec![a.clone()], atts.clone());
    let (credit, judged) = credit_epoch_with_challenges(&world(), &ev).unwrap();
    // Then its work is halved and the manifest carries the counts
    assert_eq!(of(&credit, 1).work.credited_units, 50);
    assert_eq!(of(&credit, 1).challenges, ChallengeTally { issued: 2, passed: 1, void: 0 });
    // Node 2 was never answered for, with nobody up: void, unchanged work
    assert_eq!(judged.tallies[&[2; 32]], ChallengeTally { issued: 2, passed: 0, void: 2 });
    // And the answer and the six attestations are committed
    assert!(credit.considered.contains(&a.identity()));
    assert!(atts.iter().all(|x| credit.considered.contains(&x.identity())));
    let plain = crate::crediting::credit_epoch(&world()).unwrap();
    assert_eq!(credit.considered.len(), plain.considered.len() + 7);
    assert_ne!(credit.inputs_root, plain.inputs_root);
    let header = crate::crediting::manifest::ManifestHeader {
        node_staking_program: [1; 32],
        rewards_program: [2; 32],
        epoch: 1,
        epoch_start: START,
        epoch_end: END,
        emission: 1_000,
        params: params(),
        stake_decimals: 0,
        previous_manifest_hash: [0; 32],
        previous_cumulative_total: 0,
    };
    let none = crate::crediting::corrections::Corrections::default();
    let m = crate::crediting::manifest::build_manifest(&header, Some(&credit), &none).unwrap();
    let entry = m.nodes.iter().find(|n| n.node == [1; 32]).unwrap();
    assert_eq!(
        (entry.challenges_issued, entry.challenges_passed, entry.challenges_void),
        (2, 1, 0)
    );
    assert_eq!(entry.work_units, 50);
}

#[test]
fn a_cached_verifier_gives_the_same_verdicts_and_is_called_once_per_answer() {
    let ev = honest_evidence();
    let mut calls = 0;
    let mut cached = |c: &Challenge, a: &crate::challenge::answer::ChallengeAnswer, o: &[u8]| {
        calls += 1;
        crate::challenge::answer::verify_opening(c, a, o)
    };
    let judged = judge_epoch_with(&world(), &ev, &mut cached).unwrap();
    assert_eq!(judged, judge_epoch(&world(), &ev).unwrap());
    assert_eq!(calls, 4);
}

#[test]
fn beacon_set_of_another_epoch_is_refused() {
    let mut ev = honest_evidence();
    ev.beacons = beacons(0);
    assert_eq!(judge_epoch(&world(), &ev), Err(JudgeError::BeaconEpoch));
}
