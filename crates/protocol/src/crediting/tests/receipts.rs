//! Receipts → work: every rejection reason, duplicates, and the caps.

use super::fixture::*;
use crate::crediting::*;

fn world() -> EpochInputs {
    inputs(
        vec![node(1, NodeKind::Compute, 100, 0, 1_000), node(2, NodeKind::Compute, 100, 0, 1_000)],
        vec![
            binding(21, 1, 0, Some(20_000)),
            binding(22, 1, 20_000, None),
            binding(23, 2, 0, None),
        ],
    )
}

fn job(job_id: u64, units: u64, started: i64, finished: i64) -> Job {
    Job { device: 22, node: 1, requester: 200, job_id, units, started, finished }
}

fn reasons(i: &EpochInputs) -> Vec<RejectReason> {
    credit(i).rejected.iter().map(|r| r.reason).collect()
}

#[test]
fn each_invalid_receipt_has_its_reason() {
    let mut i = world();
    i.requesters.push(RequesterEntry { key: pk(202), first_epoch: 2, retired_epoch: None });
    i.requesters.push(RequesterEntry { key: pk(203), first_epoch: 0, retired_epoch: Some(1) });
    let mut wrong_deployment = receipt_message(&job(1, 10, 21_000, 22_000));
    wrong_deployment.deployment = [1; 32];
    let mut malformed = receipt(job(1, 10, 21_000, 22_000));
    malformed.message[0] = b'X';
    let cases: Vec<(SignedReceipt, RejectReason)> = vec![
        (malformed, RejectReason::MalformedMessage),
        (receipt(job(1, 10, 22_000, 21_000)), RejectReason::FinishedBeforeStart),
        (sign_receipt(22, 200, &wrong_deployment), RejectReason::WrongDeployment),
        (receipt(Job { device: 99, ..job(1, 10, 21_000, 22_000) }), RejectReason::UnknownDeviceKey),
        (
            receipt(Job { device: 23, ..job(1, 10, 21_000, 22_000) }),
            RejectReason::BindingNodeMismatch,
        ),
        (receipt(job(1, 10, 19_000, 22_000)), RejectReason::NotBoundAtStart),
        (receipt(Job { device: 21, ..job(1, 10, 19_000, 21_000) }), RejectReason::NotBoundAtFinish),
        (
            receipt(Job { requester: 202, ..job(1, 10, 21_000, 22_000) }),
            RejectReason::RequesterNotRegistered,
        ),
        (
            receipt(Job { requester: 203, ..job(1, 10, 21_000, 22_000) }),
            RejectReason::RequesterNotRegistered,
        ),
        (
            receipt(Job { requester: 204, ..job(1, 10, 21_000, 22_000) }),
            RejectReason::RequesterNotRegistered,
        ),
        // 1,000 units/h over 1,000 s: ⌈1000 × 1,060 × 1.1 / 3600⌉ + 1 = 325 units at most.
        (receipt(job(1, 326, 21_000, 22_000)), RejectReason::ExceedsCapacity),
    ];
    for (r, reason) in cases {
        i.receipts = vec![r];
        assert_eq!(reasons(&i), vec![reason], "{reason:?}");
        assert_eq!(of(&credit(&i), 1).work.sum_units, 0);
    }
    i.receipts = vec![receipt(job(1, 325, 21_000, 22_000))];
    assert_eq!(reasons(&i), vec![]);
    assert_eq!(of(&credit(&i), 1).work.credited_units, 325);
}

#[test]
fn self_dealing_requesters_are_refused() {
    let mut i = world();
    let own = |key: [u8; 32]| {
        let mut w = world();
        w.requesters.push(RequesterEntry { key, first_epoch: 0, retired_epoch: None });
        w
    };
    // The rotated-out device key 21 of node 1 signs as requester.
    i.requesters.push(requester(21));
    i.receipts = vec![receipt(Job { requester: 21, ..job(1, 10, 21_000, 22_000) })];
    assert_eq!(reasons(&i), vec![RejectReason::SelfDealing]);
    // The operator and the recipient (keys without a signing key here: sign with a stand-in
    // and check the rule directly on the chain index).
    for key in [[0x41; 32], [0x81; 32]] {
        let w = own(key);
        let chain = inputs::Chain::new(&w).unwrap();
        let mut m = receipt_message(&job(1, 10, 21_000, 22_000));
        m.requester = key;
        assert_eq!(chain.check_receipt(&m, &pk(22)), Err(RejectReason::SelfDealing));
    }
    // Node 2's device key may request work from node 1.
    let mut w = world();
    w.requesters.push(requester(23));
    w.receipts = vec![receipt(Job { requester: 23, ..job(1, 10, 21_000, 22_000) })];
    assert_eq!(reasons(&w), vec![]);
}

#[test]
fn two_receipts_for_one_job_void_each_other_even_across_nodes() {
    let mut i = world();
    let a = receipt(job(7, 100, 21_000, 22_000));
    let b = receipt(Job { device: 23, node: 2, ..job(7, 90, 21_000, 22_000) });
    let other = receipt(job(8, 50, 21_000, 22_000));
    i.receipts = vec![a, b, other];
    let c = credit(&i);
    assert_eq!((of(&c, 1).work.sum_units, of(&c, 2).work.sum_units), (50, 0));
    let voided: Vec<_> = of(&c, 1)
        .work
        .receipts
        .iter()
        .filter(|r| r.not_credited == Some(RejectReason::DuplicateJob))
        .map(|r| r.id)
        .collect();
    assert_eq!(voided, vec![a.identity()]);
    // Node 1 is listed: its receipts and the one that voided it are committed.
    let mut expected = vec![a.identity(), b.identity(), other.identity()];
    expected.sort();
    assert_eq!(c.considered, expected);
    // The same bytes with another valid signature are the same receipt, counted once.
    let mut copy = other;
    copy.requester_signature = crate::ed25519::signing::sign(&key(200), &copy.message);
    assert_eq!(copy.requester_signature, other.requester_signature, "deterministic signing");
    i.receipts = vec![other, other];
    assert_eq!(of(&credit(&i), 1).work.sum_units, 50);
}

#[test]
fn work_is_capped_by_capacity_then_stake_then_challenges() {
    let mut i = world();
    // Four full-hour jobs of 1,100 units on node 2: 4,400 > 4 h × 1,000 units/h.
    let hour = |k: u64| Job {
        device: 23,
        node: 2,
        ..job(k, 1_100, 14_400 + 3_600 * k as i64, 17_999 + 3_600 * k as i64)
    };
    i.receipts = (0..4).map(|k| receipt(hour(k))).collect();
    let w = of(&credit(&i), 2).work.clone();
    assert_eq!((w.sum_units, w.capacity_cap, w.capped_units), (4_400, 4_000, 4_000));
    i.nodes[1].view.stake = 3;
    i.min_stake = [1, 1, 1];
    assert_eq!(of(&credit(&i), 2).work.capped_units, 3_000);
    i.nodes[1].challenges = ChallengeTally { issued: 4, passed: 1, void: 2 };
    assert_eq!(of(&credit(&i), 2).work.credited_units, 1_500);
}

#[test]
fn identities_hash_domain_key_and_message_but_no_signature() {
    let r = receipt(job(1, 10, 21_000, 22_000));
    let expected = solana_sha256_hasher::hashv(&[b"GMID-RECEIPT", &r.device_key, &r.message]);
    assert_eq!(r.identity(), expected.to_bytes());
    let g = reading(22, 1, 1, 21_000, 5, 0);
    let expected = solana_sha256_hasher::hashv(&[b"GMID-READING", &g.device_key, &g.message]);
    assert_eq!(g.identity(), expected.to_bytes());
    assert_eq!(borsh::to_vec(&r).unwrap().len(), 305);
    assert_eq!(borsh::to_vec(&g).unwrap().len(), 177);
}

#[test]
fn only_receipts_of_this_deployment_void() {
    let mut i = world();
    let a = receipt(job(7, 100, 21_000, 22_000));
    // The same requester and job id, signed for another deployment: not this one's business.
    let mut elsewhere = receipt_message(&job(7, 90, 21_000, 22_000));
    elsewhere.deployment = [1; 32];
    let elsewhere = sign_receipt(22, 200, &elsewhere);
    i.receipts = vec![a, elsewhere];
    let c = credit(&i);
    assert_eq!(of(&c, 1).work.sum_units, 100);
    assert_eq!(of(&c, 1).work.receipts[0].not_credited, None);
    assert_eq!(c.considered, vec![a.identity()]);
    // An invalid receipt of this deployment (finished before it started) still voids, and is
    // committed with the receipt it voided.
    let mut bad = receipt_message(&job(7, 90, 22_000, 21_500));
    bad.finished_at = 21_900;
    bad.started_at = 22_000;
    let bad = sign_receipt(22, 200, &bad);
    let other = receipt(job(8, 50, 21_000, 22_000));
    i.receipts = vec![a, elsewhere, bad, other];
    let c = credit(&i);
    assert_eq!(of(&c, 1).work.sum_units, 50);
    let a_outcome = of(&c, 1).work.receipts.iter().find(|r| r.id == a.identity()).unwrap();
    assert_eq!(a_outcome.not_credited, Some(RejectReason::DuplicateJob));
    assert!(c
        .rejected
        .iter()
        .any(|r| r.id == bad.identity() && r.reason == RejectReason::FinishedBeforeStart));
    let mut expected = vec![a.identity(), bad.identity(), other.identity()];
    expected.sort();
    assert_eq!(c.considered, expected);
}
