//! Beacons, sizing, the kernel, the row tree and the messages, one rule at a time.

use super::world::*;
use crate::challenge::answer::{prove, ChallengeAnswer};
use crate::challenge::attestation::Attestation;
use crate::challenge::beacon::*;
use crate::challenge::matrix::*;
use crate::challenge::signatures::{verify_answer, verify_attestation};
use crate::challenge::{ChallengeError, ChallengeParams};
use crate::crediting::kernel::matmul_i8;
use crate::crediting::tests::fixture::*;
use crate::messages::MessageError;

#[test]
fn params_bounds() {
    let p = challenge_params();
    assert_eq!(p.validate(14_400), Ok(()));
    let bad = |q: ChallengeParams| q.validate(14_400).unwrap_err();
    assert_eq!(
        bad(ChallengeParams { beacons_per_epoch: 0, ..p }),
        ChallengeError::BeaconsOutOfRange
    );
    assert_eq!(
        bad(ChallengeParams { beacons_per_epoch: 65, ..p }),
        ChallengeError::BeaconsOutOfRange
    );
    assert_eq!(
        bad(ChallengeParams { challenges_per_epoch: 5, ..p }),
        ChallengeError::RateAboveBeacons
    );
    assert_eq!(bad(ChallengeParams { target_seconds: 0, ..p }), ChallengeError::TargetOutOfRange);
    assert_eq!(bad(ChallengeParams { target_seconds: 601, ..p }), ChallengeError::TargetOutOfRange);
    assert_eq!(bad(ChallengeParams { grace_seconds: 601, ..p }), ChallengeError::GraceOutOfRange);
    assert_eq!(p.validate(7), Err(ChallengeError::EpochTooShort));
}

#[test]
fn beacon_windows_and_recording() {
    let p = challenge_params();
    // L = 14,400, N = 4: due every 3,600 s from 14,400, windows of 1,800 s.
    assert_eq!(beacon_window(&CLOCK, 1, &p, 0), Ok((14_400, 16_200)));
    assert_eq!(beacon_window(&CLOCK, 1, &p, 3), Ok((25_200, 27_000)));
    assert_eq!(beacon_window(&CLOCK, 1, &p, 4), Err(ChallengeError::BeaconIndex));
    let mut set = BeaconSet::new(1, &p, CLOCK.epoch_seconds).unwrap();
    assert_eq!(set.record(&CLOCK, 0, 14_399, 9, [1; 32]), Err(ChallengeError::OutsideWindow));
    assert_eq!(set.record(&CLOCK, 0, 16_200, 9, [1; 32]), Err(ChallengeError::OutsideWindow));
    assert_eq!(set.record(&CLOCK, 0, 14_400, 0, [1; 32]), Err(ChallengeError::ZeroSlot));
    assert_eq!(set.record(&CLOCK, 0, 16_199, 9, [1; 32]), Ok(()));
    assert_eq!(set.record(&CLOCK, 0, 16_199, 10, [2; 32]), Err(ChallengeError::AlreadyRecorded));
    assert_eq!(set.record(&CLOCK, 9, 16_199, 10, [2; 32]), Err(ChallengeError::BeaconIndex));
    let bytes = borsh::to_vec(&set).unwrap();
    assert_eq!(bytes.len(), BeaconSet::LEN);
    assert_eq!(BeaconSet::LEN, 3_093);
    assert_eq!(BeaconSet::decode(&bytes), Ok(set.clone()));
    assert_eq!(BeaconSet::decode(&bytes[1..]), Err(ChallengeError::Malformed));
    // The in-place variant gives the same bytes and the same refusals.
    let mut fresh = borsh::to_vec(&BeaconSet::new(1, &p, CLOCK.epoch_seconds).unwrap()).unwrap();
    assert_eq!(
        record_in_place(&mut fresh, &CLOCK, 0, 14_399, 9, [1; 32]),
        Err(ChallengeError::OutsideWindow)
    );
    assert_eq!(
        record_in_place(&mut fresh, &CLOCK, 0, 14_400, 0, [1; 32]),
        Err(ChallengeError::ZeroSlot)
    );
    assert_eq!(record_in_place(&mut fresh, &CLOCK, 0, 16_199, 9, [1; 32]), Ok(()));
    assert_eq!(
        record_in_place(&mut fresh, &CLOCK, 0, 16_199, 10, [2; 32]),
        Err(ChallengeError::AlreadyRecorded)
    );
    assert_eq!(
        record_in_place(&mut fresh, &CLOCK, 4, 16_199, 10, [2; 32]),
        Err(ChallengeError::BeaconIndex)
    );
    assert_eq!(
        record_in_place(&mut fresh[1..], &CLOCK, 1, 18_000, 10, [2; 32]),
        Err(ChallengeError::Malformed)
    );
    assert_eq!(fresh, bytes);
    let mut v2 = bytes.clone();
    v2[0] = 2;
    assert_eq!(BeaconSet::decode(&v2), Err(ChallengeError::Malformed));
}

#[test]
fn schedule_is_bounded_by_the_rate_and_needs_capacity() {
    let set = beacons(1);
    for n in 0..40u8 {
        let got = schedule(&DEPLOYMENT, &set, &[n; 32], u64::from(n), UNITS);
        assert_eq!(got.len(), 2, "node {n}");
    }
    assert!(schedule(&DEPLOYMENT, &set, &[1; 32], 1, 0).is_empty());
    let mut off = set.clone();
    off.challenges_per_epoch = 0;
    assert!(schedule(&DEPLOYMENT, &off, &[1; 32], 1, UNITS).is_empty());
    // Missing beacons only ever remove challenges.
    let mut holes = set.clone();
    holes.beacons[1] = Beacon::default();
    holes.beacons[3] = Beacon::default();
    for n in 0..40u8 {
        let got = schedule(&DEPLOYMENT, &holes, &[n; 32], u64::from(n), UNITS);
        assert!(got.len() <= 2 && got.iter().all(|c| c.beacon_index % 2 == 0));
    }
    // One per group: with R = N every beacon challenges every node.
    let mut all = set;
    all.challenges_per_epoch = 4;
    assert_eq!(schedule(&DEPLOYMENT, &all, &[1; 32], 1, UNITS).len(), 4);
}

#[test]
fn sizes_follow_capacity_and_target() {
    let s = |u, t| size_for(u, t);
    assert_eq!(s(UNITS, 1), KernelSize { rows: 64, cols: 32 });
    assert_eq!(s(1, 1), KernelSize { rows: 1, cols: 32 });
    // 1,024³ multiply-adds = 1,073.74 units in 1 s: 3,865,471 units/h or more.
    assert_eq!(s(3_865_470, 1), KernelSize { rows: 4_095, cols: 512 });
    assert_eq!(s(3_865_471, 1), KernelSize { rows: 1_024, cols: 1_024 });
    // A large accelerator: d capped at 4,096, m at 2²⁰.
    assert_eq!(s(3_600_000_000, 60).cols, 4_096);
    assert_eq!(s(u64::MAX, 600), KernelSize { rows: 1 << 20, cols: 4_096 });
}

#[test]
fn rows_match_the_reference_kernel() {
    let size = KernelSize { rows: 7, cols: 32 };
    let seed = [5; 32];
    let a: Vec<i8> = (0..7).flat_map(|i| a_row(&seed, &size, i)).collect();
    let b = b_matrix(&seed, &size);
    let c = matmul_i8(&a, &b, 7, 32, 32).unwrap();
    let mut row = vec![0; 32];
    for i in 0..7usize {
        row_product(&a[i * 32..(i + 1) * 32], &b, 32, &mut row);
        assert_eq!(row, c[i * 32..(i + 1) * 32]);
    }
    let leaves: Vec<_> = (0..7u32).map(|i| row_leaf(i, &c[i as usize * 32..][..32])).collect();
    let levels = commit_product(&seed, &size);
    assert_eq!(levels[0], leaves);
    assert_eq!(root(&levels), root(&tree_levels(leaves)));
    // Paths have the length path_len says (leaf 6 is promoted at the first level).
    for i in 0..7u32 {
        assert_eq!(path(&levels, i as usize).len(), path_len(7, i));
    }
    assert_eq!((path_len(7, 6), path_len(7, 0), path_len(1, 0)), (2, 3, 0));
}

#[test]
fn messages_round_trip_and_reject_bad_bytes() {
    let c = challenges_of(1)[0];
    let (answer, _) = prove(&DEPLOYMENT, &c);
    let bytes = answer.encode();
    assert_eq!(bytes.len(), 163);
    assert_eq!(&bytes[..9], b"GMCHAL\0\0\x01");
    assert_eq!(ChallengeAnswer::decode(&bytes), Ok(answer));
    assert_eq!(ChallengeAnswer::decode(&bytes[1..]), Err(MessageError::WrongLength));
    let mut t = bytes;
    t[0] = b'X';
    assert_eq!(ChallengeAnswer::decode(&t), Err(MessageError::WrongTag));
    let mut v = bytes;
    v[8] = 2;
    assert_eq!(ChallengeAnswer::decode(&v), Err(MessageError::UnsupportedVersion));
    let a = honest(DEVICE_1, &c);
    let att = attest(ORACLES[0], &c, Some(&a), 7);
    assert_eq!(att.message.len(), 121);
    assert_eq!(&att.message[..9], b"GMCHAT\0\0\x01");
    let decoded = Attestation::decode(&att.message).unwrap();
    assert_eq!((decoded.answer_id, decoded.received_at), (a.identity(), 7));
    assert_eq!(Attestation::decode(&a.message), Err(MessageError::WrongLength));
    assert!(verify_answer(&a).is_ok() && verify_attestation(&att).is_ok());
    let mut forged = a.clone();
    forged.message[60] ^= 1;
    assert!(verify_answer(&forged).is_err());
    // Ingest: the opening must be the one the message binds; copies collapse to one.
    use crate::challenge::signatures::{
        canonical_answers, canonical_attestations, ingest_answer, IngestError,
    };
    assert_eq!(ingest_answer(&a), Ok(answer));
    let mut other_opening = a.clone();
    other_opening.opening.push(0);
    assert_eq!(ingest_answer(&other_opening), Err(IngestError::OpeningMismatch));
    assert!(matches!(ingest_answer(&forged), Err(IngestError::Signature(_))));
    let mut garbled = a.clone();
    garbled.message[0] = 0;
    assert_eq!(ingest_answer(&garbled), Err(IngestError::Malformed));
    let mut copy = a.clone();
    copy.signature[0] ^= 1;
    let mut answers = vec![a.clone(), copy.clone(), a.clone()];
    canonical_answers(&mut answers);
    assert_eq!(answers, vec![if copy.signature < a.signature { copy } else { a }]);
    let mut att_copy = att;
    att_copy.signature[5] ^= 1;
    let mut atts = vec![att_copy, att, att];
    canonical_attestations(&mut atts);
    assert_eq!(atts, vec![att.min(att_copy)]);
}
