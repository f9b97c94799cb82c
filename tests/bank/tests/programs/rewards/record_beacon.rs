//! `record_beacon`: the permissionless crank copies the newest `SlotHashes` entry into a
//! beacon inside its window, once; early, late, repeated and out-of-range cranks, a fake
//! `SlotHashes` account and wrong beacon accounts are refused with their exact errors.

use super::create_beacons::{beacons, challenge_setup, create, start};
use super::prelude::*;
use gridmint_sdk::rewards::{Beacon, BeaconSet};
use solana_account::Account;

const SLOT_HASHES: Pubkey = solana_sdk_ids::sysvar::slot_hashes::ID;

/// Epoch 0's beacon `i` is due at `genesis + i × L / 4` and open for `L / 8` (N = 4).
fn due(rewards: &Rewards, i: i64) -> i64 {
    start(rewards, 0) + i * rewards.epoch_seconds / 4
}

fn until(rewards: &Rewards, i: i64) -> i64 {
    due(rewards, i) + rewards.epoch_seconds / 8
}

/// The Bank's `SlotHashes` entries, newest first, read raw.
async fn slot_hashes(env: &mut Env) -> Vec<(u64, [u8; 32])> {
    let data = env.account(&SLOT_HASHES).await.expect("SlotHashes sysvar").data;
    let count = u64::from_le_bytes(data[..8].try_into().unwrap()) as usize;
    (0..count)
        .map(|i| {
            let at = 8 + i * 40;
            let slot = u64::from_le_bytes(data[at..at + 8].try_into().unwrap());
            (slot, data[at + 8..at + 40].try_into().unwrap())
        })
        .collect()
}

async fn crank(
    env: &mut Env,
    epoch: u64,
    index: u16,
) -> Result<(), solana_transaction::TransactionError> {
    env.send(&[sdk::record_beacon(epoch, index)], &[]).await
}

/// Challenges on, epoch 0's beacon account created, clock at beacon 0's due time.
async fn at_first_beacon() -> (Env, Rewards) {
    let (mut env, rewards) = challenge_setup().await;
    create(&mut env, 0).await.expect("create epoch 0");
    env.advance_to(due(&rewards, 0)).await;
    (env, rewards)
}

#[tokio::test]
async fn record_beacon_ok_with_the_newest_slot_hash() {
    // Given beacon 0 due now
    let (mut env, rewards) = at_first_beacon().await;
    let clock = env.clock().await;
    let newest = slot_hashes(&mut env).await[0];
    // The Bank fills SlotHashes natively: the newest entry is the parent slot
    assert_eq!(newest.0 + 1, clock.slot);

    // When anyone cranks it
    let ix = sdk::record_beacon(0, 0);
    let events = send_with_events::<BeaconRecorded>(&mut env, &[ix], &[]).await;

    // Then the beacon holds that entry and the chain time, and nothing else changed
    let set = beacons(&mut env, 0).await.unwrap();
    let beacon = Beacon { slot: newest.0, recorded_at: due(&rewards, 0), hash: newest.1 };
    assert_eq!(set.beacons[0], beacon);
    assert_ne!(beacon.hash, [0; 32]);
    let mut expected = BeaconSet::new(0, &set.params(), rewards.epoch_seconds).unwrap();
    expected.beacons[0] = beacon;
    assert_eq!(set, expected);
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(
        (e.epoch, e.index, e.slot, e.recorded_at, e.hash),
        (0, 0, beacon.slot, beacon.recorded_at, beacon.hash)
    );

    // And the last second of beacon 3's window works too, from a later bank
    env.advance_to(until(&rewards, 3) - 1).await;
    let newest = slot_hashes(&mut env).await[0];
    crank(&mut env, 0, 3).await.expect("last second of the window");
    let set = beacons(&mut env, 0).await.unwrap();
    assert_eq!((set.beacons[3].slot, set.beacons[3].hash), newest);
    assert!(!set.beacons[1].is_recorded() && !set.beacons[2].is_recorded());
}

#[tokio::test]
async fn record_beacon_before_due() {
    let (mut env, rewards) = challenge_setup().await;
    create(&mut env, 0).await.expect("create");
    env.advance_to(due(&rewards, 1) - 1).await;
    assert_error(crank(&mut env, 0, 1).await, E::BeaconOutsideWindow);
    assert!(!beacons(&mut env, 0).await.unwrap().beacons[1].is_recorded());
}

#[tokio::test]
async fn record_beacon_at_until() {
    // Given beacon 0's window is over (it is missing forever)
    let (mut env, rewards) = at_first_beacon().await;
    env.advance_to(until(&rewards, 0)).await;
    assert_error(crank(&mut env, 0, 0).await, E::BeaconOutsideWindow);
}

#[tokio::test]
async fn record_beacon_twice() {
    let (mut env, _rewards) = at_first_beacon().await;
    crank(&mut env, 0, 0).await.expect("first");
    let first = beacons(&mut env, 0).await.unwrap().beacons[0];
    env.warp_seconds(1).await;
    assert_error(crank(&mut env, 0, 0).await, E::BeaconAlreadyRecorded);
    // Once stored a beacon never changes
    assert_eq!(beacons(&mut env, 0).await.unwrap().beacons[0], first);
}

#[tokio::test]
async fn record_beacon_index_out_of_range() {
    // N = 4: indexes 4 and 63 (inside the account's 64 entries) and 64 are refused
    let (mut env, _rewards) = at_first_beacon().await;
    for index in [4, 63, 64, u16::MAX] {
        assert_error(crank(&mut env, 0, index).await, E::BeaconIndexOutOfRange);
    }
}

#[tokio::test]
async fn record_beacon_fake_slot_hashes() {
    // Given an account holding SlotHashes-shaped data with a chosen hash
    let (mut env, _rewards) = at_first_beacon().await;
    let fake = Pubkey::new_unique();
    let mut data = 1u64.to_le_bytes().to_vec();
    data.extend(7u64.to_le_bytes());
    data.extend([0xAB; 32]);
    let account = Account {
        lamports: 1_000_000_000,
        data,
        owner: solana_sdk_ids::sysvar::ID,
        executable: false,
        rent_epoch: 0,
    };
    env.set_raw_account(&fake, account);
    // When it is passed in place of the sysvar, Then the address constraint refuses it
    let mut ix = sdk::record_beacon(0, 0);
    let meta = ix.accounts.iter_mut().find(|m| m.pubkey == SLOT_HASHES).unwrap();
    meta.pubkey = fake;
    assert_error(env.send(&[ix], &[]).await, ErrorCode::ConstraintAddress as u32);
    assert!(!beacons(&mut env, 0).await.unwrap().beacons[0].is_recorded());
}

#[tokio::test]
async fn record_beacon_another_epochs_account() {
    // Given epochs 0 and 1 created, in beacon 0's window of epoch 0
    let (mut env, _rewards) = at_first_beacon().await;
    create(&mut env, 1).await.expect("create epoch 1");
    // When epoch 1's account is passed for epoch 0 (or the reverse), Then the seeds refuse it
    let mut ix = sdk::record_beacon(0, 0);
    ix.accounts[0].pubkey = sdk::beacons_pda(1).0;
    assert_error(env.send(&[ix], &[]).await, ErrorCode::ConstraintSeeds as u32);
    let mut ix = sdk::record_beacon(1, 0);
    ix.accounts[0].pubkey = sdk::beacons_pda(0).0;
    assert_error(env.send(&[ix], &[]).await, ErrorCode::ConstraintSeeds as u32);
    // And epoch 1's own beacon 0 is not due yet
    assert_error(crank(&mut env, 1, 0).await, E::BeaconOutsideWindow);
}

#[tokio::test]
async fn record_beacon_forged_account() {
    // Given a program-owned copy of epoch 0's account at an address that is not the PDA
    let (mut env, _rewards) = at_first_beacon().await;
    let real = env.account(&sdk::beacons_pda(0).0).await.unwrap();
    let forged = Pubkey::new_unique();
    env.set_raw_account(&forged, real);
    let mut ix = sdk::record_beacon(0, 0);
    ix.accounts[0].pubkey = forged;
    assert_error(env.send(&[ix], &[]).await, ErrorCode::ConstraintSeeds as u32);
}

#[tokio::test]
async fn record_beacon_missing_account() {
    // Given challenges on but no beacon account for epoch 0 (an empty, System-owned address)
    let (mut env, rewards) = challenge_setup().await;
    env.advance_to(due(&rewards, 0)).await;
    assert_error(crank(&mut env, 0, 0).await, ErrorCode::AccountOwnedByWrongProgram as u32);
}

#[tokio::test]
async fn record_beacon_not_a_beacon_account() {
    // Given the config passed as the beacon account of an epoch whose PDA it is not
    let (mut env, _rewards) = at_first_beacon().await;
    let mut ix = sdk::record_beacon(0, 0);
    ix.accounts[0].pubkey = sdk::config_address();
    let result = env.send(&[ix], &[]).await;
    assert_error(result, ErrorCode::AccountDiscriminatorMismatch as u32);
}
