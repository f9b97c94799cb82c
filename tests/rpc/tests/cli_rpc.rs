//! The `gridmint` CLI against the localnet over JSON-RPC, asserting chain state: status,
//! node show, stake / unstake / withdraw with decimal amounts, and `node register --signed`
//! completing what `gridmint-agent sign-registration` signed with the device key, `node
//! rotate-key` and `node update`; `admin …` (module `admin`) and `gridmint-deploy` (module
//! `deploy`) on localnets of their own.
//! (`claim` runs in `oracle_epoch`, where oracles finalize an epoch.)

#[path = "support/mod.rs"]
mod support;

#[path = "cli_rpc/admin.rs"]
mod admin;
#[path = "cli_rpc/deploy.rs"]
mod deploy;

use gridmint_localnet::demo::{self, DemoOptions, DEMO_NODE_ID, DEMO_STAKE};
use gridmint_localnet::{Localnet, LocalnetOptions};
use gridmint_sdk::chain::{ChainExt, RpcChain};
use gridmint_sdk::node_staking::{self as ns, Capacity, Node, NodeKind};
use serde_json::Value;
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_signer::Signer;

async fn node(url: &str, node_id: u64) -> Node {
    let chain = RpcChain::from_url(url.to_string(), CommitmentConfig::confirmed());
    let address = ns::node_pda(&ns::config_address(), node_id).0;
    chain.fetch::<Node>(address, ns::PROGRAM_ID, "node").await.expect("read").account.expect("node")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_manages_nodes_and_stake_with_the_cli() {
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
    support::mint_stake(&rpc, &localnet.faucet, &d, 2 * DEMO_STAKE).await;

    // A Solana CLI config naming the localnet and the operator's key, as operators have.
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("operator.json");
    std::fs::write(&key, demo::keypair_json(&d.operator)).expect("key");
    let config = dir.path().join("config.yml");
    let yaml = format!(
        "---\njson_rpc_url: \"{url}\"\nkeypair_path: {}\ncommitment: confirmed\n",
        key.display()
    );
    std::fs::write(&config, yaml).expect("config");
    let cli = |args: &[&str]| {
        let mut all = vec!["gridmint".to_string(), "-C".into(), config.display().to_string()];
        all.extend(args.iter().map(|a| a.to_string()));
        gridmint_cli::run(<gridmint_cli::Cli as clap::Parser>::parse_from(all))
    };

    let status = cli(&["status"]).await.expect("status");
    assert_eq!(status["operator"], d.operator.pubkey().to_string());
    assert_eq!(status["nodes"].as_array().expect("nodes").len(), 1);
    assert_eq!(status["nodes"][0]["active_stake"], "100.000000");
    let shown = cli(&["node", "show", "1"]).await.expect("show");
    assert_eq!(shown["device_key"], d.device.pubkey().to_string());

    cli(&["stake", "1", "12.5"]).await.expect("stake");
    assert_eq!(node(&url, DEMO_NODE_ID).await.active_stake, DEMO_STAKE + 12_500_000);
    let unbonding = cli(&["unstake", "1", "2.5"]).await.expect("unstake");
    let after = node(&url, DEMO_NODE_ID).await;
    assert_eq!((after.active_stake, after.pending_stake), (DEMO_STAKE + 10_000_000, 2_500_000));
    assert_eq!(unbonding["unlock_at"], after.unlock_at);
    let early = cli(&["withdraw", "1"]).await.expect_err("still unbonding");
    assert!(early.to_string().contains("StillUnbonding"), "{early}");
    let precise = cli(&["stake", "1", "0.0000001"]).await.expect_err("too precise");
    assert_eq!(precise.to_string(), "\"0.0000001\" has more than 6 decimals, the mint's precision");

    // Registration: the device signs offline (agent), the operator completes with the CLI.
    let device = Keypair::new();
    let nonce = support::nonce_account(&rpc, &d).await;
    let capacity = Capacity { energy_wp: 5_000, compute_units_per_hour: 100 };
    let signed =
        support::sign_registration(&url, &d, &device, &nonce, NodeKind::Hybrid, capacity).await;
    let signed_file = dir.path().join("signed.json");
    std::fs::write(&signed_file, signed.to_string()).expect("write");
    let stranger = dir.path().join("stranger.json");
    std::fs::write(&stranger, demo::keypair_json(&Keypair::new())).expect("key");
    let wrong = cli(&[
        "-k",
        stranger.to_str().expect("utf8"),
        "node",
        "register",
        "--signed",
        signed_file.to_str().expect("utf8"),
    ])
    .await
    .expect_err("not the operator");
    assert!(wrong.to_string().contains("pass that operator's keypair with -k"), "{wrong}");
    let registered: Value =
        cli(&["node", "register", "--signed", signed_file.to_str().expect("utf8")])
            .await
            .expect("register");
    assert_eq!(registered["node_id"], DEMO_NODE_ID + 1);
    let second = node(&url, DEMO_NODE_ID + 1).await;
    assert_eq!((second.device_key, second.operator), (device.pubkey(), d.operator.pubkey()));
    let status = cli(&["status"]).await.expect("status");
    assert_eq!(status["nodes"].as_array().expect("nodes").len(), 2);
    // The same signed file again: its nonce is used up.
    let replay = cli(&["node", "register", "--signed", signed_file.to_str().expect("utf8")]).await;
    assert!(replay.is_err(), "a replayed registration must fail");

    // Rotation: the new device key signs offline, the operator completes it.
    let rotated = Keypair::new();
    let rotate = gridmint_agent::registration::Request::Rotate {
        node_id: DEMO_NODE_ID + 1,
        old_device: device.pubkey(),
    };
    let nonce_args = gridmint_agent::registration::NonceArgs {
        account: nonce.pubkey(),
        authority: None,
        value: None,
    };
    let signed = gridmint_agent::registration::sign(
        &rotated,
        d.operator.pubkey(),
        nonce_args,
        rotate,
        Some(&url),
    )
    .await
    .expect("sign rotation");
    let rotation_file = dir.path().join("rotation.json");
    std::fs::write(&rotation_file, signed.to_string()).expect("write");
    cli(&["node", "rotate-key", "--signed", rotation_file.to_str().expect("utf8")])
        .await
        .expect("rotate");
    assert_eq!(node(&url, DEMO_NODE_ID + 1).await.device_key, rotated.pubkey());

    // Update: only the named fields change.
    let before = node(&url, DEMO_NODE_ID + 1).await;
    let updated = cli(&[
        "node",
        "update",
        "2",
        "--region",
        "250",
        "--metadata-uri",
        "https://x.example/n.json",
    ])
    .await
    .expect("update");
    assert_eq!(updated["region"], 250);
    let after = node(&url, DEMO_NODE_ID + 1).await;
    assert_eq!(
        (after.region, after.reward_recipient, after.capacity),
        (250, before.reward_recipient, before.capacity)
    );
}
