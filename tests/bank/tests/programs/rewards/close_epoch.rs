//! `close_epoch`: superseded epoch accounts give their rent back to the oracle that paid it.

use super::prelude::*;

#[tokio::test]
async fn close_epoch_ok() {
    // Given epochs 0 and 1 final
    let (mut env, rewards) = setup().await;
    let t = tree(&[(Pubkey::new_unique(), 7)]);
    env.finalize_claimable(&rewards, 0, &t).await;
    env.finalize_epoch(&rewards, 1, &t).await;
    let address = sdk::epoch_pda(0).0;
    let rent = env.lamports(&address).await;
    let payer = rewards.oracles[0].pubkey();
    let before = env.lamports(&payer).await;

    // When anyone closes epoch 0
    let ix = sdk::close_epoch(0, &payer);
    let events = send_with_events::<EpochClosed>(&mut env, &[ix], &[]).await;

    // Then the account is gone and its rent went back to the oracle that created it
    assert!(env.account(&address).await.is_none());
    assert_eq!(env.lamports(&payer).await, before + rent);
    assert_eq!((events[0].epoch, events[0].rent_payer, events[0].lamports), (0, payer, rent));
}

#[tokio::test]
async fn close_epoch_not_superseded() {
    // Given epoch 0 final but no later epoch final
    let (mut env, rewards) = setup().await;
    env.finalize_claimable(&rewards, 0, &tree(&[(Pubkey::new_unique(), 7)])).await;
    let payer = rewards.oracles[0].pubkey();
    assert_error(env.send(&[sdk::close_epoch(0, &payer)], &[]).await, E::EpochNotSuperseded);

    // Given epoch 1 only voting, Then it cannot be closed either
    env.advance_to(rewards.report_time(1)).await;
    let args = rewards.report_args(1, 0, &tree(&[(Pubkey::new_unique(), 7)]), manifest(1));
    env.submit_report(&rewards.oracles[1], args).await.unwrap();
    let payer1 = rewards.oracles[1].pubkey();
    assert_error(env.send(&[sdk::close_epoch(1, &payer1)], &[]).await, E::EpochNotSuperseded);
}

#[tokio::test]
async fn close_epoch_wrong_rent_payer() {
    let (mut env, rewards) = setup().await;
    let t = tree(&[(Pubkey::new_unique(), 7)]);
    env.finalize_claimable(&rewards, 0, &t).await;
    env.finalize_epoch(&rewards, 1, &t).await;
    let thief = Pubkey::new_unique();
    assert_error(env.send(&[sdk::close_epoch(0, &thief)], &[]).await, E::WrongRentPayer);
}
