//! `set_params`: a new set is scheduled for the epochs from `effective_epoch` on; reports of
//! earlier epochs keep the old set, reports from that epoch on use the new one, and the
//! first instruction that needs it promotes it. Rejections are in `set_params_rejects`.

use super::prelude::*;

/// The default set with a lower hard cap and a shorter challenge period (a lowering).
fn lowered() -> Params {
    let mut p = default_params();
    p.hard_cap_per_epoch = 1_000;
    p.challenge_period_seconds = 7_200;
    p.reward_formula.green_bonus_bps = 10_000;
    p
}

#[tokio::test]
async fn set_params_ok_schedules_without_applying() {
    // Given a deployment with the default parameters, nothing final yet
    let (mut env, rewards) = setup().await;

    // When the authority schedules a lower set from epoch 1
    let ix = sdk::set_params(&rewards.authority.pubkey(), lowered(), 1);
    let events = send_with_events::<ParamsScheduled>(&mut env, &[ix], &[&rewards.authority]).await;

    // Then the current set is unchanged and the new one waits for epoch 1
    let config = env.rewards_config().await;
    assert_eq!(config.params, default_params());
    assert_eq!(
        config.scheduled_params,
        Some(sdk::ScheduledParams { params: lowered(), effective_epoch: 1 })
    );
    assert_eq!((*config.params_for(0), *config.params_for(1)), (default_params(), lowered()));
    // And the event carries old and new, the epoch and its start
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].old, events[0].new), (default_params(), lowered()));
    assert_eq!(events[0].effective_epoch, 1);
    assert_eq!(events[0].starts_at, rewards.genesis_time + EPOCH_SECONDS);
    assert!(!events[0].may_increase_emission);
}

#[tokio::test]
async fn set_params_applies_from_the_effective_epoch() {
    // Given a lower hard cap (1,000) and challenge period scheduled from epoch 1
    let (mut env, rewards) = setup().await;
    env.schedule_params(&rewards, lowered(), 1).await.unwrap();
    let who = recipients(1);

    // When epoch 0 is reported above the new cap, Then the old set applies: it finalizes
    // with the old challenge period
    env.finalize_claimable(&rewards, 0, &tree(&[(who[0], 5_000)])).await;
    let e0 = env.epoch_state(0).await.unwrap();
    assert_eq!(e0.claimable_at - e0.finalized_at, CHALLENGE_SECONDS);
    assert!(env.rewards_config().await.scheduled_params.is_some());

    // When epoch 1 is reported 1,001 above, Then the new cap refuses it
    env.advance_to(rewards.report_time(1)).await;
    let over = rewards.report_args(1, 0, &tree(&[(who[0], 6_001)]), manifest(1));
    assert_error(env.submit_report(&rewards.oracles[0], over).await, E::EmissionExceeded);

    // When it is reported 1,000 above, Then the first vote promotes the new set
    let ok = rewards.report_args(1, 0, &tree(&[(who[0], 6_000)]), manifest(1));
    let ix = sdk::submit_report(&rewards.oracles[0].pubkey(), ok.clone());
    let events = send_with_events::<ParamsActivated>(&mut env, &[ix], &[&rewards.oracles[0]]).await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].old, events[0].new, events[0].effective_epoch),
        (default_params(), lowered(), 1)
    );
    let config = env.rewards_config().await;
    assert_eq!((config.params, config.scheduled_params), (lowered(), None));
    // And the epoch finalizes with the new challenge period
    for oracle in &rewards.oracles[1..3] {
        env.submit_report(oracle, ok.clone()).await.unwrap();
    }
    let e1 = env.epoch_state(1).await.unwrap();
    assert_eq!(e1.status, EpochStatus::Final);
    assert_eq!(e1.claimable_at - e1.finalized_at, 7_200);
}

#[tokio::test]
async fn set_params_increase_applies_from_its_epoch_only() {
    // Given a higher emission and cap, scheduled for the earliest epoch the program allows
    let (mut env, rewards) = setup().await;
    let mut raised = default_params();
    raised.emission.initial_per_epoch = 3 * INITIAL_EMISSION;
    raised.hard_cap_per_epoch = 4 * INITIAL_EMISSION;
    let now = env.now().await;
    let config = env.rewards_config().await;
    let effective = sdk::earliest_effective_epoch(&config, &raised, now).unwrap();
    assert_eq!(effective, 2, "genesis is 600 s away: epoch 2 is the first one a day + 12 h out");
    let ix = sdk::set_params(&rewards.authority.pubkey(), raised, effective);
    let events = send_with_events::<ParamsScheduled>(&mut env, &[ix], &[&rewards.authority]).await;
    assert!(events[0].may_increase_emission);

    // Then epoch 1 is still bound by the old emission
    let who = recipients(1);
    env.finalize_claimable(&rewards, 0, &tree(&[])).await;
    env.advance_to(rewards.report_time(1)).await;
    let over = rewards.report_args(1, 0, &tree(&[(who[0], INITIAL_EMISSION + 1)]), manifest(1));
    assert_error(env.submit_report(&rewards.oracles[0], over).await, E::EmissionExceeded);
    env.finalize_claimable(&rewards, 1, &tree(&[(who[0], INITIAL_EMISSION)])).await;

    // And epoch 2 may pay the new emission (above the old hard cap of 2,000 tokens)
    let total = INITIAL_EMISSION + 3 * INITIAL_EMISSION;
    env.finalize_epoch(&rewards, 2, &tree(&[(who[0], total)])).await;
    assert_eq!(env.rewards_config().await.last_final_total, total);
}

#[tokio::test]
async fn set_params_veto_before_the_effective_epoch_keeps_the_old_set() {
    // Given a lower cap from epoch 1, and epoch 0 final above it (old set) in its challenge
    let (mut env, rewards) = setup().await;
    env.schedule_params(&rewards, lowered(), 1).await.unwrap();
    let t0 = tree(&[(Pubkey::new_unique(), 5_000)]);
    env.finalize_epoch(&rewards, 0, &t0).await;

    // When the authority tries another schedule, Then the first is not promoted yet: epoch 0
    // can still be vetoed
    let mut other = lowered();
    other.hard_cap_per_epoch = 500;
    assert_error(env.schedule_params(&rewards, other, 2).await, E::ParamsAlreadyScheduled);

    // When epoch 0 is vetoed, Then it is reported again under the old set
    let veto = sdk::veto_epoch(&rewards.authority.pubkey(), 0, [1; 32]);
    env.send(&[veto], &[&rewards.authority]).await.unwrap();
    let config = env.rewards_config().await;
    assert_eq!((config.next_epoch, config.params), (0, default_params()));
    env.finalize_epoch(&rewards, 0, &t0).await;
    let e0 = env.epoch_state(0).await.unwrap();
    assert_eq!(e0.claimable_at - e0.finalized_at, CHALLENGE_SECONDS);
}

#[tokio::test]
async fn set_params_second_schedule_after_promotion() {
    // Given a set scheduled from epoch 1 and epoch 0 final
    let (mut env, rewards) = setup().await;
    let mut first = default_params();
    first.hard_cap_per_epoch = 1_500_000_000;
    let mut second = default_params();
    second.hard_cap_per_epoch = 1_000_000_000;
    env.schedule_params(&rewards, first, 1).await.unwrap();
    assert_error(env.schedule_params(&rewards, second, 2).await, E::ParamsAlreadyScheduled);
    env.finalize_epoch(&rewards, 0, &tree(&[])).await;
    // While epoch 0's challenge period runs, Then still refused
    assert_error(env.schedule_params(&rewards, second, 2).await, E::ParamsAlreadyScheduled);

    // When it is over, Then set_params promotes the first set and schedules the second
    let claimable_at = env.epoch_state(0).await.unwrap().claimable_at;
    env.advance_to(claimable_at).await;
    let ix = sdk::set_params(&rewards.authority.pubkey(), second, 2);
    let inner = env.simulate_inner_data(std::slice::from_ref(&ix), &[&rewards.authority]).await;
    env.send(&[ix], &[&rewards.authority]).await.unwrap();
    let inner = inner.unwrap();
    let activated = events_of::<ParamsActivated>(&inner);
    let scheduled = events_of::<ParamsScheduled>(&inner);
    assert_eq!((activated[0].old, activated[0].new), (default_params(), first));
    assert_eq!(
        (scheduled[0].old, scheduled[0].new, scheduled[0].effective_epoch),
        (first, second, 2)
    );
    let config = env.rewards_config().await;
    assert_eq!(config.params, first);
    assert_eq!(
        config.scheduled_params,
        Some(sdk::ScheduledParams { params: second, effective_epoch: 2 })
    );
}
