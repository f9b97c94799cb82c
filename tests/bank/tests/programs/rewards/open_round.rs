//! `open_round`: a split round is abandoned and the epoch re-voted in a new round.

use super::prelude::*;

#[tokio::test]
async fn open_round_after_a_split() {
    // Given a 2–2 split in round 0 (threshold 3) and one abstention
    let (mut env, rewards) = setup().await;
    env.advance_to(rewards.report_time(0)).await;
    let who = recipients(1);
    let t = tree(&[(who[0], 100)]);
    let a = rewards.report_args(0, 0, &t, [1; 32]);
    let b = rewards.report_args(0, 0, &t, [2; 32]);
    for (i, args) in [(0, &a), (1, &a), (2, &b), (3, &b)] {
        env.submit_report(&rewards.oracles[i], args.clone()).await.unwrap();
    }

    // When the authority opens round 1
    let ix = sdk::open_round(&rewards.authority.pubkey(), 0);
    let events = send_with_events::<RoundOpened>(&mut env, &[ix], &[&rewards.authority]).await;

    // Then the round is new and empty
    let state = env.epoch_state(0).await.unwrap();
    assert_eq!((state.round, state.voted_mask, state.status), (1, 0, EpochStatus::Voting));
    assert_eq!((events[0].old_round, events[0].new_round, events[0].discarded_votes), (0, 1, 4));

    // And votes naming round 0 are refused
    assert_error(env.submit_report(&rewards.oracles[4], a.clone()).await, E::WrongRound);

    // And three votes in round 1 finalize (oracles 0..3 may vote again)
    let mut b1 = b.clone();
    b1.round = 1;
    for i in [0, 2, 3] {
        env.submit_report(&rewards.oracles[i], b1.clone()).await.unwrap();
    }
    let state = env.epoch_state(0).await.unwrap();
    assert_eq!(state.status, EpochStatus::Final);
    assert_eq!(state.report.manifest_hash, [2; 32]);
}

#[tokio::test]
async fn open_round_not_authority() {
    let (mut env, rewards) = setup().await;
    env.advance_to(rewards.report_time(0)).await;
    let args = rewards.report_args(0, 0, &tree(&[(Pubkey::new_unique(), 1)]), manifest(0));
    env.submit_report(&rewards.oracles[0], args).await.unwrap();
    let intruder = env.funded_keypair(100_000_000).await;
    let result = env.send(&[sdk::open_round(&intruder.pubkey(), 0)], &[&intruder]).await;
    assert_error(result, E::NotAuthority);
}

#[tokio::test]
async fn open_round_final_epoch() {
    let (mut env, rewards) = setup().await;
    env.finalize_epoch(&rewards, 0, &tree(&[(Pubkey::new_unique(), 1)])).await;
    let result =
        env.send(&[sdk::open_round(&rewards.authority.pubkey(), 0)], &[&rewards.authority]).await;
    assert_error(result, E::EpochAlreadyFinal);
}

#[tokio::test]
async fn open_round_without_epoch_account() {
    // Nobody voted yet: there is no epoch account to open a round on.
    let (mut env, rewards) = setup().await;
    let result =
        env.send(&[sdk::open_round(&rewards.authority.pubkey(), 0)], &[&rewards.authority]).await;
    assert_error(result, ErrorCode::AccountNotInitialized as u32);
}
