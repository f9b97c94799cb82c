//! `create_beacons`: anyone creates the current or next epoch's beacon account, which copies
//! the challenge parameters in force; disabled challenges, past and far-future epochs, and
//! a second create are refused.

use super::challenge_params::{example, set_challenge};
use super::prelude::*;
use gridmint_sdk::rewards::{BeaconSet, ChallengeSettings};

/// A deployment with the §10.9 example challenge parameters (N = 4, R = 2).
pub async fn challenge_setup() -> (Env, Rewards) {
    let (mut env, rewards) = setup().await;
    set_challenge(&mut env, &rewards, example()).await.expect("challenges on");
    (env, rewards)
}

/// Anyone (a fresh funded key) creates `epoch`'s beacon account.
pub async fn create(env: &mut Env, epoch: u64) -> Result<(), solana_transaction::TransactionError> {
    let cranker = env.funded_keypair(100_000_000).await;
    env.send(&[sdk::create_beacons(&cranker.pubkey(), epoch)], &[&cranker]).await
}

/// The decoded beacon set of `epoch`, if it exists.
pub async fn beacons(env: &mut Env, epoch: u64) -> Option<BeaconSet> {
    let account = env.account(&sdk::beacons_pda(epoch).0).await?;
    assert_eq!(account.owner, sdk::PROGRAM_ID);
    Some(sdk::decode_beacons(&account.data).expect("beacon set decodes"))
}

/// Start of `epoch`.
pub fn start(rewards: &Rewards, epoch: i64) -> i64 {
    rewards.genesis_time + epoch * rewards.epoch_seconds
}

#[tokio::test]
async fn create_beacons_ok() {
    // Given challenges on, before genesis
    let (mut env, rewards) = challenge_setup().await;
    let payer = env.funded_keypair(100_000_000).await;
    let before = env.lamports(&payer.pubkey()).await;

    // When anyone creates epoch 0's beacon account
    let ix = sdk::create_beacons(&payer.pubkey(), 0);
    let events = send_with_events::<BeaconsCreated>(&mut env, &[ix], &[&payer]).await;

    // Then it holds exactly the protocol's empty set with the parameters in force
    let address = sdk::beacons_pda(0).0;
    let account = env.account(&address).await.expect("created");
    assert_eq!(account.data.len(), 8 + BeaconSet::LEN);
    assert_eq!(account.owner, sdk::PROGRAM_ID);
    let p = example();
    let expected = BeaconSet::new(0, &p.protocol(), rewards.epoch_seconds).unwrap();
    assert_eq!(beacons(&mut env, 0).await, Some(expected));
    // And the payer paid the rent
    let rent = env.ctx.banks_client.get_rent().await.unwrap().minimum_balance(8 + BeaconSet::LEN);
    assert_eq!(account.lamports, rent);
    assert_eq!(rent, 22_473_840, "the rent docs/rewards.md lists");
    assert_eq!(before - env.lamports(&payer.pubkey()).await, rent);
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].epoch, events[0].beacons, events[0].payer), (0, address, payer.pubkey()));
    assert_eq!(events[0].params, p);
}

#[tokio::test]
async fn create_beacons_twice_fails_in_the_system_program() {
    // Given epoch 0's account exists
    let (mut env, _rewards) = challenge_setup().await;
    create(&mut env, 0).await.expect("first create");
    let set = beacons(&mut env, 0).await;
    // When it is created again, Then the System program refuses (AccountAlreadyInUse = 0)
    let result = create(&mut env, 0).await;
    assert_eq!(custom_error(&result), Some(0), "{result:?}");
    assert_eq!(beacons(&mut env, 0).await, set);
}

#[tokio::test]
async fn create_beacons_disabled() {
    // Given a deployment that never enabled challenges
    let (mut env, rewards) = setup().await;
    assert_error(create(&mut env, 0).await, E::ChallengesDisabled);
    // And one that turned them off with R = 0
    let mut off = example();
    off.challenges_per_epoch = 0;
    set_challenge(&mut env, &rewards, off).await.expect("R = 0");
    assert_error(create(&mut env, 0).await, E::ChallengesDisabled);
    assert_eq!(beacons(&mut env, 0).await, None);
}

#[tokio::test]
async fn create_beacons_past_epoch() {
    // Given the clock at the first second of epoch 1
    let (mut env, rewards) = challenge_setup().await;
    env.advance_to(start(&rewards, 1)).await;
    // Then epoch 0 is over; epoch 1 (current) and 2 (next) can be created
    assert_error(create(&mut env, 0).await, E::BeaconEpochOver);
    create(&mut env, 1).await.expect("current epoch");
    create(&mut env, 2).await.expect("next epoch");
}

#[tokio::test]
async fn create_beacons_far_future_epoch() {
    // Given the clock before genesis: only epoch 0 is within one epoch length
    let (mut env, rewards) = challenge_setup().await;
    assert_error(create(&mut env, 1).await, E::BeaconEpochTooFarAhead);
    // Given the last second of epoch 0: epoch 1 is next, epoch 2 too far
    env.advance_to(start(&rewards, 1) - 1).await;
    assert_error(create(&mut env, 2).await, E::BeaconEpochTooFarAhead);
    assert_error(create(&mut env, u64::MAX).await, E::ArithmeticOverflow);
    create(&mut env, 1).await.expect("next epoch");
}

#[tokio::test]
async fn create_beacons_copies_the_params_in_force() {
    // Given epoch 0 created under the example set
    let (mut env, rewards) = challenge_setup().await;
    create(&mut env, 0).await.expect("epoch 0");
    // When the authority changes the parameters and epoch 1 is created
    let new = ChallengeSettings {
        beacons_per_epoch: 8,
        challenges_per_epoch: 3,
        target_seconds: 60,
        grace_seconds: 120,
    };
    set_challenge(&mut env, &rewards, new).await.expect("new set");
    env.advance_to(start(&rewards, 0)).await;
    create(&mut env, 1).await.expect("epoch 1");
    // Then epoch 0 keeps its set and epoch 1 has the new one
    assert_eq!(beacons(&mut env, 0).await.unwrap().params(), example().protocol());
    assert_eq!(beacons(&mut env, 1).await.unwrap().params(), new.protocol());
}
