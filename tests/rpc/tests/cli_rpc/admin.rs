//! `gridmint admin …` against the localnet, with one real oracle finalizing epochs: every
//! command's chain state afterwards, a stranger refused by name, and a veto whose correction
//! document reaches the oracle, which re-finalizes the epoch under it.

use std::time::{Duration, Instant};

use gridmint_localnet::demo::{self, DemoOptions, DEMO_NODE_ID, DEMO_STAKE};
use gridmint_localnet::{Localnet, LocalnetOptions};
use gridmint_oracle::config::Config;
use gridmint_sdk::chain::{Chain, ChainExt, RpcChain};
use gridmint_sdk::node_staking::{self as ns, Node};
use gridmint_sdk::rewards::{self as rw, EpochState, EpochStatus};
use serde_json::Value;
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_signer::Signer;

const EPOCH_SECONDS: i64 = 8;

fn chain(url: &str) -> RpcChain {
    RpcChain::from_url(url.to_string(), CommitmentConfig::confirmed())
}

async fn node(url: &str) -> Node {
    let address = ns::node_pda(&ns::config_address(), DEMO_NODE_ID).0;
    chain(url).fetch::<Node>(address, ns::PROGRAM_ID, "node").await.unwrap().account.unwrap()
}

async fn epoch_state(url: &str, epoch: u64) -> Option<EpochState> {
    chain(url).epoch_state(epoch).await.expect("read").account
}

/// Polls the epoch's state until `done` holds (deadline: a few epochs).
async fn wait_epoch(url: &str, epoch: u64, what: &str, done: impl Fn(&EpochState) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if epoch_state(url, epoch).await.is_some_and(|s| done(&s)) {
            return;
        }
        assert!(Instant::now() < deadline, "epoch {epoch}: {what} did not happen in time");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_authority_administers_the_deployment_with_the_cli() {
    let localnet = Localnet::start(LocalnetOptions::default()).await.expect("localnet starts");
    let url = localnet.rpc_url();
    let rpc = RpcClient::new_with_commitment(url.clone(), CommitmentConfig::confirmed());
    let options = DemoOptions {
        epoch_seconds: EPOCH_SECONDS,
        oracle_count: 1,
        threshold: 1,
        challenge_period_seconds: Some(EPOCH_SECONDS - 1),
    };
    let d = demo::deploy(&rpc, &localnet.faucet, options).await.expect("demo deployment");

    // One real oracle (the whole set, threshold 1) finalizing each epoch.
    let dir = tempfile::tempdir().expect("tempdir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("addr").to_string();
    let configs =
        d.write_oracle_files(dir.path(), &url, std::slice::from_ref(&address)).expect("files");
    let config = Config::load(Some(&configs[0]), std::iter::empty()).expect("config");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let oracle = tokio::spawn(gridmint_oracle::serve::run_on(listener, config, async move {
        let _ = stopped.await;
    }));
    let oracle_url = format!("http://{address}");

    let key_file = |name: &str, key: &Keypair| {
        let path = dir.path().join(name);
        std::fs::write(&path, demo::keypair_json(key)).expect("key");
        path.display().to_string()
    };
    let admin_key = key_file("admin.json", &d.admin);
    let operator_key = key_file("operator-cli.json", &d.operator);
    let cli = |key: &str, args: &[&str]| {
        let mut all: Vec<String> = ["gridmint", "-u", url.as_str(), "-k", key, "--output", "json"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        all.extend(args.iter().map(|a| a.to_string()));
        gridmint_cli::run(<gridmint_cli::Cli as clap::Parser>::parse_from(all))
    };
    let admin = |args: &'static [&'static str]| cli(&admin_key, args);
    let err = |r: anyhow::Result<Value>| r.expect_err("must fail").to_string();

    // A stranger is refused by the program's error name.
    let refused = err(cli(&operator_key, &["admin", "pause"]).await);
    assert!(refused.contains("NotAuthority"), "{refused}");

    // Pause both programs: an operator's stake change stops; unpause resumes it.
    let paused = admin(&["admin", "pause"]).await.expect("pause");
    assert_eq!(
        (paused["node_staking_paused"].clone(), paused["rewards_paused"].clone()),
        (true.into(), true.into())
    );
    let blocked = err(cli(&operator_key, &["stake", "1", "1"]).await);
    assert!(blocked.contains("Paused"), "{blocked}");
    admin(&["admin", "unpause", "--program", "rewards"]).await.expect("unpause rewards");
    let config = chain(&url).rewards_config().await.unwrap().account.unwrap();
    assert!(!config.paused);
    assert!(chain(&url).node_staking_config().await.unwrap().account.unwrap().paused);
    // `all` unpauses what is still paused; again, there is nothing to send.
    let resumed = admin(&["admin", "unpause"]).await.expect("unpause all");
    assert!(resumed["signature"].is_string());
    assert!(!chain(&url).node_staking_config().await.unwrap().account.unwrap().paused);
    let idle = admin(&["admin", "unpause"]).await.expect("nothing paused");
    assert!(idle["signature"].is_null());

    // Requesters: added from the next epoch, retired from a named one.
    let requester = Keypair::new().pubkey().to_string();
    let add = ["admin", "requester", "add", requester.as_str(), "--label", "render farm"];
    let added = cli(&admin_key, &add).await.expect("add requester");
    let record = chain(&url).requester(&requester.parse().unwrap()).await.unwrap().account;
    assert_eq!(added["first_epoch"], record.as_ref().unwrap().first_epoch);
    assert_eq!(&record.unwrap().label[..11], b"render farm");
    let retire = ["admin", "requester", "retire", requester.as_str(), "--epoch", "40"];
    cli(&admin_key, &retire).await.expect("retire");
    let record = chain(&url).requester(&requester.parse().unwrap()).await.unwrap().account;
    assert_eq!(record.unwrap().retired_epoch, 40);
    let long = ["admin", "requester", "add", requester.as_str(), "--label", &"x".repeat(33)];
    assert_eq!(err(cli(&admin_key, &long).await), "label is 33 bytes; at most 32");

    // Parameters: only the named one changes, scheduled at the earliest accepted epoch.
    let before = chain(&url).rewards_config().await.unwrap().account.unwrap().params;
    let scheduled =
        admin(&["admin", "set-params", "--compute-pool-bps", "7000"]).await.expect("set");
    let config = chain(&url).rewards_config().await.unwrap().account.unwrap();
    let pending = config.scheduled_params.expect("scheduled");
    assert_eq!(pending.params.reward_formula.compute_pool_bps, 7_000);
    assert_eq!(pending.params.emission, before.emission);
    assert_eq!(scheduled["effective_epoch"], pending.effective_epoch);
    assert!(pending.effective_epoch > config.next_epoch);

    // Slash 2.5 tokens (the node is jailed), then unjail; unjailing twice is refused.
    admin(&["admin", "slash", "1", "2.5", "--reason", "7"]).await.expect("slash");
    let slashed = node(&url).await;
    assert_eq!(slashed.active_stake, DEMO_STAKE - 2_500_000);
    assert!(slashed.jailed);
    admin(&["admin", "unjail", "1"]).await.expect("unjail");
    assert!(!node(&url).await.jailed);
    assert!(err(admin(&["admin", "unjail", "1"]).await).contains("NodeNotJailed"));

    // Veto epoch 0 once the oracle finalized it: the document must reach an oracle first.
    wait_epoch(&url, 0, "finalization", |s| s.status == EpochStatus::Final).await;
    let first_round = epoch_state(&url, 0).await.unwrap().round;
    let no_oracle = err(admin(&["admin", "veto", "0", "--exclude", "1:fraud"]).await);
    assert!(no_oracle.starts_with("the oracles need the correction document"), "{no_oracle}");
    let closed = format!("http://{}", free_address());
    let to_closed = ["admin", "veto", "0", "--exclude", "1:fraud", "--oracle", closed.as_str()];
    let unreachable = err(cli(&admin_key, &to_closed).await);
    assert!(unreachable.contains("did not take the correction document"), "{unreachable}");
    assert_eq!(epoch_state(&url, 0).await.unwrap().status, EpochStatus::Final, "no veto sent");
    let veto = ["admin", "veto", "0", "--exclude", "1:fraud", "--oracle", oracle_url.as_str()];
    let vetoed = cli(&admin_key, &veto).await.expect("veto");
    let reason = vetoed["reason"].as_str().expect("reason").to_string();
    let state = epoch_state(&url, 0).await.unwrap();
    assert_ne!(state.status, EpochStatus::Final);
    assert!(state.round > first_round);
    // The oracle re-finalizes under the document: its manifest commits the hash.
    wait_epoch(&url, 0, "re-finalization", |s| s.status == EpochStatus::Final).await;
    let manifest: Value = reqwest::get(format!("{oracle_url}/v1/epochs/0/manifest"))
        .await
        .expect("manifest")
        .json()
        .await
        .expect("json");
    assert_eq!(manifest["corrections_hash"], reason.as_str(), "{manifest}");

    // A second oracle: the lone running oracle cannot reach the new quorum of 2 (it votes
    // only on a result a quorum published), so the second one's vote leaves the epoch open,
    // and the authority opens a new round.
    let second = Keypair::new();
    let fund = solana_system_interface::instruction::transfer(
        &localnet.faucet.pubkey(),
        &second.pubkey(),
        1_000_000_000,
    );
    super::support::send(&rpc, &[fund], &[&localnet.faucet]).await;
    let oracle_key = d.oracles[0].pubkey().to_string();
    let second_key = second.pubkey().to_string();
    let set =
        ["admin", "set-oracles", "--threshold", "2", oracle_key.as_str(), second_key.as_str()];
    let replaced = cli(&admin_key, &set).await.expect("set oracles");
    assert_eq!(replaced["threshold"], 2);
    let config = chain(&url).rewards_config().await.unwrap().account.unwrap();
    assert_eq!((config.oracles.threshold, config.oracles.count), (2, 2));
    let next = config.next_epoch;
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let round = epoch_state(&url, next).await.map_or(0, |s| s.round);
        let args = rw::SubmitReportArgs {
            epoch: next,
            round,
            root: [7; 32],
            cumulative_total: config.last_final_total,
            recipient_count: 1,
            manifest_hash: [9; 32],
        };
        let vote = rw::submit_report(&second.pubkey(), args);
        // Refused until the epoch ended and its report grace passed.
        match chain(&url).send_transaction(&[vote], &second, &[]).await {
            Ok(_) => break,
            Err(e) => assert!(Instant::now() < deadline, "no vote in time: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let state = epoch_state(&url, next).await.expect("voted");
    assert_eq!(state.status, EpochStatus::Voting);
    let next_text = next.to_string();
    let reopened =
        cli(&admin_key, &["admin", "open-round", next_text.as_str()]).await.expect("open");
    assert_eq!(reopened["round"], state.round + 1);
    let state = epoch_state(&url, next).await.unwrap();
    assert_eq!((state.status, state.voted_mask), (EpochStatus::Voting, 0));

    let _ = stop.send(());
    oracle.await.expect("oracle task").expect("oracle stops cleanly");
}

/// An address nothing listens on (bound, then released).
fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").to_string()
}
