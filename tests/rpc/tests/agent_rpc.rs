//! The agent's chain-facing parts over real JSON-RPC: `sign-registration` reading the nonce,
//! the next node id, the stake mint and token program from the chain, the operator completing
//! and sending the durable-nonce transaction to the validator, and the chain clock reads
//! (epoch clock for compaction, clock skew) the agent runs on.

use gridmint_agent::registration;
use gridmint_localnet::demo::{self, DemoOptions, DEMO_NODE_ID, DEMO_STAKE};
use gridmint_localnet::{Localnet, LocalnetOptions};
use gridmint_sdk::chain::{ChainExt, RpcChain};
use gridmint_sdk::node_staking::{Capacity, NodeKind};
use gridmint_sdk::offline;
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_signer::Signer;

#[path = "support/mod.rs"]
mod support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_signed_offline_lands_through_json_rpc_with_its_durable_nonce() {
    let localnet = Localnet::start(LocalnetOptions::default()).await.expect("localnet starts");
    let url = localnet.rpc_url();
    let rpc = RpcClient::new_with_commitment(url.clone(), CommitmentConfig::confirmed());
    let options = DemoOptions {
        epoch_seconds: 30,
        oracle_count: 1,
        threshold: 1,
        challenge_period_seconds: None,
    };
    let d = demo::deploy(&rpc, &localnet.faucet, options).await.expect("demo deployment");
    // More stake tokens for a second node, and the operator's durable nonce account.
    support::mint_stake(&rpc, &localnet.faucet, &d, DEMO_STAKE).await;
    let nonce = support::nonce_account(&rpc, &d).await;

    // The device side reads everything it does not know from the chain.
    let device = Keypair::new();
    let capacity = Capacity { energy_wp: 5_000, compute_units_per_hour: 0 };
    let signed =
        support::sign_registration(&url, &d, &device, &nonce, NodeKind::Energy, capacity).await;
    assert_eq!(signed["node_id"], DEMO_NODE_ID + 1);
    let stored_nonce = registration::nonce_value(&url, &nonce.pubkey()).await.expect("nonce");
    assert_eq!(signed["nonce"], stored_nonce.to_string());

    // The operator side completes and sends it.
    let mut tx = offline::decode(signed["transaction"].as_str().expect("base64")).expect("decode");
    offline::complete(&mut tx, &d.operator).expect("complete");
    rpc.send_and_confirm_transaction(&tx).await.expect("registered over JSON-RPC");
    let chain = RpcChain::from_url(url.clone(), CommitmentConfig::confirmed());
    let binding = chain.device_binding(&device.pubkey()).await.expect("read").account;
    assert_eq!(binding.expect("bound").node_id, DEMO_NODE_ID + 1);
    let advanced = registration::nonce_value(&url, &nonce.pubkey()).await.expect("nonce");
    assert_ne!(advanced, stored_nonce, "the nonce advanced");

    // The chain reads the running agent uses.
    let clock = gridmint_agent::clock::epoch_clock(&url).await.expect("epoch clock");
    assert_eq!((clock.genesis_time, clock.epoch_seconds), (Some(d.genesis_time), Some(30)));
    let skew = gridmint_agent::clock::skew(&url).await.expect("skew");
    let chain_now = chain.clock().await.expect("clock").unix_timestamp;
    assert!(skew >= -5, "the in-process validator's clock never runs ahead: {skew} at {chain_now}");

    // Without node-staking (a wrong URL's deployment), the error says what to check.
    let missing = gridmint_agent::clock::epoch_clock("http://127.0.0.1:9").await;
    assert!(missing.is_err());
}
