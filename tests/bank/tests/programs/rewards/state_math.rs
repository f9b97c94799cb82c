//! The program's pure state-transition functions, without a Bank: oracle-set rules, vote
//! tallies, the root ring, claim accounting.

use super::prelude::*;
use gridmint_sdk::rewards::{
    ClaimStatus, ClaimableRoot, Config, EpochState, OracleSet, PendingRoot, Report, RootRing,
};
use rewards::state::ROOT_RING_LEN;

pub(super) fn code<T: std::fmt::Debug>(r: anchor_lang::Result<T>) -> Option<u32> {
    match r {
        Ok(_) => None,
        Err(anchor_lang::error::Error::AnchorError(e)) => Some(e.error_code_number),
        Err(other) => panic!("unexpected {other:?}"),
    }
}

fn keys(n: usize) -> Vec<Pubkey> {
    (0..n).map(|_| Pubkey::new_unique()).collect()
}

fn epoch_state() -> EpochState {
    EpochState {
        config: Pubkey::new_unique(),
        epoch: 3,
        status: EpochStatus::Voting,
        round: 0,
        votes_set_version: 1,
        voted_mask: 0,
        votes: [[0; 32]; 16],
        report: Report::default(),
        previous_total: 0,
        previous_root: [0; 32],
        finalized_at: 0,
        claimable_at: 0,
        veto_count: 0,
        last_veto_reason: [0; 32],
        rent_payer: Pubkey::new_unique(),
        bump: 255,
        reserved: [0; 32],
    }
}

pub(super) fn root(epoch: u64, total: u64) -> ClaimableRoot {
    ClaimableRoot {
        epoch,
        root: [u8::try_from(epoch % 200).unwrap() + 1; 32],
        cumulative_total: total,
    }
}

#[test]
fn strict_majority_thresholds() {
    for n in 1..=16usize {
        for m in 0..=17u8 {
            let result = code(OracleSet::validate_keys(&keys(n), m));
            let ok = usize::from(m) <= n && 2 * usize::from(m) > n;
            assert_eq!(result.is_none(), ok, "{m} of {n}");
        }
    }
}

#[test]
fn replacing_the_set_bumps_the_version_and_maps_slots() {
    let first = OracleSet::default().replaced(&keys(3), 2).unwrap();
    assert_eq!((first.version, first.count, first.threshold), (1, 3, 2));
    let new_keys = keys(5);
    let second = first.replaced(&new_keys, 3).unwrap();
    assert_eq!(second.version, 2);
    assert_eq!(second.active(), new_keys.as_slice());
    assert_eq!(second.slot_of(&new_keys[4]), Some(4));
    assert_eq!(second.slot_of(&first.keys[0]), None);
    assert_eq!(second.slot_of(&Pubkey::default()), None, "unused slots are not oracles");
    assert_eq!(code(first.replaced(&[], 1)), Some(u32::from(E::NoOracles)));
}

#[test]
fn votes_count_per_report_and_slot() {
    let mut s = epoch_state();
    let a = [1u8; 32];
    let b = [2u8; 32];
    assert_eq!(s.record_vote(0, 1, a).unwrap().agreeing, 1);
    assert_eq!(s.record_vote(3, 1, b).unwrap().agreeing, 1);
    assert_eq!(s.record_vote(5, 1, a).unwrap().agreeing, 2);
    assert_eq!(s.record_vote(15, 1, a).unwrap().agreeing, 3);
    assert_eq!(s.vote_count(), 4);
    // One vote per slot per round.
    assert_eq!(code(s.record_vote(3, 1, a)), Some(u32::from(E::AlreadyVoted)));
    // Slots beyond 16 do not exist.
    assert_eq!(code(s.record_vote(16, 1, a)), Some(u32::from(E::NotAnOracle)));
    // A new set version drops every earlier vote.
    let tally = s.record_vote(3, 2, a).unwrap();
    assert!(tally.reset_stale_votes);
    assert_eq!((tally.agreeing, s.vote_count(), s.votes_set_version), (1, 1, 2));
    // A new round drops them too.
    assert_eq!(s.open_next_round().unwrap(), 1);
    assert_eq!(s.vote_count(), 0);
    assert_eq!(s.record_vote(3, 2, a).unwrap().agreeing, 1);
}

#[test]
fn finalize_and_veto_round_trip() {
    let mut s = epoch_state();
    let report =
        Report { root: [9; 32], cumulative_total: 10, recipient_count: 1, manifest_hash: [8; 32] };
    s.finalize(report, 4, [7; 32], 1_000, 50).unwrap();
    assert_eq!((s.status, s.claimable_at, s.previous_total), (EpochStatus::Final, 1_050, 4));
    let new_round = s.reopen_after_veto([3; 32]).unwrap();
    assert_eq!(
        (new_round, s.status, s.veto_count, s.report),
        (1, EpochStatus::Voting, 1, Report::default())
    );
    assert_eq!(
        code(s.finalize(report, 0, [0; 32], i64::MAX, 1)),
        Some(u32::from(E::ArithmeticOverflow))
    );
}

#[test]
fn vote_hash_covers_every_field() {
    let base =
        Report { root: [1; 32], cumulative_total: 2, recipient_count: 3, manifest_hash: [4; 32] };
    let variants = [
        Report { root: [5; 32], ..base },
        Report { cumulative_total: 6, ..base },
        Report { recipient_count: 7, ..base },
        Report { manifest_hash: [8; 32], ..base },
    ];
    for v in variants {
        assert_ne!(v.vote_hash(), base.vote_hash());
    }
    assert_eq!(base.vote_hash(), Report { ..base }.vote_hash());
}

#[test]
fn ring_overwrites_the_oldest_and_finds_the_largest_total() {
    let mut ring = RootRing::default();
    assert_eq!(ring.newest(), None);
    for e in 0..(ROOT_RING_LEN as u64 + 3) {
        ring.push(root(e, e * 10));
        assert_eq!(ring.newest(), Some(root(e, e * 10)));
    }
    assert_eq!(usize::from(ring.len), ROOT_RING_LEN);
    let mut epochs: Vec<u64> = ring.valid().iter().map(|r| r.epoch).collect();
    epochs.sort();
    assert_eq!(epochs, (3..11).collect::<Vec<_>>());
    assert_eq!(ring.find(&root(2, 0).root), None);
    assert_eq!(ring.find(&root(5, 0).root), Some(root(5, 50)));
    // The same root finalized twice (an epoch with nothing to pay): the larger total wins.
    ring.push(ClaimableRoot { epoch: 11, root: root(10, 0).root, cumulative_total: 99 });
    assert_eq!(ring.find(&root(10, 0).root).unwrap().cumulative_total, 100);
}

pub(super) fn config() -> Config {
    Config {
        authority: Pubkey::new_unique(),
        pending_authority: None,
        paused: false,
        reward_mint: Pubkey::new_unique(),
        token_program: anchor_spl::token::ID,
        genesis_time: 0,
        epoch_seconds: EPOCH_SECONDS,
        min_challenge_period_seconds: MIN_CHALLENGE_SECONDS,
        params: default_params(),
        scheduled_params: None,
        oracles: OracleSet::default(),
        next_epoch: 0,
        last_final_total: 0,
        last_final_root: [0; 32],
        pending_root: None,
        claimable: RootRing::default(),
        total_claimed: 0,
        bump: 255,
        mint_authority_bump: 255,
        challenge: Default::default(),
        reserved: [0; 116],
    }
}

#[test]
fn pending_root_matures_exactly_at_claimable_at() {
    let mut c = config();
    c.pending_root = Some(PendingRoot { root: root(0, 10), claimable_at: 100 });
    assert!(c.in_challenge(99));
    assert_eq!(c.promote_matured_root(99), None);
    assert!(!c.in_challenge(100));
    assert_eq!(c.promote_matured_root(100), Some(root(0, 10)));
    assert_eq!(c.pending_root, None);
    assert_eq!(c.claimable.valid(), &[root(0, 10)]);
    assert_eq!(c.promote_matured_root(1_000), None);
}

#[test]
fn claims_never_exceed_the_root_total() {
    let mut c = config();
    c.record_claim(60, 100).unwrap();
    c.record_claim(40, 100).unwrap();
    assert_eq!(code(c.record_claim(1, 100)), Some(u32::from(E::ClaimExceedsRootTotal)));
    assert_eq!(c.total_claimed, 100);
    c.total_claimed = u64::MAX;
    assert_eq!(code(c.record_claim(1, u64::MAX)), Some(u32::from(E::ArithmeticOverflow)));
}

#[test]
fn claim_status_pays_the_difference() {
    let mut s = ClaimStatus {
        config: Pubkey::new_unique(),
        recipient: Pubkey::new_unique(),
        claimed_total: 0,
        last_claimed_at: 0,
        bump: 1,
        reserved: [0; 16],
    };
    assert_eq!(s.payout(100), 100);
    s.record(100, 5).unwrap();
    assert_eq!((s.payout(100), s.payout(99), s.payout(250)), (0, 0, 150));
    assert_eq!(code(s.record(50, 6)), Some(u32::from(E::ArithmeticOverflow)));
}

#[test]
fn params_emission_is_capped() {
    let mut p = default_params();
    assert_eq!(p.epoch_emission(0).unwrap(), INITIAL_EMISSION);
    assert_eq!(p.epoch_emission(4).unwrap(), INITIAL_EMISSION / 10 * 9);
    p.hard_cap_per_epoch = 5;
    assert_eq!(p.epoch_emission(0).unwrap(), 5);
    assert!(p.validate(EPOCH_SECONDS).is_ok());
}
