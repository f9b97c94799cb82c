//! `register_requester`.

use super::prelude::*;

async fn started() -> (Env, Staking) {
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    (env, s)
}

fn register_ix(s: &Staking, key: &Pubkey, first_epoch: u64) -> Ix {
    let args = sdk::RegisterRequesterArgs {
        key: *key,
        label: sdk::requester_label("acme inference"),
        first_epoch,
    };
    sdk::register_requester(&s.authority.pubkey(), args)
}

#[tokio::test]
async fn register_requester_ok_during_an_epoch_from_the_next() {
    // Given a deployment in epoch 3
    let (mut env, s) = started().await;
    s.warp_into_epoch(&mut env, 3, 100).await;
    let key = Pubkey::new_unique();
    let now = env.now().await;

    // When the authority registers a requester from epoch 4
    let events: Vec<RequesterRegistered> =
        send_with_events(&mut env, register_ix(&s, &key, 4), &[&s.authority]).await;

    // Then the record holds it, active, counting from epoch 4
    let r = s.requester_state(&mut env, &key).await;
    let (address, bump) = sdk::requester_pda(&s.config, &key);
    assert_eq!((r.config, r.key, r.label), (s.config, key, sdk::requester_label("acme inference")));
    assert_eq!((r.first_epoch, r.retired_epoch, r.registered_at), (4, u64::MAX, now));
    assert_eq!((r.bump, r.reserved), (bump, [0; 32]));
    assert!(!r.counts_in(3) && r.counts_in(4) && r.counts_in(1_000));
    // And the SDK decodes it from raw data
    let raw = env.account(&address).await.expect("record").data;
    assert_eq!(sdk::decode_requester(&raw).expect("decodes"), r);
    // And the event announces it
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(
        (e.requester, e.key, e.first_epoch, e.authority),
        (address, key, 4, s.authority.pubkey())
    );
    assert_eq!((e.label, e.registered_at), (r.label, now));
}

#[tokio::test]
async fn register_requester_before_genesis_from_epoch_0_ok() {
    // Given a deployment before genesis
    let (mut env, s) = started().await;
    let key = Pubkey::new_unique();

    // When the authority registers a requester from epoch 0 / Then it counts from epoch 0
    env.send(&[register_ix(&s, &key, 0)], &[&s.authority]).await.expect("register");
    assert!(s.requester_state(&mut env, &key).await.counts_in(0));
}

#[tokio::test]
async fn register_requester_retroactively_fails() {
    // Given a deployment in epoch 3 (the attack: count work already done or under way)
    let (mut env, s) = started().await;
    s.warp_into_epoch(&mut env, 3, 100).await;
    let key = Pubkey::new_unique();

    for first_epoch in [0, 2, 3] {
        // When the authority registers a requester from a current or past epoch
        let result = env.send(&[register_ix(&s, &key, first_epoch)], &[&s.authority]).await;

        // Then it is refused and nothing is created
        assert_error(result, E::RequesterEpochInPast);
    }
    assert!(env.account(&sdk::requester_pda(&s.config, &key).0).await.is_none());
}

#[tokio::test]
async fn register_requester_twice_fails() {
    // Given a registered requester, then retired
    let (mut env, s) = started().await;
    let key = Pubkey::new_unique();
    s.register_requester(&mut env, &key, 1).await.expect("register");
    let first = s.requester_state(&mut env, &key).await;

    // When the authority registers the same key again (active, then retired)
    let result = env.send(&[register_ix(&s, &key, 5)], &[&s.authority]).await;
    assert_error(result, E::RequesterAlreadyRegistered);
    let retire = sdk::retire_requester(&s.authority.pubkey(), &key, 2);
    env.send(&[retire], &[&s.authority]).await.expect("retire");
    let result = env.send(&[register_ix(&s, &key, 5)], &[&s.authority]).await;

    // Then the existing record refuses it: history is never rewritten
    assert_error(result, E::RequesterAlreadyRegistered);
    let after = s.requester_state(&mut env, &key).await;
    assert_eq!((after.first_epoch, after.retired_epoch), (first.first_epoch, 2));
}

#[tokio::test]
async fn register_requester_with_default_key_fails() {
    let (mut env, s) = started().await;
    let result = env.send(&[register_ix(&s, &Pubkey::default(), 0)], &[&s.authority]).await;
    assert_error(result, E::InvalidRequesterKey);
}

#[tokio::test]
async fn register_requester_by_non_authority_fails() {
    // Given the slash authority (not the config authority)
    let (mut env, s) = started().await;
    let key = Pubkey::new_unique();
    let args = sdk::RegisterRequesterArgs { key, label: sdk::requester_label("x"), first_epoch: 0 };
    let ix = sdk::register_requester(&s.slash_authority.pubkey(), args);

    // When it registers a requester / Then it is refused
    assert_error(env.send(&[ix], &[&s.slash_authority]).await, E::NotAuthority);
}

#[tokio::test]
async fn register_requester_with_fake_config_fails() {
    // Given a fake config naming the attacker as authority
    let (mut env, s) = started().await;
    let attacker = env.funded_keypair(LAMPORTS).await;
    let fake = fake_config(&mut env, &s, &attacker.pubkey()).await;
    let key = Pubkey::new_unique();
    let args = sdk::RegisterRequesterArgs { key, label: sdk::requester_label("x"), first_epoch: 0 };
    let mut ix = sdk::register_requester(&attacker.pubkey(), args);
    replace_account(&mut ix, &s.config, fake);

    // When the attacker uses it / Then the config's seeds do not match
    assert_error(env.send(&[ix], &[&attacker]).await, ErrorCode::ConstraintSeeds as u32);
}

#[tokio::test]
async fn register_requester_at_another_keys_address_fails() {
    // Given the record address of another key
    let (mut env, s) = started().await;
    let key = Pubkey::new_unique();
    let mut ix = register_ix(&s, &key, 0);
    let other = sdk::requester_pda(&s.config, &Pubkey::new_unique()).0;
    replace_account(&mut ix, &sdk::requester_pda(&s.config, &key).0, other);

    // When the authority registers / Then the seeds do not match
    assert_error(env.send(&[ix], &[&s.authority]).await, ErrorCode::ConstraintSeeds as u32);
}

#[tokio::test]
async fn register_requester_when_address_prefunded_ok() {
    // Given someone sent lamports to the record address first (to block it)
    let (mut env, s) = started().await;
    let key = Pubkey::new_unique();
    env.fund(&sdk::requester_pda(&s.config, &key).0, 1_000_000).await;

    // When the authority registers / Then the record is created anyway
    env.send(&[register_ix(&s, &key, 0)], &[&s.authority]).await.expect("register");
    assert_eq!(s.requester_state(&mut env, &key).await.key, key);
}

#[tokio::test]
async fn register_requester_while_paused_ok() {
    // Given a paused deployment (admin work continues)
    let (mut env, s) = started().await;
    pause(&mut env, &s).await;
    let key = Pubkey::new_unique();
    // When the authority registers / Then it works
    env.send(&[register_ix(&s, &key, 0)], &[&s.authority]).await.expect("register");
}
