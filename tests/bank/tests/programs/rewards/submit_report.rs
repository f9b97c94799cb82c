//! `submit_report`: the quorum (M of N under the current set version, one vote per oracle per
//! round), epoch ordering and timing, and the emission caps.

use super::prelude::*;

/// Votes of `oracles[i]` for `args`, requiring success.
async fn vote_all(env: &mut Env, rewards: &Rewards, who: &[usize], args: &SubmitReportArgs) {
    for &i in who {
        env.submit_report(&rewards.oracles[i], args.clone())
            .await
            .unwrap_or_else(|e| panic!("oracle {i}: {e:?}"));
    }
}

fn status(state: &Option<sdk::EpochState>) -> EpochStatus {
    state.as_ref().expect("epoch account").status
}

#[tokio::test]
async fn submit_report_ok_finalizes_at_threshold() {
    // Given epoch 0 has ended and its grace passed
    let (mut env, rewards) = setup().await;
    env.advance_to(rewards.report_time(0)).await;
    let who = recipients(3);
    let t = tree(&[(who[0], 1_000), (who[1], 2_000), (who[2], 3_000)]);
    let args = rewards.report_args(0, 0, &t, manifest(0));

    // When M−1 = 2 oracles vote
    vote_all(&mut env, &rewards, &[0, 1], &args).await;

    // Then the epoch is not final; the votes are recorded; the first voter paid the rent
    let state = env.epoch_state(0).await.unwrap();
    assert_eq!(state.status, EpochStatus::Voting);
    assert_eq!(state.voted_mask, 0b11);
    assert_eq!((state.round, state.votes_set_version, state.epoch), (0, 1, 0));
    assert_eq!(state.rent_payer, rewards.oracles[0].pubkey());
    assert_eq!(env.rewards_config().await.next_epoch, 0);

    // When the M-th oracle votes the same report
    let ix = sdk::submit_report(&rewards.oracles[2].pubkey(), args.clone());
    let inner =
        env.simulate_inner_data(std::slice::from_ref(&ix), &[&rewards.oracles[2]]).await.unwrap();
    env.send(&[ix], &[&rewards.oracles[2]]).await.unwrap();
    let now = env.now().await;

    // Then the epoch is final with that report and its challenge period runs
    let state = env.epoch_state(0).await.unwrap();
    assert_eq!(state.status, EpochStatus::Final);
    assert_eq!(state.report.root, t.root());
    assert_eq!(state.report.cumulative_total, 6_000);
    assert_eq!(state.report.recipient_count, 3);
    assert_eq!(state.report.manifest_hash, manifest(0));
    assert_eq!(state.claimable_at, state.finalized_at + CHALLENGE_SECONDS);
    let config = env.rewards_config().await;
    assert_eq!(
        (config.next_epoch, config.last_final_total, config.last_final_root),
        (1, 6_000, t.root())
    );
    let pending = config.pending_root.expect("pending root");
    assert_eq!(
        (pending.root.epoch, pending.root.root, pending.root.cumulative_total),
        (0, t.root(), 6_000)
    );
    assert_eq!(pending.claimable_at, now + CHALLENGE_SECONDS);
    assert_eq!(config.claimable.len, 0);
    // And the events say so
    let submitted = events_of::<ReportSubmitted>(&inner);
    assert_eq!((submitted[0].agreeing, submitted[0].threshold), (3, 3));
    let finalized = events_of::<EpochFinalized>(&inner);
    assert_eq!(finalized.len(), 1);
    assert_eq!(
        (finalized[0].epoch, finalized[0].increase, finalized[0].emission),
        (0, 6_000, INITIAL_EMISSION)
    );
}

#[tokio::test]
async fn submit_report_mismatched_votes_do_not_finalize() {
    // Given two reports that differ only in the manifest hash
    let (mut env, rewards) = setup().await;
    env.advance_to(rewards.report_time(0)).await;
    let t = tree(&[(Pubkey::new_unique(), 10)]);
    let a = rewards.report_args(0, 0, &t, [1; 32]);
    let b = rewards.report_args(0, 0, &t, [2; 32]);

    // When 2 oracles vote A and 2 vote B
    vote_all(&mut env, &rewards, &[0, 1], &a).await;
    vote_all(&mut env, &rewards, &[2, 3], &b).await;

    // Then four votes but no quorum
    let state = env.epoch_state(0).await;
    assert_eq!(status(&state), EpochStatus::Voting);
    assert_eq!(state.unwrap().vote_count(), 4);

    // When the fifth votes A, Then A is final
    vote_all(&mut env, &rewards, &[4], &a).await;
    let state = env.epoch_state(0).await.unwrap();
    assert_eq!(state.status, EpochStatus::Final);
    assert_eq!(state.report.manifest_hash, [1; 32]);
}

#[tokio::test]
async fn submit_report_each_field_must_agree() {
    // Given a base report and three variants that change one other field each
    let (mut env, rewards) = setup().await;
    env.advance_to(rewards.report_time(0)).await;
    let t = tree(&[(Pubkey::new_unique(), 10)]);
    let base = rewards.report_args(0, 0, &t, [1; 32]);
    let mut root = base.clone();
    root.root = [7; 32];
    let mut total = base.clone();
    total.cumulative_total = 11;
    let mut count = base.clone();
    count.recipient_count = 2;

    // When one oracle votes each of base, root, total, count (+1 for base would be 2)
    vote_all(&mut env, &rewards, &[0], &base).await;
    vote_all(&mut env, &rewards, &[1], &root).await;
    vote_all(&mut env, &rewards, &[2], &total).await;
    vote_all(&mut env, &rewards, &[3], &count).await;
    // Then no two agree: still voting after four votes
    assert_eq!(status(&env.epoch_state(0).await), EpochStatus::Voting);
}

#[tokio::test]
async fn submit_report_non_oracle() {
    let (mut env, rewards) = setup().await;
    env.advance_to(rewards.report_time(0)).await;
    let intruder = env.funded_keypair(1_000_000_000).await;
    let args = rewards.report_args(0, 0, &tree(&[(Pubkey::new_unique(), 1)]), manifest(0));
    assert_error(env.submit_report(&intruder, args).await, E::NotAnOracle);
}

#[tokio::test]
async fn submit_report_removed_oracle() {
    // Given oracle 4 removed from the set
    let (mut env, rewards) = setup().await;
    let kept: Vec<Pubkey> = rewards.oracles[..4].iter().map(|o| o.pubkey()).collect();
    env.send(&[sdk::set_oracles(&rewards.authority.pubkey(), kept, 3)], &[&rewards.authority])
        .await
        .unwrap();
    env.advance_to(rewards.report_time(0)).await;
    // When it votes, Then NotAnOracle
    let args = rewards.report_args(0, 0, &tree(&[(Pubkey::new_unique(), 1)]), manifest(0));
    assert_error(env.submit_report(&rewards.oracles[4], args).await, E::NotAnOracle);
}

#[tokio::test]
async fn submit_report_votes_under_an_older_set_version_never_count() {
    // Given two votes cast under set version 1
    let (mut env, rewards) = setup().await;
    env.advance_to(rewards.report_time(0)).await;
    let args = rewards.report_args(0, 0, &tree(&[(Pubkey::new_unique(), 5)]), manifest(0));
    vote_all(&mut env, &rewards, &[0, 1], &args).await;

    // When the set changes (same keys, version 2) and a third oracle votes the same report
    let same: Vec<Pubkey> = rewards.oracles.iter().map(|o| o.pubkey()).collect();
    env.send(&[sdk::set_oracles(&rewards.authority.pubkey(), same, 3)], &[&rewards.authority])
        .await
        .unwrap();
    let ix = sdk::submit_report(&rewards.oracles[2].pubkey(), args.clone());
    let events = send_with_events::<ReportSubmitted>(&mut env, &[ix], &[&rewards.oracles[2]]).await;

    // Then the old votes were dropped: one agreeing vote, not final
    assert!(events[0].stale_votes_dropped);
    assert_eq!((events[0].agreeing, events[0].oracle_set_version), (1, 2));
    let state = env.epoch_state(0).await.unwrap();
    assert_eq!(state.status, EpochStatus::Voting);
    assert_eq!((state.voted_mask, state.votes_set_version), (0b100, 2));

    // And the earlier voters may vote again under the new version, which then finalizes
    vote_all(&mut env, &rewards, &[0, 1], &args).await;
    assert_eq!(status(&env.epoch_state(0).await), EpochStatus::Final);
}

#[tokio::test]
async fn submit_report_second_vote_in_a_round() {
    // Given oracle 0 voted
    let (mut env, rewards) = setup().await;
    env.advance_to(rewards.report_time(0)).await;
    let t = tree(&[(Pubkey::new_unique(), 5)]);
    let args = rewards.report_args(0, 0, &t, manifest(0));
    vote_all(&mut env, &rewards, &[0], &args).await;
    // When it votes a different report, Then AlreadyVoted
    let mut other = args.clone();
    other.cumulative_total = 4;
    assert_error(env.submit_report(&rewards.oracles[0], other).await, E::AlreadyVoted);
    // When it repeats the same vote, Then AlreadyVoted as well (it cannot count twice)
    assert_error(env.submit_report(&rewards.oracles[0], args).await, E::AlreadyVoted);
    assert_eq!(env.epoch_state(0).await.unwrap().vote_count(), 1);
}

#[tokio::test]
async fn submit_report_future_epoch() {
    // Given epoch 0 has not ended
    let (mut env, rewards) = setup().await;
    let args = rewards.report_args(0, 0, &tree(&[(Pubkey::new_unique(), 5)]), manifest(0));
    // Then EpochNotEnded, and no epoch account was left behind
    assert_error(env.submit_report(&rewards.oracles[0], args.clone()).await, E::EpochNotEnded);
    assert!(env.epoch_state(0).await.is_none());
    // Given epoch 0 ended a second ago (grace not over), Then ReportGraceNotOver
    env.advance_to(rewards.report_time(0) - REPORT_GRACE_SECONDS).await;
    assert_error(env.submit_report(&rewards.oracles[0], args.clone()).await, E::ReportGraceNotOver);
    // And epoch 5 is in the future as well
    let mut later = args;
    later.epoch = 5;
    assert_error(env.submit_report(&rewards.oracles[0], later).await, E::EpochNotEnded);
}

#[tokio::test]
async fn submit_report_already_final_epoch() {
    // Given epoch 0 is final
    let (mut env, rewards) = setup().await;
    let t = tree(&[(Pubkey::new_unique(), 5)]);
    env.finalize_epoch(&rewards, 0, &t).await;
    // When a fourth oracle votes for it, Then EpochAlreadyFinal
    let args = rewards.report_args(0, 0, &t, [0; 32]);
    assert_error(env.submit_report(&rewards.oracles[3], args.clone()).await, E::EpochAlreadyFinal);
    // Also after epoch 1 finalized (epoch 0 is behind `next_epoch`)
    let later = env.epoch_state(0).await.unwrap().claimable_at;
    env.advance_to(later).await;
    env.finalize_epoch(&rewards, 1, &t).await;
    assert_error(env.submit_report(&rewards.oracles[3], args).await, E::EpochAlreadyFinal);
}

#[tokio::test]
async fn submit_report_out_of_order() {
    // Given epochs 0 and 1 ended but 0 is not final
    let (mut env, rewards) = setup().await;
    env.advance_to(rewards.report_time(1)).await;
    // When oracles report epoch 1, Then EpochOutOfOrder
    let args = rewards.report_args(1, 0, &tree(&[(Pubkey::new_unique(), 5)]), manifest(1));
    assert_error(env.submit_report(&rewards.oracles[0], args).await, E::EpochOutOfOrder);
}

#[tokio::test]
async fn submit_report_waits_for_the_previous_challenge_period() {
    // Given epoch 0 finalizes late, when epoch 1 has already ended
    let (mut env, rewards) = setup().await;
    env.advance_to(rewards.report_time(1)).await;
    let who = recipients(1);
    let t0 = tree(&[(who[0], 5)]);
    env.finalize_epoch(&rewards, 0, &t0).await;
    let args = rewards.report_args(1, 0, &tree(&[(who[0], 9)]), manifest(1));

    // When oracles report epoch 1 during epoch 0's challenge period, Then refused
    assert_error(
        env.submit_report(&rewards.oracles[0], args.clone()).await,
        E::PreviousEpochInChallenge,
    );

    // When the challenge period is over, Then the vote counts and epoch 0's root became claimable
    let claimable_at = env.epoch_state(0).await.unwrap().claimable_at;
    env.advance_to(claimable_at).await;
    let ix = sdk::submit_report(&rewards.oracles[0].pubkey(), args.clone());
    let events = send_with_events::<RootClaimable>(&mut env, &[ix], &[&rewards.oracles[0]]).await;
    assert_eq!((events[0].root.epoch, events[0].root.root), (0, t0.root()));
    let config = env.rewards_config().await;
    assert!(config.pending_root.is_none());
    assert_eq!(config.claimable.valid(), &[events[0].root]);
}

#[tokio::test]
async fn submit_report_wrong_round() {
    let (mut env, rewards) = setup().await;
    env.advance_to(rewards.report_time(0)).await;
    let args = rewards.report_args(0, 1, &tree(&[(Pubkey::new_unique(), 5)]), manifest(0));
    assert_error(env.submit_report(&rewards.oracles[0], args).await, E::WrongRound);
}

#[tokio::test]
async fn submit_report_increase_above_emission_never_finalizes() {
    // Given a report whose total is one above epoch 0's emission
    let (mut env, rewards) = setup().await;
    env.advance_to(rewards.report_time(0)).await;
    let who = recipients(2);
    let over = tree(&[(who[0], INITIAL_EMISSION), (who[1], 1)]);
    let args = rewards.report_args(0, 0, &over, manifest(0));
    // Then every oracle's vote is refused, so it can never finalize
    for oracle in &rewards.oracles {
        assert_error(env.submit_report(oracle, args.clone()).await, E::EmissionExceeded);
    }
    assert!(env.epoch_state(0).await.is_none());
    // And exactly the emission finalizes
    env.finalize_epoch(&rewards, 0, &tree(&[(who[0], INITIAL_EMISSION - 1), (who[1], 1)])).await;
    assert_eq!(env.rewards_config().await.last_final_total, INITIAL_EMISSION);
}

#[tokio::test]
async fn submit_report_emission_follows_the_decay_schedule() {
    // Given epochs 0..=3 final with nothing paid (emission 1,000 tokens), epoch 4 decays 10%
    let (mut env, rewards) = setup().await;
    let empty = tree(&[]);
    for epoch in 0..4 {
        env.finalize_claimable(&rewards, epoch, &empty).await;
    }
    env.advance_to(rewards.report_time(4)).await;
    let who = recipients(1);
    // Then 900 tokens + 1 is over the bound, 900 tokens finalizes
    let over = rewards.report_args(4, 0, &tree(&[(who[0], 900_000_001)]), manifest(4));
    assert_error(env.submit_report(&rewards.oracles[0], over).await, E::EmissionExceeded);
    env.finalize_epoch(&rewards, 4, &tree(&[(who[0], 900_000_000)])).await;
}

#[tokio::test]
async fn submit_report_decrease_is_rejected() {
    // Given epoch 0 final with total 5,000
    let (mut env, rewards) = setup().await;
    let who = recipients(2);
    env.finalize_claimable(&rewards, 0, &tree(&[(who[0], 2_000), (who[1], 3_000)])).await;
    env.advance_to(rewards.report_time(1)).await;
    // When epoch 1 is reported with 4,999, Then CumulativeTotalDecreased
    let args = rewards.report_args(1, 0, &tree(&[(who[0], 2_000), (who[1], 2_999)]), manifest(1));
    assert_error(env.submit_report(&rewards.oracles[0], args).await, E::CumulativeTotalDecreased);
}

#[tokio::test]
async fn submit_report_nothing_to_pay_keeps_the_total() {
    // Given epoch 0 final
    let (mut env, rewards) = setup().await;
    let t = tree(&[(Pubkey::new_unique(), 42)]);
    env.finalize_claimable(&rewards, 0, &t).await;
    // When epoch 1 is reported with the same root and total
    env.finalize_epoch(&rewards, 1, &t).await;
    // Then it is final with an unchanged total
    let config = env.rewards_config().await;
    assert_eq!((config.next_epoch, config.last_final_total), (2, 42));
    assert_eq!(env.epoch_state(1).await.unwrap().previous_total, 42);
}
