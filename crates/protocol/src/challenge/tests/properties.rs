//! Fixed-seed properties: the honest prover always verifies; a partial prover passes iff
//! every sampled row is one it computed; schedules respect the rate and the groups.

use rand::{rngs::StdRng, Rng, SeedableRng};

use crate::challenge::answer::{answer_from_levels, prove, verify_opening, AnswerFault};
use crate::challenge::beacon::{schedule, Beacon, BeaconSet, Challenge};
use crate::challenge::matrix::*;
use crate::challenge::ChallengeParams;
use crate::crediting::tests::fixture::DEPLOYMENT;

fn random_challenge(rng: &mut StdRng) -> Challenge {
    let cols = if rng.gen_bool(0.8) { 32 } else { 64 };
    Challenge {
        id: rng.gen(),
        node: rng.gen(),
        node_id: rng.gen(),
        epoch: rng.gen_range(0..100),
        beacon_index: rng.gen_range(0..64),
        issued_at: 0,
        deadline: 30,
        size: KernelSize { rows: rng.gen_range(1..=40), cols },
    }
}

#[test]
fn honest_answers_verify_and_any_altered_byte_fails() {
    let mut rng = StdRng::seed_from_u64(0x13);
    for _ in 0..40 {
        let c = random_challenge(&mut rng);
        let (answer, opening) = prove(&DEPLOYMENT, &c);
        assert_eq!(verify_opening(&c, &answer, &opening), Ok(()));
        if !opening.is_empty() {
            let mut bad = opening.clone();
            let at = rng.gen_range(0..bad.len());
            bad[at] ^= 1 << rng.gen_range(0..8);
            assert_eq!(verify_opening(&c, &answer, &bad), Err(AnswerFault::BadOpening));
        }
        // A root that is not the product's: other sampled rows, another opening.
        let mut moved = answer;
        moved.product_root = rng.gen();
        assert!(verify_opening(&c, &moved, &opening).is_err());
    }
}

#[test]
fn partial_prover_passes_exactly_when_every_sampled_row_was_computed() {
    let mut rng = StdRng::seed_from_u64(0x1313);
    let (mut passed, mut trials) = (0, 0);
    for _ in 0..60 {
        let mut c = random_challenge(&mut rng);
        c.size = KernelSize { rows: rng.gen_range(48..=64), cols: 32 };
        // Skip one or two rows: passing needs all 64 draws to miss them.
        let skipped: Vec<u32> =
            (0..rng.gen_range(1..=2)).map(|_| rng.gen_range(0..c.size.rows)).collect();
        let d = 32usize;
        let b = b_matrix(&c.id, &c.size);
        let mut row = vec![0i32; d];
        let leaves = (0..c.size.rows)
            .map(|i| {
                row_product(&a_row(&c.id, &c.size, i), &b, d, &mut row);
                if skipped.contains(&i) {
                    row[0] = row[0].wrapping_add(1);
                }
                row_leaf(i, &row)
            })
            .collect();
        let (answer, opening) = answer_from_levels(&DEPLOYMENT, &c, &tree_levels(leaves));
        let sampled = sampled_rows(&c.id, &answer.product_root, c.size.rows);
        let expect_pass = sampled.iter().all(|i| !skipped.contains(i));
        let got = verify_opening(&c, &answer, &opening);
        assert_eq!(got.is_ok(), expect_pass);
        if !expect_pass {
            assert_eq!(got, Err(AnswerFault::WrongProduct));
        }
        passed += usize::from(expect_pass);
        trials += 1;
    }
    // (1 − 1/m)^64 ≈ 0.26 at m = 56: some pass, most fail.
    assert!(passed > 0 && passed < trials / 2, "{passed} of {trials}");
}

#[test]
fn schedules_respect_rate_groups_and_deadlines() {
    let mut rng = StdRng::seed_from_u64(0x131313);
    for _ in 0..200 {
        let n = rng.gen_range(1..=64u16);
        let params = ChallengeParams {
            beacons_per_epoch: n,
            challenges_per_epoch: rng.gen_range(0..=n),
            target_seconds: rng.gen_range(1..=600),
            grace_seconds: rng.gen_range(0..=600),
        };
        let mut set = BeaconSet::new(rng.gen_range(0..10), &params, 86_400).unwrap();
        let mut complete = true;
        for b in set.beacons.iter_mut().take(usize::from(n)) {
            if rng.gen_bool(0.9) {
                *b = Beacon {
                    slot: rng.gen_range(1..u64::MAX),
                    recorded_at: rng.gen_range(0..1 << 40),
                    hash: rng.gen(),
                };
            } else {
                complete = false;
            }
        }
        let units = rng.gen_range(1..1_000_000);
        let got = schedule(&DEPLOYMENT, &set, &rng.gen(), 7, units);
        let rate = usize::from(params.challenges_per_epoch);
        assert!(got.len() <= rate);
        if complete {
            assert_eq!(got.len(), rate);
        }
        let groups: Vec<usize> =
            got.iter().map(|c| usize::from(c.beacon_index) * rate / usize::from(n)).collect();
        assert!(groups.windows(2).all(|w| w[0] < w[1]), "one per group, in order");
        for c in &got {
            let b = set.beacons[usize::from(c.beacon_index)];
            assert!(b.is_recorded());
            assert_eq!(c.deadline, b.recorded_at + params.response_seconds());
            assert_eq!(c.size, size_for(units, params.target_seconds));
        }
    }
}
