//! A whole epoch over real JSON-RPC: the in-process validator serves both programs, three
//! `gridmint-oracle` servers (each `serve::run_on` with its own SQLite file, keypair file and
//! HTTP port, configured from the files `gridmint-localnet --demo` writes) ingest a device's
//! readings split between them, snapshot, sync, close and vote; the epoch finalizes, and a
//! proof served by an oracle pays the operator's claim. Short epochs (12 s of chain time)
//! keep it to about a minute.

use std::time::Duration;

use gridmint_localnet::demo::{self, DemoOptions, DEMO_NODE_ID};
use gridmint_localnet::{Localnet, LocalnetOptions};
use gridmint_oracle::config::Config;
use gridmint_oracle::ingest::wire;
use gridmint_protocol::crediting::SignedReading;
use gridmint_sdk::node_staking as staking;
use gridmint_sdk::rewards as rw;
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;
use solana_signer::Signer;

#[path = "oracle_epoch/demo.rs"]
mod demo_showcase;

const EPOCH_SECONDS: i64 = 12;

async fn json_of(r: reqwest::Response) -> serde_json::Value {
    serde_json::from_slice(&r.bytes().await.expect("body")).unwrap_or(serde_json::Value::Null)
}

struct RunningOracle {
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_oracles_finalize_an_epoch_and_a_served_proof_pays() {
    let localnet = Localnet::start(LocalnetOptions::default()).await.expect("localnet starts");
    let rpc = RpcClient::new_with_commitment(localnet.rpc_url(), CommitmentConfig::confirmed());
    let faucet = &localnet.faucet;
    let options = DemoOptions {
        epoch_seconds: EPOCH_SECONDS,
        oracle_count: 3,
        threshold: 2,
        challenge_period_seconds: None,
    };
    let d = demo::deploy(&rpc, faucet, options).await.expect("demo deployment");
    let genesis = d.genesis_time;

    // Three oracles, each on a port chosen free, peering with the other two.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut listeners = Vec::new();
    for _ in 0..3 {
        listeners.push(tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind"));
    }
    let listen: Vec<String> =
        listeners.iter().map(|l| l.local_addr().expect("addr").to_string()).collect();
    let configs = d.write_oracle_files(dir.path(), &localnet.rpc_url(), &listen).expect("files");
    let mut oracles = Vec::new();
    for ((listener, path), address) in listeners.into_iter().zip(&configs).zip(&listen) {
        let config = Config::load(Some(path), std::iter::empty()).expect("config");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(gridmint_oracle::serve::run_on(listener, config, async move {
            let _ = stopped.await;
        }));
        oracles.push(RunningOracle { base: format!("http://{address}"), stop, task });
    }

    // Four readings in epoch 0 ([genesis, genesis + 12)), the first a baseline: 3,000 Wh.
    let readings: Vec<SignedReading> = (0..4u64)
        .map(|s| d.reading(s + 1, genesis + 1 + 3 * s as i64, 10_000 + 1_000 * s))
        .collect();
    let http = reqwest::Client::new();
    for (i, part) in [(0usize, &readings[..1]), (1, &readings[1..3]), (2, &readings[3..])] {
        let mut body = Vec::new();
        part.iter().for_each(|r| wire::reading_record(r, &mut body));
        let r = http
            .post(format!("{}/v1/readings", oracles[i].base))
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
            .await
            .expect("post");
        let json = json_of(r).await;
        assert!(
            json["results"].as_array().expect("results").iter().all(|a| a["status"] == "accepted"),
            "{json}"
        );
    }

    // Wait (bounded) until an oracle serves a proof for the operator, then claim with it.
    let url = format!("{}/v1/claims/{}", oracles[2].base, d.operator.pubkey());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(180);
    let claim = loop {
        let r = http.get(&url).send().await.expect("get");
        if r.status().is_success() {
            break json_of(r).await;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no claimable proof in time: {}",
            json_of(r).await
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let cumulative = claim["cumulative"].as_u64().expect("cumulative");
    assert_eq!(claim["epoch"], 0);
    assert!(cumulative > 0);
    // The operator claims with the CLI, which checks the proof against the chain's root.
    let keys = tempfile::tempdir().expect("tempdir");
    let operator_key = keys.path().join("operator.json");
    std::fs::write(&operator_key, demo::keypair_json(&d.operator)).expect("write key");
    let cli = |args: &[&str]| {
        let rpc_url = localnet.rpc_url();
        let mut all = vec!["gridmint".to_string(), "-u".into(), rpc_url, "-k".into()];
        all.push(operator_key.display().to_string());
        all.extend(args.iter().map(|a| a.to_string()));
        gridmint_cli::run(<gridmint_cli::Cli as clap::Parser>::parse_from(all))
    };
    // `--all`: every recipient of the operator's nodes (here the operator itself).
    let paid = cli(&["claim", "--all", "--oracle", &oracles[2].base]).await.expect("claim");
    let paid = &paid["claims"][0];
    assert_eq!(
        (paid["claimed"].as_u64(), paid["claimed_total"].as_u64()),
        (Some(cumulative), Some(cumulative))
    );
    assert_eq!(paid["recipient"], d.operator.pubkey().to_string());
    let operator = d.operator.pubkey();
    let ata = rw::recipient_ata(&operator, &d.reward_mint, &d.token_program);
    let balance = rpc.get_token_account_balance(&ata).await.expect("balance");
    assert_eq!(balance.amount, cumulative.to_string());
    let again = cli(&["claim", "--oracle", &oracles[2].base]).await.expect("claim again");
    assert_eq!(again["note"], "nothing new to claim");
    let stranger = solana_keypair::Keypair::new().pubkey().to_string();
    let e = cli(&["claim", "--oracle", &oracles[2].base, "--recipient", &stranger])
        .await
        .expect_err("not in the tree");
    assert!(e.to_string().starts_with("the oracle answered 404 Not Found: "), "{e}");

    // Every oracle finalized the same epoch 0 and explains the node's 3,000 Wh.
    let node = staking::node_pda(&staking::config_address(), DEMO_NODE_ID).0;
    let why = json_of(
        http.get(format!("{}/v1/epochs/0/nodes/{node}/explain", oracles[0].base))
            .send()
            .await
            .expect("explain"),
    )
    .await;
    assert_eq!(why["credit"]["energy"]["credited_wh"], 3_000, "{why}");
    // The CLI recomputes the reward from the finalized manifest and agrees with the oracle.
    let local =
        cli(&["why", "1", "--epoch", "0", "--oracle", &oracles[1].base]).await.expect("why");
    assert_eq!((local["finalized"].clone(), local["listed"].clone()), (true.into(), true.into()));
    assert_eq!(local["inputs"]["energy_wh"], 3_000, "{local}");
    assert_eq!(local["reward"]["total"], cumulative, "{local}");
    assert_eq!(local["oracle_agrees"], true, "{local}");
    for o in oracles {
        let _ = o.stop.send(());
        o.task.await.expect("join").expect("oracle stopped cleanly");
    }
}
