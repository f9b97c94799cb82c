//! `register_node` against the epoch clock: the deployment's maximum capacity, the minimum
//! stake in force in the current epoch, and the epoch view a new node starts with.

use super::prelude::*;

async fn started() -> (Env, Staking, Operator) {
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let op = s.operator(&mut env, 1_000_000).await;
    (env, s, op)
}

async fn set_params(env: &mut Env, s: &Staking, args: SetParamsArgs) {
    let ix = sdk::set_params(&s.authority.pubkey(), args, None);
    env.send(&[ix], &[&s.authority]).await.expect("set_params");
}

#[tokio::test]
async fn register_node_above_max_capacity_fails() {
    // Given a maximum of 10 kWp and 100 units per hour
    let (mut env, s, op) = started().await;
    let max = Capacity { energy_wp: 10_000, compute_units_per_hour: 100 };
    set_params(&mut env, &s, SetParamsArgs { max_capacity: Some(max), ..Default::default() }).await;

    for capacity in [
        Capacity { energy_wp: 10_001, compute_units_per_hour: 100 },
        Capacity { energy_wp: 10_000, compute_units_per_hour: 101 },
        // The unbounded declaration that would make every energy claim unprovable as fraud.
        Capacity { energy_wp: u64::MAX, compute_units_per_hour: 1 },
    ] {
        // When a node declares more in one field
        let args = sdk::RegisterNodeArgs { capacity, ..register_args(NodeKind::Hybrid, 5_000) };
        let result = s.register_with(&mut env, &op, args).await.map(|_| ());

        // Then it is refused
        assert_error(result, E::CapacityAboveMaximum);
    }
    // And exactly the maximum is accepted
    let args = sdk::RegisterNodeArgs { capacity: max, ..register_args(NodeKind::Hybrid, 5_000) };
    s.register_with(&mut env, &op, args).await.expect("at the maximum");
}

#[tokio::test]
async fn register_node_uses_the_min_stake_in_force_this_epoch() {
    // Given a minimum-stake raise made during epoch 1 (in force from epoch 2)
    let (mut env, s, op) = started().await;
    s.warp_into_epoch(&mut env, 1, 100).await;
    let raised = [MIN_STAKE[0] * 2, MIN_STAKE[1] * 2, MIN_STAKE[2] * 2];
    set_params(&mut env, &s, SetParamsArgs { min_stake: Some(raised), ..Default::default() }).await;

    // When a node registers with the old minimum during epoch 1 / Then it is accepted
    s.register_with(&mut env, &op, register_args(NodeKind::Energy, MIN_STAKE[1]))
        .await
        .expect("old minimum still in force");

    // When epoch 2 begins
    s.warp_into_epoch(&mut env, 2, 0).await;

    // Then the old minimum is refused and the new one accepted
    let result =
        s.register_with(&mut env, &op, register_args(NodeKind::Energy, MIN_STAKE[1])).await;
    assert_error(result.map(|_| ()), E::StakeBelowMinimum);
    s.register_with(&mut env, &op, register_args(NodeKind::Energy, raised[1]))
        .await
        .expect("new minimum");
}

#[tokio::test]
async fn register_node_counts_nothing_in_its_registration_epoch() {
    // Given a deployment in epoch 1
    let (mut env, s, op) = started().await;
    s.warp_into_epoch(&mut env, 1, 100).await;

    // When a node registers with 7,000
    let node = s.register(&mut env, &op, NodeKind::Hybrid, 7_000).await;

    // Then its view starts in epoch 1 with no stake (it had none when the epoch began)
    let state = s.node_state(&mut env, node.node_id).await;
    assert_eq!((state.view.epoch, state.view.stake_min, state.view.previous_stake_min), (1, 0, 0));
    assert_eq!(state.view.recipient_at_start, op.pubkey());
    // And once epoch 1 is over it reads as unstaked with its capacity and recipient
    let config = s.config_state(&mut env).await;
    s.warp_into_epoch(&mut env, 2, 0).await;
    let view = sdk::node_epoch_view(&state, &config, 1, env.now().await).expect("epoch 1");
    assert_eq!(view.stake, 0);
    assert_eq!(view.recipient, op.pubkey().to_bytes());
    let capacity = capacity_for(NodeKind::Hybrid);
    assert_eq!(
        (view.capacity.energy_wp, view.capacity.compute_units_per_hour),
        (capacity.energy_wp, capacity.compute_units_per_hour)
    );
    // And epoch 2 counts the whole stake
    s.warp_into_epoch(&mut env, 3, 0).await;
    let view = sdk::node_epoch_view(&state, &config, 2, env.now().await).expect("epoch 2");
    assert_eq!(view.stake, 7_000);
}
