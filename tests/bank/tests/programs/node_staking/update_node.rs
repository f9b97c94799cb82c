//! `update_node`.

use super::prelude::*;

async fn started(kind: NodeKind) -> (Env, Staking, Operator, TestNode) {
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let op = s.operator(&mut env, 100_000).await;
    let node = s.register(&mut env, &op, kind, 5_000).await;
    (env, s, op, node)
}

fn capacity(energy_wp: u64, compute_units_per_hour: u64) -> Capacity {
    Capacity { energy_wp, compute_units_per_hour }
}

#[tokio::test]
async fn update_node_metadata_recipient_region_ok() {
    // Given a registered node
    let (mut env, s, op, node) = started(NodeKind::Compute).await;
    let before = s.node_state(&mut env, node.node_id).await;
    let recipient = Pubkey::new_unique();

    // When the operator changes metadata, recipient and region
    let args = UpdateNodeArgs {
        metadata_uri: Some("ipfs://new".into()),
        reward_recipient: Some(recipient),
        region: Some(840),
        capacity: None,
    };
    let ix = sdk::update_node(&op.pubkey(), node.node_id, args);
    let events: Vec<NodeUpdated> = send_with_events(&mut env, ix, &[&op.keypair]).await;

    // Then they are stored and the event carries old and new values
    let after = s.node_state(&mut env, node.node_id).await;
    assert_eq!(
        (after.metadata_uri.as_str(), after.reward_recipient, after.region),
        ("ipfs://new", recipient, 840)
    );
    assert_eq!(after.capacity, before.capacity);
    let e = &events[0];
    assert_eq!(
        (e.old_metadata_uri.as_str(), e.new_metadata_uri.as_str()),
        (before.metadata_uri.as_str(), "ipfs://new")
    );
    assert_eq!((e.old_reward_recipient, e.new_reward_recipient), (op.pubkey(), recipient));
    assert_eq!((e.old_region, e.new_region), (before.region, 840));
}

#[tokio::test]
async fn update_node_capacity_decrease_applies_at_once() {
    // Given a hybrid node
    let (mut env, s, op, node) = started(NodeKind::Hybrid).await;
    let before = s.node_state(&mut env, node.node_id).await;
    let now = env.now().await;

    // When the operator lowers its energy capacity
    let lower = capacity(before.capacity.energy_wp / 2, before.capacity.compute_units_per_hour);
    let args = UpdateNodeArgs { capacity: Some(lower), ..Default::default() };
    env.send(&[sdk::update_node(&op.pubkey(), node.node_id, args)], &[&op.keypair])
        .await
        .expect("update");

    // Then the lower capacity is in force now, the peak remembers the old one
    let after = s.node_state(&mut env, node.node_id).await;
    assert_eq!((after.capacity, after.capacity_peak), (lower, before.capacity));
    assert!(after.capacity_lowered_at >= now);
    assert_eq!(after.pending_capacity(), None);
    // And windows that began before the decrease still see the peak
    assert_eq!(after.max_capacity_in_force(now - 1, now + 10), before.capacity);
    assert_eq!(after.max_capacity_in_force(after.capacity_lowered_at, now + 10), lower);
}

#[tokio::test]
async fn update_node_capacity_increase_waits_for_unbonding() {
    // Given an energy node
    let (mut env, s, op, node) = started(NodeKind::Energy).await;
    let before = s.node_state(&mut env, node.node_id).await;
    let higher = capacity(before.capacity.energy_wp * 3, 0);

    // When the operator raises its capacity
    let args = UpdateNodeArgs { capacity: Some(higher), ..Default::default() };
    let ix = sdk::update_node(&op.pubkey(), node.node_id, args);
    let events: Vec<NodeUpdated> = send_with_events(&mut env, ix, &[&op.keypair]).await;

    // Then the old capacity stays in force and the increase is scheduled
    let after = s.node_state(&mut env, node.node_id).await;
    let pending = after.pending_capacity().expect("scheduled increase");
    assert_eq!((after.capacity, pending.capacity), (before.capacity, higher));
    assert!(pending.effective_at >= before.registered_at + UNBONDING_SECONDS);
    assert_eq!(events[0].pending_capacity, Some(pending));
    assert_eq!(events[0].capacity_in_force, before.capacity);

    // When the unbonding period passes and any instruction touches the node
    env.warp_seconds(UNBONDING_SECONDS).await;
    let ix = sdk::stake(&op.pubkey(), node.node_id, &s.tokens(&op), 1);
    env.send(&[ix], &[&op.keypair]).await.expect("stake");

    // Then the increase is in force and the peak follows it
    let later = s.node_state(&mut env, node.node_id).await;
    assert_eq!(
        (later.capacity, later.capacity_peak, later.pending_capacity()),
        (higher, higher, None)
    );
}

#[tokio::test]
async fn update_node_rejects_each_bad_argument() {
    // Given a compute node
    let (mut env, _s, op, node) = started(NodeKind::Compute).await;
    let cases = [
        (UpdateNodeArgs::default(), E::NothingToUpdate),
        (
            UpdateNodeArgs { capacity: Some(capacity(1, 1)), ..Default::default() },
            E::InvalidCapacity,
        ),
        (
            UpdateNodeArgs { capacity: Some(capacity(0, 0)), ..Default::default() },
            E::InvalidCapacity,
        ),
        (
            UpdateNodeArgs { metadata_uri: Some("m".repeat(129)), ..Default::default() },
            E::MetadataUriTooLong,
        ),
        (UpdateNodeArgs { region: Some(1_000), ..Default::default() }, E::InvalidRegion),
        (
            UpdateNodeArgs { reward_recipient: Some(Pubkey::default()), ..Default::default() },
            E::InvalidRewardRecipient,
        ),
    ];
    for (args, expected) in cases {
        // When the operator sends one bad update
        let ix = sdk::update_node(&op.pubkey(), node.node_id, args.clone());
        let result = env.send(&[ix], &[&op.keypair]).await;

        // Then its error is returned
        assert_eq!(custom_error(&result), Some(u32::from(expected)), "{args:?}: {result:?}");
    }
}

#[tokio::test]
async fn update_someone_elses_node_fails() {
    // Given another operator
    let (mut env, s, _op, node) = started(NodeKind::Compute).await;
    let intruder = s.operator(&mut env, 0).await;

    // When it updates the node
    let args = UpdateNodeArgs { reward_recipient: Some(intruder.pubkey()), ..Default::default() };
    let result = env
        .send(&[sdk::update_node(&intruder.pubkey(), node.node_id, args)], &[&intruder.keypair])
        .await;

    // Then it is refused
    assert_error(result, E::NotOperator);
}

#[tokio::test]
async fn update_jailed_node_fails() {
    // Given a jailed node
    let (mut env, s, op, node) = started(NodeKind::Compute).await;
    slash(&mut env, &s, node.node_id, 10).await;

    // When the operator updates it
    let args = UpdateNodeArgs { region: Some(1), ..Default::default() };
    let result =
        env.send(&[sdk::update_node(&op.pubkey(), node.node_id, args)], &[&op.keypair]).await;

    // Then it is refused
    assert_error(result, E::NodeJailed);
}

#[tokio::test]
async fn update_node_while_paused_fails() {
    // Given a paused deployment
    let (mut env, s, op, node) = started(NodeKind::Compute).await;
    pause(&mut env, &s).await;

    // When the operator updates the node
    let args = UpdateNodeArgs { region: Some(1), ..Default::default() };
    let result =
        env.send(&[sdk::update_node(&op.pubkey(), node.node_id, args)], &[&op.keypair]).await;

    // Then it is refused
    assert_error(result, E::Paused);
}

#[tokio::test]
async fn update_fake_node_fails() {
    // Given a copy of the node at a non-PDA address
    let (mut env, s, op, node) = started(NodeKind::Compute).await;
    let fake = fake_node(&mut env, &s, node.node_id, &op.pubkey()).await;
    let args = UpdateNodeArgs { region: Some(1), ..Default::default() };
    let mut ix = sdk::update_node(&op.pubkey(), node.node_id, args);
    replace_account(&mut ix, &node.address, fake);

    // When the operator updates it
    let result = env.send(&[ix], &[&op.keypair]).await;

    // Then the node's seeds do not match
    assert_error(result, ErrorCode::ConstraintSeeds as u32);
}

#[tokio::test]
async fn update_node_capacity_above_maximum_fails() {
    // Given a hybrid node and a maximum of 20 kWp and 4,000 units per hour
    let (mut env, s, op, node) = started(NodeKind::Hybrid).await;
    let max = capacity(20_000, 4_000);
    let args = SetParamsArgs { max_capacity: Some(max), ..Default::default() };
    env.send(&[sdk::set_params(&s.authority.pubkey(), args, None)], &[&s.authority])
        .await
        .expect("set_params");

    for above in [capacity(20_001, 4_000), capacity(20_000, 4_001), capacity(u64::MAX, 1)] {
        // When the operator asks for more in one field
        let args = UpdateNodeArgs { capacity: Some(above), ..Default::default() };
        let ix = sdk::update_node(&op.pubkey(), node.node_id, args);

        // Then it is refused, nothing scheduled
        assert_error(env.send(&[ix], &[&op.keypair]).await, E::CapacityAboveMaximum);
    }
    assert_eq!(s.node_state(&mut env, node.node_id).await.pending_capacity(), None);
    // And exactly the maximum is scheduled
    let args = UpdateNodeArgs { capacity: Some(max), ..Default::default() };
    env.send(&[sdk::update_node(&op.pubkey(), node.node_id, args)], &[&op.keypair])
        .await
        .expect("at the maximum");
}

#[tokio::test]
async fn update_node_recipient_of_an_epoch_is_the_one_at_its_end() {
    // Given a node in epoch 2
    let (mut env, s, op, node) = started(NodeKind::Compute).await;
    s.warp_into_epoch(&mut env, 2, 10).await;
    let (first, second) = (Pubkey::new_unique(), Pubkey::new_unique());

    // When the operator changes the reward recipient twice during epoch 2
    for recipient in [first, second] {
        let args = UpdateNodeArgs { reward_recipient: Some(recipient), ..Default::default() };
        env.send(&[sdk::update_node(&op.pubkey(), node.node_id, args)], &[&op.keypair])
            .await
            .expect("update");
    }
    // And once more early in epoch 3
    s.warp_into_epoch(&mut env, 3, 10).await;
    let args = UpdateNodeArgs { reward_recipient: Some(op.pubkey()), ..Default::default() };
    env.send(&[sdk::update_node(&op.pubkey(), node.node_id, args)], &[&op.keypair])
        .await
        .expect("update");

    // Then epoch 2 pays the recipient in force at its end, read during epoch 3
    let state = s.node_state(&mut env, node.node_id).await;
    let config = s.config_state(&mut env).await;
    let view = sdk::node_epoch_view(&state, &config, 2, env.now().await).expect("epoch 2");
    assert_eq!((view.recipient, view.stake), (second.to_bytes(), 5_000));
}
