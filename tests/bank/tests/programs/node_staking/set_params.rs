//! `set_params`.

use super::prelude::*;
use gridmint_protocol::limits::{MAX_UNBONDING_SECONDS, UNBONDING_LOWER_BOUND_SECONDS};

#[tokio::test]
async fn set_params_ok_with_old_and_new_in_event() {
    // Given an initialized deployment and a second treasury of the stake mint
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let new_treasury = other_token_account(&mut env, &s, &Pubkey::new_unique()).await;
    let new_slasher = Pubkey::new_unique();
    let old = s.config_state(&mut env).await.params();

    // When the authority changes every parameter
    let args = SetParamsArgs {
        min_stake: Some([5, 6, 7]),
        max_capacity: Some(Capacity { energy_wp: 9, compute_units_per_hour: 10 }),
        unbonding_seconds: Some(MAX_UNBONDING_SECONDS),
        slash_bps: Some(5_000),
        reporter_bounty_bps: Some(0),
        slash_authority: Some(new_slasher),
    };
    let ix = sdk::set_params(&s.authority.pubkey(), args, Some(new_treasury));
    let events: Vec<ParamsUpdated> = send_with_events(&mut env, ix, &[&s.authority]).await;

    // Then the config holds them and the event carries old and new
    let c = s.config_state(&mut env).await;
    // Before genesis the new minimum stake is in force from epoch 0
    assert_eq!(c.min_stake.next, [5, 6, 7]);
    assert_eq!(sdk::min_stake_for(&c, NodeKind::Hybrid, 0), Some(7));
    assert_eq!(c.max_capacity, Capacity { energy_wp: 9, compute_units_per_hour: 10 });
    assert_eq!(c.unbonding_seconds, MAX_UNBONDING_SECONDS);
    assert_eq!((c.slash_bps, c.reporter_bounty_bps), (5_000, 0));
    assert_eq!(c.slash_authority, new_slasher);
    assert_eq!(c.treasury, new_treasury);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].old, old);
    assert_eq!(events[0].new, c.params());
    assert_eq!(events[0].min_stake_effective_epoch, 0);
}

#[tokio::test]
async fn set_params_min_stake_takes_effect_from_the_next_epoch() {
    // Given a deployment in epoch 2
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    s.warp_into_epoch(&mut env, 2, 100).await;

    // When the authority raises the minimum stake twice in that epoch
    let set = |min_stake| {
        let args = SetParamsArgs { min_stake: Some(min_stake), ..SetParamsArgs::default() };
        sdk::set_params(&s.authority.pubkey(), args, None)
    };
    send_with_events::<ParamsUpdated>(&mut env, set([9_000, 9_000, 9_000]), &[&s.authority]).await;
    let events: Vec<ParamsUpdated> =
        send_with_events(&mut env, set([5_000, 6_000, 7_000]), &[&s.authority]).await;

    // Then epoch 2 keeps the old minimum and epoch 3 gets the last one set
    let c = s.config_state(&mut env).await;
    assert_eq!(sdk::min_stake_for(&c, NodeKind::Energy, 2), Some(MIN_STAKE[1]));
    assert_eq!(sdk::min_stake_for(&c, NodeKind::Energy, 3), Some(6_000));
    assert_eq!(sdk::min_stake_for(&c, NodeKind::Energy, 9), Some(6_000));
    assert_eq!(events[0].old.min_stake, [9_000, 9_000, 9_000]);
    assert_eq!(events[0].new.min_stake, [5_000, 6_000, 7_000]);
    assert_eq!(events[0].min_stake_effective_epoch, 3);

    // When epoch 4 begins and another parameter changes
    s.warp_into_epoch(&mut env, 4, 0).await;
    let args = SetParamsArgs { slash_bps: Some(SLASH_BPS + 1), ..SetParamsArgs::default() };
    let ix = sdk::set_params(&s.authority.pubkey(), args, None);
    env.send(&[ix], &[&s.authority]).await.expect("set_params");

    // Then the minimum-stake history is untouched (epochs 2 and 3 still readable)
    let after = s.config_state(&mut env).await;
    assert_eq!(after.min_stake, c.min_stake);
    assert_eq!(sdk::min_stake_for(&after, NodeKind::Energy, 2), Some(MIN_STAKE[1]));
}

#[tokio::test]
async fn set_params_lowering_max_capacity_leaves_existing_nodes_alone() {
    // Given a node declaring the fixture's energy capacity
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let op = s.operator(&mut env, 1_000_000).await;
    let node = s.register(&mut env, &op, NodeKind::Energy, 5_000).await;
    let before = s.node_state(&mut env, node.node_id).await;

    // When the maximum drops below it
    let max = Capacity { energy_wp: 1, compute_units_per_hour: 1 };
    let args = SetParamsArgs { max_capacity: Some(max), ..SetParamsArgs::default() };
    env.send(&[sdk::set_params(&s.authority.pubkey(), args, None)], &[&s.authority])
        .await
        .expect("set_params");

    // Then the node keeps its capacity and can still stake
    assert_eq!(s.node_state(&mut env, node.node_id).await.capacity, before.capacity);
    let ix = sdk::stake(&op.pubkey(), node.node_id, &s.tokens(&op), 1);
    env.send(&[ix], &[&op.keypair]).await.expect("stake");
}

#[tokio::test]
async fn set_params_partial_keeps_the_rest() {
    // Given an initialized deployment
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let before = s.config_state(&mut env).await;

    // When only the unbonding period changes
    let args = SetParamsArgs {
        unbonding_seconds: Some(UNBONDING_SECONDS + 1),
        ..SetParamsArgs::default()
    };
    env.send(&[sdk::set_params(&s.authority.pubkey(), args, None)], &[&s.authority])
        .await
        .expect("set_params");

    // Then everything else is unchanged
    let after = s.config_state(&mut env).await;
    let mut expected = before.params();
    expected.unbonding_seconds = UNBONDING_SECONDS + 1;
    assert_eq!(after.params(), expected);
}

#[tokio::test]
async fn set_params_by_other_key_fails() {
    // Given a key that is not the authority (the slash authority)
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let args = SetParamsArgs { slash_bps: Some(9_000), ..SetParamsArgs::default() };

    // When it changes a parameter
    let ix = sdk::set_params(&s.slash_authority.pubkey(), args, None);
    let result = env.send(&[ix], &[&s.slash_authority]).await;

    // Then it is refused
    assert_error(result, E::NotAuthority);
}

#[tokio::test]
async fn set_params_without_change_fails() {
    // Given an initialized deployment
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;

    // When the authority sends no change (and then the current values again)
    let none = sdk::set_params(&s.authority.pubkey(), SetParamsArgs::default(), None);
    let same = sdk::set_params(
        &s.authority.pubkey(),
        SetParamsArgs { slash_bps: Some(SLASH_BPS), ..SetParamsArgs::default() },
        Some(s.treasury),
    );

    // Then both are refused
    assert_error(env.send(&[none], &[&s.authority]).await, E::NothingToUpdate);
    assert_error(env.send(&[same], &[&s.authority]).await, E::NothingToUpdate);
}

#[tokio::test]
async fn set_params_rejects_each_bad_parameter() {
    // Given an initialized deployment
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let cases = [
        (SetParamsArgs { min_stake: Some([1, 0, 1]), ..Default::default() }, E::InvalidMinStake),
        (
            SetParamsArgs {
                max_capacity: Some(Capacity { energy_wp: 0, compute_units_per_hour: 1 }),
                ..Default::default()
            },
            E::InvalidMaxCapacity,
        ),
        (
            SetParamsArgs {
                max_capacity: Some(Capacity { energy_wp: 1, compute_units_per_hour: 0 }),
                ..Default::default()
            },
            E::InvalidMaxCapacity,
        ),
        (
            SetParamsArgs {
                unbonding_seconds: Some(UNBONDING_LOWER_BOUND_SECONDS),
                ..Default::default()
            },
            E::InvalidUnbondingPeriod,
        ),
        (
            SetParamsArgs {
                unbonding_seconds: Some(MAX_UNBONDING_SECONDS + 1),
                ..Default::default()
            },
            E::InvalidUnbondingPeriod,
        ),
        (SetParamsArgs { slash_bps: Some(10_001), ..Default::default() }, E::InvalidSlashBps),
        // The bounty must stay below the slash share, whichever of the two moves.
        (
            SetParamsArgs { slash_bps: Some(BOUNTY_BPS), ..Default::default() },
            E::BountyNotBelowSlash,
        ),
        (
            SetParamsArgs { reporter_bounty_bps: Some(SLASH_BPS + 1), ..Default::default() },
            E::BountyNotBelowSlash,
        ),
        (
            SetParamsArgs { slash_authority: Some(Pubkey::default()), ..Default::default() },
            E::InvalidSlashAuthority,
        ),
    ];
    for (args, expected) in cases {
        // When the authority sends a value out of bounds
        let ix = sdk::set_params(&s.authority.pubkey(), args.clone(), None);
        let result = env.send(&[ix], &[&s.authority]).await;

        // Then that bound's error is returned
        assert_eq!(custom_error(&result), Some(u32::from(expected)), "{args:?}: {result:?}");
    }
    // And nothing changed
    assert_eq!(s.config_state(&mut env).await.slash_bps, SLASH_BPS);
}

#[tokio::test]
async fn set_params_rejects_bad_treasury() {
    // Given an initialized deployment, a token account of another mint, and the vault
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let (_, foreign) = other_mint(&mut env, &s, &Pubkey::new_unique(), 0).await;

    for bad in [foreign, s.vault] {
        // When the authority names it as the treasury
        let ix = sdk::set_params(&s.authority.pubkey(), SetParamsArgs::default(), Some(bad));
        let result = env.send(&[ix], &[&s.authority]).await;

        // Then it is refused
        assert_error(result, E::InvalidTreasury);
    }
}

#[tokio::test]
async fn set_params_with_fake_config_fails() {
    // Given a fake config naming the attacker as authority
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let attacker = Keypair::new();
    let fake = fake_config(&mut env, &s, &attacker.pubkey()).await;
    let args = SetParamsArgs { slash_bps: Some(10_000), ..SetParamsArgs::default() };
    let mut ix = sdk::set_params(&attacker.pubkey(), args, None);
    replace_account(&mut ix, &s.config, fake);

    // When the attacker uses it
    let result = env.send(&[ix], &[&attacker]).await;

    // Then the seeds do not match
    assert_error(result, ErrorCode::ConstraintSeeds as u32);
}
