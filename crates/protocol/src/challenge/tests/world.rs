//! A small challenged deployment: the crediting fixture's epoch 1 (`[14,400, 28,800)`),
//! four beacons (two groups: two challenges per node), three oracles with threshold 2, and
//! kernels of `64 × 32` by `32 × 32` (236 units/h for a 1-second target) so that debug
//! builds prove and verify in milliseconds.

use crate::challenge::answer::{answer_from_levels, prove, ChallengeAnswer, SignedAnswer};
use crate::challenge::attestation::{Attestation, SignedAttestation};
use crate::challenge::beacon::{BeaconSet, Challenge};
use crate::challenge::matrix::tree_levels;
use crate::challenge::verdict::ChallengeEvidence;
use crate::challenge::ChallengeParams;
use crate::crediting::tests::fixture::*;
use crate::crediting::{EpochInputs, NodeKind, SignedReceipt};
use crate::ed25519::signing::sign;
use crate::merkle::Hash32;

pub const UNITS: u64 = 236;
pub const ORACLES: [u8; 3] = [101, 102, 103];
/// Device keys: 21 → node 1, 23 → node 2.
pub const DEVICE_1: u8 = 21;
pub const DEVICE_2: u8 = 23;

pub fn challenge_params() -> ChallengeParams {
    ChallengeParams {
        beacons_per_epoch: 4,
        challenges_per_epoch: 2,
        target_seconds: 1,
        grace_seconds: 29,
    }
}

/// The beacon set of `epoch` with every beacon recorded 5 s after it is due, slot
/// `1,000 + i`, hash `[epoch·16 + i + 1; 32]`.
pub fn beacons(epoch: u64) -> BeaconSet {
    let mut set = BeaconSet::new(epoch, &challenge_params(), CLOCK.epoch_seconds).unwrap();
    for i in 0..4u16 {
        let (due, _) =
            crate::challenge::beacon::beacon_window(&CLOCK, epoch, &challenge_params(), i).unwrap();
        let tag = (epoch as u8) * 16 + i as u8 + 1;
        set.record(&CLOCK, i, due + 5, 1_000 + u64::from(i), [tag; 32]).unwrap();
    }
    set
}

/// Two compute nodes of stake 100 and 236 units/h, each with a receipt of 100 units.
pub fn world() -> EpochInputs {
    world_with(UNITS, 100)
}

/// Two compute nodes of stake 100 and `units` per hour, each with a receipt of `job_units`.
pub fn world_with(units: u64, job_units: u64) -> EpochInputs {
    let mut i = inputs(
        vec![node(1, NodeKind::Compute, 100, 0, units), node(2, NodeKind::Compute, 100, 0, units)],
        vec![binding(DEVICE_1, 1, 0, None), binding(DEVICE_2, 2, 0, None)],
    );
    let job = |device, n, job_id| Job {
        device,
        node: n,
        requester: 200,
        job_id,
        units: job_units,
        started: 20_000,
        finished: 23_600,
    };
    let receipts: Vec<SignedReceipt> =
        vec![receipt(job(DEVICE_1, 1, 1)), receipt(job(DEVICE_2, 2, 2))];
    i.receipts = receipts;
    i
}

/// The node's challenges in the world's epoch.
pub fn challenges_of(n: u8) -> Vec<Challenge> {
    challenges_with(n, UNITS)
}

pub fn challenges_with(n: u8, units: u64) -> Vec<Challenge> {
    let set = beacons(1);
    crate::challenge::beacon::schedule(&DEPLOYMENT, &set, &[n; 32], u64::from(n), units)
}

pub fn sign_answer(device: u8, answer: &ChallengeAnswer, opening: Vec<u8>) -> SignedAnswer {
    let message = answer.encode();
    SignedAnswer {
        device_key: pk(device),
        message,
        signature: sign(&key(device), &message),
        opening,
    }
}

/// The honest answer to `c`, signed by `device`.
pub fn honest(device: u8, c: &Challenge) -> SignedAnswer {
    let (a, opening) = prove(&DEPLOYMENT, c);
    sign_answer(device, &a, opening)
}

/// An answer committing to the product of another seed's matrices (wrong product).
pub fn wrong_product(device: u8, c: &Challenge) -> SignedAnswer {
    let levels = crate::challenge::matrix::commit_product(&[0xEE; 32], &c.size);
    let (a, opening) = answer_from_levels(&DEPLOYMENT, c, &levels);
    sign_answer(device, &a, opening)
}

/// A cheater that computes the rows `i` with `keep(i)` and commits junk for the others.
pub fn partial(device: u8, c: &Challenge, keep: impl Fn(u32) -> bool) -> SignedAnswer {
    use crate::challenge::matrix::{a_row, b_matrix, row_leaf, row_product};
    let d = c.size.cols as usize;
    let b = b_matrix(&c.id, &c.size);
    let mut row = vec![0i32; d];
    let leaves: Vec<Hash32> = (0..c.size.rows)
        .map(|i| {
            if keep(i) {
                row_product(&a_row(&c.id, &c.size, i), &b, d, &mut row);
                row_leaf(i, &row)
            } else {
                row_leaf(i, &vec![7; d])
            }
        })
        .collect();
    let (a, opening) = answer_from_levels(&DEPLOYMENT, c, &tree_levels(leaves));
    sign_answer(device, &a, opening)
}

pub fn attest(
    oracle: u8,
    c: &Challenge,
    answer: Option<&SignedAnswer>,
    at: i64,
) -> SignedAttestation {
    let message = Attestation {
        deployment: DEPLOYMENT,
        epoch: c.epoch,
        challenge_id: c.id,
        answer_id: answer.map_or([0; 32], SignedAnswer::identity),
        received_at: at,
    }
    .encode();
    SignedAttestation { oracle_key: pk(oracle), message, signature: sign(&key(oracle), &message) }
}

/// Every oracle attests `answer` `delay` seconds after the challenge was issued.
pub fn all_attest(
    c: &Challenge,
    answer: &SignedAnswer,
    delays: [i64; 3],
) -> Vec<SignedAttestation> {
    ORACLES.iter().zip(delays).map(|(o, d)| attest(*o, c, Some(answer), c.issued_at + d)).collect()
}

pub fn evidence(
    answers: Vec<SignedAnswer>,
    attestations: Vec<SignedAttestation>,
) -> ChallengeEvidence {
    ChallengeEvidence {
        beacons: beacons(1),
        oracles: ORACLES.iter().map(|o| pk(*o)).collect(),
        threshold: 2,
        answers,
        attestations,
    }
}

/// Every challenge of both nodes answered honestly, every oracle receiving in time.
pub fn honest_evidence() -> ChallengeEvidence {
    let mut answers = Vec::new();
    let mut atts = Vec::new();
    for (n, device) in [(1, DEVICE_1), (2, DEVICE_2)] {
        for c in challenges_of(n) {
            let a = honest(device, &c);
            atts.extend(all_attest(&c, &a, [2, 3, 4]));
            answers.push(a);
        }
    }
    evidence(answers, atts)
}
