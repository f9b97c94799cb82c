//! `retire_requester`.

use super::prelude::*;

/// A deployment in epoch 3 with a requester counting from epoch 2.
async fn started() -> (Env, Staking, Pubkey) {
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let key = Pubkey::new_unique();
    s.warp_into_epoch(&mut env, 1, 0).await;
    s.register_requester(&mut env, &key, 2).await.expect("register");
    s.warp_into_epoch(&mut env, 3, 100).await;
    (env, s, key)
}

fn retire_ix(s: &Staking, key: &Pubkey, retired_epoch: u64) -> Ix {
    sdk::retire_requester(&s.authority.pubkey(), key, retired_epoch)
}

#[tokio::test]
async fn retire_requester_ok_from_the_next_epoch() {
    // Given a requester counting in epoch 3
    let (mut env, s, key) = started().await;

    // When the authority retires it from epoch 4
    let events: Vec<RequesterRetired> =
        send_with_events(&mut env, retire_ix(&s, &key, 4), &[&s.authority]).await;

    // Then it still counts in epochs 2 and 3, not from 4 on
    let r = s.requester_state(&mut env, &key).await;
    assert_eq!(r.retired_epoch, 4);
    assert!(r.counts_in(2) && r.counts_in(3) && !r.counts_in(4) && !r.counts_in(9));
    // And the event carries old and new
    let e = &events[0];
    assert_eq!((e.key, e.old_retired_epoch, e.new_retired_epoch), (key, u64::MAX, 4));
    assert_eq!(
        (e.requester, e.authority),
        (sdk::requester_pda(&s.config, &key).0, s.authority.pubkey())
    );
}

#[tokio::test]
async fn retire_requester_at_its_first_epoch_ok() {
    // Given a requester registered from epoch 6, not counting yet
    let (mut env, s, _) = started().await;
    let later = Pubkey::new_unique();
    s.register_requester(&mut env, &later, 6).await.expect("register");

    // When the authority retires it from epoch 6 / Then it never counts
    env.send(&[retire_ix(&s, &later, 6)], &[&s.authority]).await.expect("retire");
    let r = s.requester_state(&mut env, &later).await;
    assert!((0..20).all(|epoch| !r.counts_in(epoch)));
}

#[tokio::test]
async fn retire_requester_retroactively_fails() {
    // Given a requester counting in epoch 3 (the attack: drop work already done)
    let (mut env, s, key) = started().await;
    for retired_epoch in [2, 3] {
        // When the authority retires it from a current or past epoch / Then it is refused
        let result = env.send(&[retire_ix(&s, &key, retired_epoch)], &[&s.authority]).await;
        assert_error(result, E::RequesterEpochInPast);
    }
    assert_eq!(s.requester_state(&mut env, &key).await.retired_epoch, u64::MAX);
}

#[tokio::test]
async fn retire_requester_before_its_first_epoch_or_never_fails() {
    // Given a requester counting from epoch 8
    let (mut env, s, _) = started().await;
    let later = Pubkey::new_unique();
    s.register_requester(&mut env, &later, 8).await.expect("register");
    for retired_epoch in [7, u64::MAX] {
        // When the authority retires it before it counts, or "at infinity" / Then refused
        let result = env.send(&[retire_ix(&s, &later, retired_epoch)], &[&s.authority]).await;
        assert_error(result, E::InvalidRetiredEpoch);
    }
}

#[tokio::test]
async fn retire_requester_twice_fails() {
    // Given a retired requester
    let (mut env, s, key) = started().await;
    env.send(&[retire_ix(&s, &key, 5)], &[&s.authority]).await.expect("retire");

    // When the authority retires it again (even later or earlier) / Then it is refused
    for retired_epoch in [4, 9] {
        let result = env.send(&[retire_ix(&s, &key, retired_epoch)], &[&s.authority]).await;
        assert_error(result, E::RequesterAlreadyRetired);
    }
    assert_eq!(s.requester_state(&mut env, &key).await.retired_epoch, 5);
}

#[tokio::test]
async fn retire_requester_by_non_authority_fails() {
    let (mut env, s, key) = started().await;
    let ix = sdk::retire_requester(&s.slash_authority.pubkey(), &key, 5);
    assert_error(env.send(&[ix], &[&s.slash_authority]).await, E::NotAuthority);
}

#[tokio::test]
async fn retire_unregistered_requester_fails() {
    // Given a key that was never registered
    let (mut env, s, _) = started().await;
    let ix = retire_ix(&s, &Pubkey::new_unique(), 5);
    // When the authority retires it / Then there is no record to change
    assert_error(env.send(&[ix], &[&s.authority]).await, ErrorCode::AccountNotInitialized as u32);
}

#[tokio::test]
async fn retire_requester_with_fake_config_fails() {
    // Given a fake config naming the attacker as authority
    let (mut env, s, key) = started().await;
    let attacker = env.funded_keypair(LAMPORTS).await;
    let fake = fake_config(&mut env, &s, &attacker.pubkey()).await;
    let mut ix = sdk::retire_requester(&attacker.pubkey(), &key, 5);
    replace_account(&mut ix, &s.config, fake);
    // When the attacker retires the requester / Then the config's seeds do not match
    assert_error(env.send(&[ix], &[&attacker]).await, ErrorCode::ConstraintSeeds as u32);
}
