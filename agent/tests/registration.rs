//! `sign-registration`: the device key signs `register_node` / `rotate_device_key` offline
//! with a durable nonce; the operator completes the transaction later; a real Bank runs it.

// Compute challenges read from a real Bank (kept in this binary: one link less).
#[path = "compute/discover.rs"]
mod discover;

use gridmint_agent::registration::{self, NonceArgs, RegisterRequest, Request};
use gridmint_sdk::node_staking::{self as ns, DeviceBinding, NodeKind};
use gridmint_sdk::offline::{self, OfflineError};
use gridmint_test_support::node_staking::{capacity_for, Staking};
use gridmint_test_support::Env;
use solana_banks_client::BanksClientError;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

async fn nonce_value(env: &mut Env, account: &solana_keypair::Keypair) -> Hash {
    let data = env.account(&account.pubkey()).await.expect("nonce account");
    solana_rpc_client_nonce_utils::data_from_account(&data).expect("initialized nonce").blockhash()
}

/// Runs `tx` on the working bank. (`process_transaction` looks its blockhash up among
/// recent ones, which a durable nonce is not; the runtime itself accepts it, as a validator
/// does.)
async fn process(env: &mut Env, tx: Transaction) -> Result<(), TransactionError> {
    match env.ctx.banks_client.process_transaction_with_metadata(tx).await {
        Ok(outcome) => outcome.result,
        Err(BanksClientError::TransactionError(e)) => Err(e),
        Err(other) => panic!("transport error: {other:?}"),
    }
}

#[tokio::test]
async fn a_device_signed_registration_completed_later_by_the_operator_registers_the_node() {
    let mut env = Env::start().await;
    let staking = Staking::start(&mut env).await;
    let operator = staking.operator(&mut env, 1_000_000).await;
    let nonce = Keypair::new();
    let create = solana_system_interface::instruction::create_nonce_account(
        &operator.pubkey(),
        &nonce.pubkey(),
        &operator.pubkey(),
        2_000_000,
    );
    env.send(&create, &[&operator.keypair, &nonce]).await.expect("create nonce account");
    let value = nonce_value(&mut env, &nonce).await;
    let device = Keypair::new();
    let config: ns::Config = env.anchor_account(&staking.config).await;
    let request = RegisterRequest {
        node_id: Some(config.next_node_id),
        kind: NodeKind::Energy,
        capacity: capacity_for(NodeKind::Energy),
        region: 276,
        metadata_uri: "https://example.org/roof".into(),
        reward_recipient: None,
        stake: 10_000,
        stake_mint: Some(staking.stake_mint),
        token_program: Some(staking.token_program),
        operator_token: None,
    };
    let nonce_args = NonceArgs { account: nonce.pubkey(), authority: None, value: Some(value) };
    let signed = registration::sign(
        &device,
        operator.pubkey(),
        nonce_args,
        Request::Register(Box::new(request)),
        None,
    )
    .await
    .expect("sign offline");
    assert_eq!(signed["missing"], serde_json::json!([operator.pubkey().to_string()]));
    assert_eq!(signed["node_id"], config.next_node_id);
    let text = signed["transaction"].as_str().expect("base64").to_string();

    // Tampering after the device signed (a larger stake, say) breaks its signature.
    let mut tampered = offline::decode(&text).expect("decode");
    let last = tampered.message.instructions.len() - 1;
    let data = &mut tampered.message.instructions[last].data;
    let n = data.len();
    data[n - 1] ^= 1;
    assert_eq!(
        offline::complete(&mut tampered, &operator.keypair),
        Err(OfflineError::BadSignature)
    );
    // A key the transaction does not name cannot sign it.
    let mut tx = offline::decode(&text).expect("decode");
    let stranger = Keypair::new();
    assert_eq!(
        offline::complete(&mut tx, &stranger),
        Err(OfflineError::NotASigner(stranger.pubkey()))
    );
    // Time passes (blockhashes expire); the durable nonce does not.
    env.warp_seconds(600).await;
    offline::complete(&mut tx, &operator.keypair).expect("operator completes");
    process(&mut env, tx).await.expect("registered");
    let binding: DeviceBinding =
        env.anchor_account(&ns::device_binding_pda(&staking.config, &device.pubkey()).0).await;
    assert_eq!(binding.node_id, config.next_node_id);
    assert_ne!(nonce_value(&mut env, &nonce).await, value, "the nonce advanced");

    // The same signed transaction cannot run twice: its nonce is used up.
    let mut again = offline::decode(&text).expect("decode");
    offline::complete(&mut again, &operator.keypair).expect("complete");
    assert_eq!(process(&mut env, again).await, Err(TransactionError::BlockhashNotFound));

    // Rotation to a new device key, signed offline by the new key.
    let value = nonce_value(&mut env, &nonce).await;
    let new_device = Keypair::new();
    let rotate = Request::Rotate { node_id: config.next_node_id, old_device: device.pubkey() };
    let nonce_args = NonceArgs { account: nonce.pubkey(), authority: None, value: Some(value) };
    let signed = registration::sign(&new_device, operator.pubkey(), nonce_args, rotate, None)
        .await
        .expect("sign rotation");
    let mut tx = offline::decode(signed["transaction"].as_str().expect("b64")).expect("decode");
    offline::complete(&mut tx, &operator.keypair).expect("complete");
    process(&mut env, tx).await.expect("rotated");
    let binding: DeviceBinding =
        env.anchor_account(&ns::device_binding_pda(&staking.config, &new_device.pubkey()).0).await;
    assert_eq!(binding.node_id, config.next_node_id);
}

#[tokio::test]
async fn offline_signing_refuses_a_transaction_that_would_expire_and_missing_inputs() {
    let device = Keypair::new();
    let operator = Keypair::new();
    // A plain recent-blockhash transaction is not durable: refused before signing.
    let ix = ns::pause(&operator.pubkey());
    let mut tx =
        Transaction::new_unsigned(solana_message::Message::new(&[ix], Some(&operator.pubkey())));
    assert_eq!(offline::sign_partial(&mut tx, &device), Err(OfflineError::NotDurable));
    // Without rpc_url every chain-read input must be given.
    let nonce = NonceArgs { account: Keypair::new().pubkey(), authority: None, value: None };
    let rotate = Request::Rotate { node_id: 1, old_device: Keypair::new().pubkey() };
    let e = registration::sign(&device, operator.pubkey(), nonce, rotate, None)
        .await
        .expect_err("no nonce value");
    assert_eq!(
        e.to_string(),
        "--nonce is not given: pass it on the command line or set rpc_url (-u)"
    );
}
