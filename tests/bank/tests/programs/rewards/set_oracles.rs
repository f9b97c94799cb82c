//! `set_oracles`: replacing the set bumps its version; the rules of `initialize` apply.

use super::prelude::*;

#[tokio::test]
async fn set_oracles_ok() {
    // Given the default set (5 keys, threshold 3, version 1)
    let (mut env, rewards) = setup().await;
    let new: Vec<Pubkey> = (0..7).map(|_| Pubkey::new_unique()).collect();

    // When the authority sets 7 keys with threshold 4
    let ix = sdk::set_oracles(&rewards.authority.pubkey(), new.clone(), 4);
    let events = send_with_events::<OracleSetUpdated>(&mut env, &[ix], &[&rewards.authority]).await;

    // Then the set, threshold and version change, and the event carries old and new
    let config = env.rewards_config().await;
    assert_eq!(config.oracles.active(), new.as_slice());
    assert_eq!((config.oracles.threshold, config.oracles.version), (4, 2));
    assert!(config.oracles.keys[7..].iter().all(|k| *k == Pubkey::default()));
    let e = &events[0];
    assert_eq!((e.old_version, e.new_version, e.old_threshold, e.new_threshold), (1, 2, 3, 4));
    assert_eq!(e.old_oracles, rewards.oracles.iter().map(|o| o.pubkey()).collect::<Vec<_>>());
    assert_eq!(e.new_oracles, new);
}

#[tokio::test]
async fn set_oracles_same_keys_still_bumps_the_version() {
    let (mut env, rewards) = setup().await;
    let same: Vec<Pubkey> = rewards.oracles.iter().map(|o| o.pubkey()).collect();
    env.send(&[sdk::set_oracles(&rewards.authority.pubkey(), same, 3)], &[&rewards.authority])
        .await
        .unwrap();
    assert_eq!(env.rewards_config().await.oracles.version, 2);
}

#[tokio::test]
async fn set_oracles_not_authority() {
    let (mut env, _rewards) = setup().await;
    let intruder = env.funded_keypair(100_000_000).await;
    let ix = sdk::set_oracles(&intruder.pubkey(), vec![intruder.pubkey()], 1);
    assert_error(env.send(&[ix], &[&intruder]).await, E::NotAuthority);
}

#[tokio::test]
async fn set_oracles_rules() {
    let (mut env, rewards) = setup().await;
    let keys = |n: usize| -> Vec<Pubkey> { (0..n).map(|_| Pubkey::new_unique()).collect() };
    let mut dup = keys(3);
    dup[2] = dup[0];
    let mut zero = keys(3);
    zero[1] = Pubkey::default();
    let cases = [
        (vec![], 1, E::NoOracles),
        (keys(17), 9, E::TooManyOracles),
        (dup, 2, E::DuplicateOracle),
        (zero, 2, E::InvalidOracleKey),
        (keys(3), 4, E::ThresholdAboveOracleCount),
        (keys(6), 3, E::ThresholdNotMajority),
        (keys(3), 0, E::ThresholdNotMajority),
    ];
    for (oracles, threshold, error) in cases {
        let n = oracles.len();
        let ix = sdk::set_oracles(&rewards.authority.pubkey(), oracles, threshold);
        let result = env.send(&[ix], &[&rewards.authority]).await;
        assert_eq!(
            custom_error(&result),
            Some(u32::from(error)),
            "{n} oracles, threshold {threshold}"
        );
    }
    assert_eq!(env.rewards_config().await.oracles.version, 1);
}
