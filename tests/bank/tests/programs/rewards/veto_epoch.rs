//! `veto_epoch`: within the challenge period the authority reopens the last final epoch.

use super::prelude::*;

#[tokio::test]
async fn veto_epoch_ok_reopens_and_restores() {
    // Given epoch 0 claimable and epoch 1 final in its challenge period
    let (mut env, rewards) = setup().await;
    let who = recipients(2);
    let t0 = tree(&[(who[0], 100), (who[1], 200)]);
    env.finalize_claimable(&rewards, 0, &t0).await;
    let bad = tree(&[(who[0], 100), (who[1], 900)]);
    env.finalize_epoch(&rewards, 1, &bad).await;

    // When the authority vetoes epoch 1
    let ix = sdk::veto_epoch(&rewards.authority.pubkey(), 1, [0xAB; 32]);
    let events = send_with_events::<EpochVetoed>(&mut env, &[ix], &[&rewards.authority]).await;

    // Then epoch 1 is voting again in round 1, and the config is back at epoch 0's state
    let state = env.epoch_state(1).await.unwrap();
    assert_eq!((state.status, state.round, state.voted_mask), (EpochStatus::Voting, 1, 0));
    assert_eq!((state.veto_count, state.last_veto_reason), (1, [0xAB; 32]));
    let config = env.rewards_config().await;
    assert_eq!(
        (config.next_epoch, config.last_final_total, config.last_final_root),
        (1, 300, t0.root())
    );
    assert!(config.pending_root.is_none());
    let e = &events[0];
    assert_eq!((e.epoch, e.vetoed_round, e.new_round, e.restored_total), (1, 0, 1, 300));
    assert_eq!(e.vetoed_report.root, bad.root());

    // And the vetoed root never becomes claimable, even long after
    env.warp_seconds(10 * EPOCH_SECONDS).await;
    let (amount, proof) = bad.proof_for(&who[1].to_bytes()).unwrap();
    assert_error(env.claim_with(&rewards, &who[1], amount, proof).await, E::InvalidProof);

    // And a corrected report finalizes epoch 1 in the new round
    let good = tree(&[(who[0], 150), (who[1], 250)]);
    env.finalize_claimable(&rewards, 1, &good).await;
    env.claim_from_tree(&rewards, &good, &who[1]).await.unwrap();
    assert_eq!(env.reward_balance(&rewards, &who[1]).await, 250);
}

#[tokio::test]
async fn veto_epoch_after_challenge_period() {
    let (mut env, rewards) = setup().await;
    env.finalize_claimable(&rewards, 0, &tree(&[(Pubkey::new_unique(), 1)])).await;
    let result = env
        .send(&[sdk::veto_epoch(&rewards.authority.pubkey(), 0, [0; 32])], &[&rewards.authority])
        .await;
    assert_error(result, E::ChallengePeriodOver);
}

#[tokio::test]
async fn veto_epoch_not_final() {
    let (mut env, rewards) = setup().await;
    env.advance_to(rewards.report_time(0)).await;
    let args = rewards.report_args(0, 0, &tree(&[(Pubkey::new_unique(), 1)]), manifest(0));
    env.submit_report(&rewards.oracles[0], args).await.unwrap();
    let result = env
        .send(&[sdk::veto_epoch(&rewards.authority.pubkey(), 0, [0; 32])], &[&rewards.authority])
        .await;
    assert_error(result, E::EpochNotFinal);
}

#[tokio::test]
async fn veto_epoch_older_final_epoch() {
    // Given epoch 0 final and claimable and epoch 1 final in challenge: only 1 can be vetoed
    let (mut env, rewards) = setup().await;
    let t = tree(&[(Pubkey::new_unique(), 1)]);
    env.finalize_claimable(&rewards, 0, &t).await;
    env.finalize_epoch(&rewards, 1, &t).await;
    let result = env
        .send(&[sdk::veto_epoch(&rewards.authority.pubkey(), 0, [0; 32])], &[&rewards.authority])
        .await;
    assert_error(result, E::ChallengePeriodOver);
}

#[tokio::test]
async fn veto_epoch_not_authority() {
    let (mut env, rewards) = setup().await;
    env.finalize_epoch(&rewards, 0, &tree(&[(Pubkey::new_unique(), 1)])).await;
    let intruder = env.funded_keypair(100_000_000).await;
    let result = env.send(&[sdk::veto_epoch(&intruder.pubkey(), 0, [0; 32])], &[&intruder]).await;
    assert_error(result, E::NotAuthority);
}
