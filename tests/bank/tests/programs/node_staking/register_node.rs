//! `register_node`.

use super::prelude::*;

async fn started() -> (Env, Staking, Operator) {
    let mut env = Env::start().await;
    let s = Staking::start(&mut env).await;
    let op = s.operator(&mut env, 1_000_000).await;
    (env, s, op)
}

/// Sends a registration built with `args` and a fresh device key.
async fn register(
    env: &mut Env,
    s: &Staking,
    op: &Operator,
    args: sdk::RegisterNodeArgs,
) -> Result<TestNode, String> {
    s.register_with(env, op, args).await.map_err(|e| format!("{e:?}"))
}

#[tokio::test]
async fn register_node_ok() {
    // Given an operator with tokens and a device key
    let (mut env, s, op) = started().await;
    let device = Keypair::new();
    let args = register_args(NodeKind::Hybrid, 7_000);
    let (node_id, ix) = s.register_ix(&mut env, &op, &device, args.clone()).await;
    let now = env.now().await;

    // When the operator registers a node with its initial stake
    let events: Vec<NodeRegistered> = send_with_events(&mut env, ix, &[&op.keypair, &device]).await;

    // Then the node holds everything it was given, staked and unjailed
    let node = s.node_state(&mut env, node_id).await;
    assert_eq!(node_id, 1);
    assert_eq!((node.config, node.node_id, node.operator), (s.config, 1, op.pubkey()));
    assert_eq!((node.kind, node.device_key), (NodeKind::Hybrid, device.pubkey()));
    assert_eq!(node.reward_recipient, op.pubkey(), "recipient defaults to the operator");
    assert_eq!(
        (node.region, node.metadata_uri.as_str()),
        (args.region, args.metadata_uri.as_str())
    );
    assert_eq!((node.capacity, node.capacity_peak), (args.capacity, args.capacity));
    assert_eq!((node.pending_capacity(), node.capacity_lowered_at), (None, 0));
    assert_eq!((node.unjailed_at, node.reserved), (0, [0; 64]));
    assert_eq!((node.active_stake, node.pending_stake, node.unlock_at), (7_000, 0, 0));
    assert!(!node.jailed);
    assert!(node.registered_at >= now);
    assert_eq!(node.bump, sdk::node_pda(&s.config, 1).1);
    // And the device key is bound to it from now on
    let binding = s.binding_state(&mut env, &device.pubkey()).await;
    assert_eq!(
        (binding.node, binding.node_id, binding.device_key),
        (node_address(&s, 1), 1, device.pubkey())
    );
    assert_eq!((binding.bound_at, binding.unbound_at), (node.registered_at, None));
    assert!(binding.was_bound_at(node.registered_at));
    // And the SDK's memcmp offsets point at the operator and the node
    let raw = env.account(&node_address(&s, 1)).await.expect("node").data;
    assert_eq!(&raw[sdk::NODE_OPERATOR_OFFSET..][..32], op.pubkey().as_ref());
    let binding_address = sdk::device_binding_pda(&s.config, &device.pubkey()).0;
    let raw = env.account(&binding_address).await.expect("binding").data;
    assert_eq!(&raw[sdk::DEVICE_BINDING_NODE_OFFSET..][..32], node_address(&s, 1).as_ref());
    // And the stake moved into the vault and the totals
    assert_eq!(s.vault_balance(&mut env).await, 7_000);
    assert_eq!(env.token_balance(&op.token).await, 1_000_000 - 7_000);
    let c = s.config_state(&mut env).await;
    assert_eq!((c.total_active, c.total_pending, c.next_node_id), (7_000, 0, 2));
    // And the event describes the node
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].node_id, events[0].stake, events[0].device_key),
        (1, 7_000, device.pubkey())
    );
}

fn node_address(s: &Staking, node_id: u64) -> Pubkey {
    sdk::node_pda(&s.config, node_id).0
}

#[tokio::test]
async fn register_node_each_kind_with_its_minimum_and_custom_recipient() {
    // Given an operator
    let (mut env, s, op) = started().await;
    let recipient = Pubkey::new_unique();

    for (i, kind) in [NodeKind::Compute, NodeKind::Energy, NodeKind::Hybrid].into_iter().enumerate()
    {
        // When it registers a node of each kind with exactly the minimum stake
        let mut args = register_args(kind, MIN_STAKE[i]);
        args.reward_recipient = Some(recipient);
        let node = register(&mut env, &s, &op, args).await.expect("register");

        // Then ids are sequential and the recipient is kept
        let state = s.node_state(&mut env, node.node_id).await;
        assert_eq!(
            (node.node_id, state.kind, state.reward_recipient),
            (i as u64 + 1, kind, recipient)
        );
    }
    assert_eq!(s.config_state(&mut env).await.total_active, MIN_STAKE.iter().sum::<u64>());
}

#[tokio::test]
async fn register_node_rejects_each_bad_argument() {
    let (mut env, s, op) = started().await;
    let long_uri = "x".repeat(129);
    let cases: Vec<(&str, sdk::RegisterNodeArgs, E)> = vec![
        ("zero stake", register_args(NodeKind::Compute, 0), E::ZeroAmount),
        ("below minimum", register_args(NodeKind::Hybrid, MIN_STAKE[2] - 1), E::StakeBelowMinimum),
        (
            "compute node with energy",
            sdk::RegisterNodeArgs {
                capacity: capacity_for(NodeKind::Hybrid),
                ..register_args(NodeKind::Compute, 5_000)
            },
            E::InvalidCapacity,
        ),
        (
            "energy node without energy",
            sdk::RegisterNodeArgs {
                capacity: Capacity::default(),
                ..register_args(NodeKind::Energy, 5_000)
            },
            E::InvalidCapacity,
        ),
        (
            "uri too long",
            sdk::RegisterNodeArgs {
                metadata_uri: long_uri,
                ..register_args(NodeKind::Compute, 5_000)
            },
            E::MetadataUriTooLong,
        ),
        (
            "region out of range",
            sdk::RegisterNodeArgs { region: 1_000, ..register_args(NodeKind::Compute, 5_000) },
            E::InvalidRegion,
        ),
        (
            "default recipient key",
            sdk::RegisterNodeArgs {
                reward_recipient: Some(Pubkey::default()),
                ..register_args(NodeKind::Compute, 5_000)
            },
            E::InvalidRewardRecipient,
        ),
    ];
    for (name, args, expected) in cases {
        // When the operator registers with one bad argument
        let result = s.register_with(&mut env, &op, args).await.map(|_| ());

        // Then that argument's error is returned
        assert_eq!(custom_error(&result), Some(u32::from(expected)), "{name}: {result:?}");
    }
    // And nothing was registered
    assert_eq!(s.config_state(&mut env).await.next_node_id, 1);
    assert_eq!(s.vault_balance(&mut env).await, 0);
}

#[tokio::test]
async fn register_node_with_uri_at_the_limit_ok() {
    // Given a 128-byte metadata URI
    let (mut env, s, op) = started().await;
    let args = sdk::RegisterNodeArgs {
        metadata_uri: "u".repeat(128),
        ..register_args(NodeKind::Compute, 1_000)
    };

    // When the operator registers
    let node = register(&mut env, &s, &op, args).await.expect("register");

    // Then the URI is stored whole
    assert_eq!(s.node_state(&mut env, node.node_id).await.metadata_uri.len(), 128);
}

#[tokio::test]
async fn register_node_device_key_bound_twice_fails() {
    // Given a node registered with a device key
    let (mut env, s, op) = started().await;
    let device = Keypair::new();
    let (_, ix) =
        s.register_ix(&mut env, &op, &device, register_args(NodeKind::Compute, 1_000)).await;
    env.send(&[ix], &[&op.keypair, &device]).await.expect("first registration");

    // When another operator registers a second node with the same key
    let other = s.operator(&mut env, 10_000).await;
    let (_, ix) =
        s.register_ix(&mut env, &other, &device, register_args(NodeKind::Compute, 1_000)).await;
    let result = env.send(&[ix], &[&other.keypair, &device]).await;

    // Then the key is already bound
    assert_error(result, E::DeviceKeyAlreadyBound);
}

#[tokio::test]
async fn register_node_with_jailed_nodes_key_fails() {
    // Given a node that was slashed and jailed
    let (mut env, s, op) = started().await;
    let node = s.register(&mut env, &op, NodeKind::Compute, 2_000).await;
    slash(&mut env, &s, node.node_id, 500).await;
    assert!(s.node_state(&mut env, node.node_id).await.jailed);

    // When the operator tries to escape by registering a new node with the same key
    let (_, ix) =
        s.register_ix(&mut env, &op, &node.device, register_args(NodeKind::Compute, 1_000)).await;
    let result = env.send(&[ix], &[&op.keypair, &node.device]).await;

    // Then the key is already bound
    assert_error(result, E::DeviceKeyAlreadyBound);
}

#[tokio::test]
async fn register_node_with_rotated_out_or_closed_key_fails() {
    // Given one key rotated out of a node and another whose node was closed
    let (mut env, s, op) = started().await;
    let a = s.register(&mut env, &op, NodeKind::Compute, 1_000).await;
    let new_key = Keypair::new();
    let ix = sdk::rotate_device_key(&op.pubkey(), a.node_id, &a.device.pubkey(), &new_key.pubkey());
    env.send(&[ix], &[&op.keypair, &new_key]).await.expect("rotate");
    let b = s.register(&mut env, &op, NodeKind::Compute, 1_000).await;
    request_unstake(&mut env, &op, b.node_id, 1_000).await;
    env.warp_seconds(UNBONDING_SECONDS).await;
    env.send(&[sdk::withdraw(&op.pubkey(), b.node_id, &s.tokens(&op))], &[&op.keypair])
        .await
        .expect("withdraw");
    env.send(&[sdk::close_node(&op.pubkey(), b.node_id, &b.device.pubkey())], &[&op.keypair])
        .await
        .expect("close");

    for old_key in [&a.device, &b.device] {
        // When a new node is registered with the old key
        let (_, ix) =
            s.register_ix(&mut env, &op, old_key, register_args(NodeKind::Compute, 1_000)).await;
        let result = env.send(&[ix], &[&op.keypair, old_key]).await;

        // Then the key is already bound
        assert_error(result, E::DeviceKeyAlreadyBound);
    }
}

#[tokio::test]
async fn register_node_when_binding_address_prefunded_ok() {
    // Given someone sent lamports to a device key's future binding address (griefing)
    let (mut env, s, op) = started().await;
    let device = Keypair::new();
    let binding = sdk::device_binding_pda(&s.config, &device.pubkey()).0;
    env.fund(&binding, 1_000_000).await;

    // When the operator registers with that key
    let (node_id, ix) =
        s.register_ix(&mut env, &op, &device, register_args(NodeKind::Compute, 1_000)).await;
    env.send(&[ix], &[&op.keypair, &device]).await.expect("register");

    // Then the binding is created anyway
    let state = s.binding_state(&mut env, &device.pubkey()).await;
    assert_eq!(state.node_id, node_id);
    assert_eq!(env.account(&binding).await.expect("binding").owner, node_staking::ID);
}

#[tokio::test]
async fn register_node_without_device_signature_fails() {
    // Given a registration where the device key does not sign
    let (mut env, s, op) = started().await;
    let device = Keypair::new();
    let (_, mut ix) =
        s.register_ix(&mut env, &op, &device, register_args(NodeKind::Compute, 1_000)).await;
    for meta in ix.accounts.iter_mut().filter(|m| m.pubkey == device.pubkey()) {
        meta.is_signer = false;
    }

    // When it is sent without the device's signature
    let result = env.send(&[ix], &[&op.keypair]).await;

    // Then the device account is not a signer
    assert_error(result, ErrorCode::AccountNotSigner as u32);
}

#[tokio::test]
async fn register_node_while_paused_fails() {
    // Given a paused deployment
    let (mut env, s, op) = started().await;
    pause(&mut env, &s).await;

    // When an operator registers
    let result =
        s.register_with(&mut env, &op, register_args(NodeKind::Compute, 1_000)).await.map(|_| ());

    // Then it is refused
    assert_error(result, E::Paused);
}

#[tokio::test]
async fn register_node_with_wrong_mint_fails() {
    // Given an operator holding another mint on the same token program
    let (mut env, s, op) = started().await;
    let (mint, account) = other_mint(&mut env, &s, &op.pubkey(), 10_000).await;
    let device = Keypair::new();
    let (_, mut ix) =
        s.register_ix(&mut env, &op, &device, register_args(NodeKind::Compute, 1_000)).await;
    replace_account(&mut ix, &s.stake_mint, mint);
    replace_account(&mut ix, &op.token, account);

    // When it registers paying with that mint
    let result = env.send(&[ix], &[&op.keypair, &device]).await;

    // Then the config's stake mint does not match
    assert_error(result, ErrorCode::ConstraintHasOne as u32);
}

#[tokio::test]
async fn register_node_with_wrong_token_program_fails() {
    // Given a registration naming Token-2022 for an SPL Token deployment
    let (mut env, s, op) = started().await;
    let device = Keypair::new();
    let (_, mut ix) =
        s.register_ix(&mut env, &op, &device, register_args(NodeKind::Compute, 1_000)).await;
    replace_account(&mut ix, &spl_token(), token_2022());

    // When it is sent
    let result = env.send(&[ix], &[&op.keypair, &device]).await;

    // Then the operator's token account is not owned by that program
    assert_error(result, ErrorCode::ConstraintTokenTokenProgram as u32);
}

#[tokio::test]
async fn register_node_with_fake_vault_fails() {
    // Given a token account of the stake mint that is not the vault
    let (mut env, s, op) = started().await;
    let fake_vault = other_token_account(&mut env, &s, &op.pubkey()).await;
    let device = Keypair::new();
    let (_, mut ix) =
        s.register_ix(&mut env, &op, &device, register_args(NodeKind::Compute, 1_000)).await;
    replace_account(&mut ix, &s.vault, fake_vault);

    // When the operator registers "staking" into it
    let result = env.send(&[ix], &[&op.keypair, &device]).await;

    // Then the config's vault does not match
    assert_error(result, ErrorCode::ConstraintHasOne as u32);
}

#[tokio::test]
async fn register_node_with_fake_config_fails() {
    // Given a fake config copy
    let (mut env, s, op) = started().await;
    let fake = fake_config(&mut env, &s, &op.pubkey()).await;
    let device = Keypair::new();
    let (_, mut ix) =
        s.register_ix(&mut env, &op, &device, register_args(NodeKind::Compute, 1_000)).await;
    replace_account(&mut ix, &s.config, fake);

    // When the operator registers under it
    let result = env.send(&[ix], &[&op.keypair, &device]).await;

    // Then the seeds do not match
    assert_error(result, ErrorCode::ConstraintSeeds as u32);
}

#[tokio::test]
async fn register_node_with_wrong_node_id_fails() {
    // Given a registration for a node id other than the next one
    let (mut env, s, op) = started().await;
    let device = Keypair::new();
    let (_, mut ix) =
        s.register_ix(&mut env, &op, &device, register_args(NodeKind::Compute, 1_000)).await;
    replace_account(&mut ix, &node_address(&s, 1), node_address(&s, 2));

    // When it is sent
    let result = env.send(&[ix], &[&op.keypair, &device]).await;

    // Then the node's seeds do not match
    assert_error(result, ErrorCode::ConstraintSeeds as u32);
}

#[tokio::test]
async fn register_node_from_someone_elses_token_account_fails() {
    // Given another operator's funded token account
    let (mut env, s, op) = started().await;
    let victim = s.operator(&mut env, 10_000).await;
    let device = Keypair::new();
    let (_, mut ix) =
        s.register_ix(&mut env, &op, &device, register_args(NodeKind::Compute, 1_000)).await;
    replace_account(&mut ix, &op.token, victim.token);

    // When the operator pays with it
    let result = env.send(&[ix], &[&op.keypair, &device]).await;

    // Then the token account's owner does not match
    assert_error(result, ErrorCode::ConstraintTokenOwner as u32);
}

#[tokio::test]
async fn register_node_total_overflow_fails() {
    // Given totals injected near u64::MAX
    let (mut env, s, op) = started().await;
    let mut config = s.config_state(&mut env).await;
    config.total_active = u64::MAX - 500;
    s.set_config(&mut env, &config).await;

    // When a registration would push the total past u64::MAX
    let result =
        s.register_with(&mut env, &op, register_args(NodeKind::Compute, 1_000)).await.map(|_| ());

    // Then it overflows cleanly
    assert_error(result, E::ArithmeticOverflow);
}

#[tokio::test]
async fn register_node_id_overflow_fails() {
    // Given the node id counter injected at u64::MAX
    let (mut env, s, op) = started().await;
    let mut config = s.config_state(&mut env).await;
    config.next_node_id = u64::MAX;
    s.set_config(&mut env, &config).await;

    // When a node is registered (it would get id u64::MAX and leave no next id)
    let result =
        s.register_with(&mut env, &op, register_args(NodeKind::Compute, 1_000)).await.map(|_| ());

    // Then it overflows cleanly
    assert_error(result, E::ArithmeticOverflow);
}

#[tokio::test]
async fn register_node_without_enough_tokens_fails() {
    // Given an operator with fewer tokens than the stake
    let (mut env, s, _) = started().await;
    let poor = s.operator(&mut env, 999).await;

    // When it registers with 1,000
    let result =
        s.register_with(&mut env, &poor, register_args(NodeKind::Compute, 1_000)).await.map(|_| ());

    // Then the token program refuses the transfer (InsufficientFunds = 1)
    assert_eq!(custom_error(&result), Some(1), "{result:?}");
}
