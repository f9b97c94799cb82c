//! Shared by the JSON-RPC tests that register a second node: stake tokens, a durable nonce
//! account, and a device-signed registration request.

#![allow(dead_code)]

use gridmint_agent::registration::{self, NonceArgs, RegisterRequest, Request};
use gridmint_localnet::demo::{Demo, DEMO_STAKE};
use gridmint_sdk::node_staking::{Capacity, NodeKind};
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;
use spl_associated_token_account_interface::address::get_associated_token_address;

pub async fn send(rpc: &RpcClient, ixs: &[solana_instruction::Instruction], signers: &[&Keypair]) {
    let blockhash = rpc.get_latest_blockhash().await.expect("blockhash");
    let tx =
        Transaction::new_signed_with_payer(ixs, Some(&signers[0].pubkey()), signers, blockhash);
    rpc.send_and_confirm_transaction(&tx).await.expect("confirmed");
}

/// Mints `amount` more stake tokens to the demo operator (the faucet is the mint authority).
pub async fn mint_stake(rpc: &RpcClient, faucet: &Keypair, d: &Demo, amount: u64) {
    let operator_token = get_associated_token_address(&d.operator.pubkey(), &d.stake_mint);
    let mint = spl_token_2022_interface::instruction::mint_to(
        &d.token_program,
        &d.stake_mint,
        &operator_token,
        &faucet.pubkey(),
        &[],
        amount,
    )
    .expect("mint_to");
    send(rpc, &[mint], &[faucet]).await;
}

/// A durable nonce account of the demo operator (its authority).
pub async fn nonce_account(rpc: &RpcClient, d: &Demo) -> Keypair {
    let nonce = Keypair::new();
    let create = solana_system_interface::instruction::create_nonce_account(
        &d.operator.pubkey(),
        &nonce.pubkey(),
        &d.operator.pubkey(),
        rpc.get_minimum_balance_for_rent_exemption(80).await.expect("rent"),
    );
    send(rpc, &create, &[&d.operator, &nonce]).await;
    nonce
}

/// `device`'s signature on registering a `kind` node for the demo operator, everything else
/// read over `url` (the agent's `sign-registration`).
pub async fn sign_registration(
    url: &str,
    d: &Demo,
    device: &Keypair,
    nonce: &Keypair,
    kind: NodeKind,
    capacity: Capacity,
) -> serde_json::Value {
    let request = RegisterRequest {
        node_id: None,
        kind,
        capacity,
        region: 0,
        metadata_uri: String::new(),
        reward_recipient: None,
        stake: DEMO_STAKE,
        stake_mint: None,
        token_program: None,
        operator_token: None,
    };
    let nonce_args = NonceArgs { account: nonce.pubkey(), authority: None, value: None };
    registration::sign(
        device,
        d.operator.pubkey(),
        nonce_args,
        Request::Register(Box::new(request)),
        Some(url),
    )
    .await
    .expect("the device signs")
}
