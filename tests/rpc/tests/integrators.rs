//! What integrators see over JSON-RPC: program logs in transactions (Anchor's error line by
//! name, `emit!` data) as on a real cluster, and the TypeScript package (`clients/ts`) running
//! the operator flow with the stock Anchor client against the localnet.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anchor_lang::{AccountDeserialize, Event};
use gridmint_localnet::demo::{self, DemoOptions, DEMO_NODE_ID};
use gridmint_localnet::{Localnet, LocalnetOptions};
use gridmint_sdk::node_staking::{self as ns, Node, StakeTokens};
use gridmint_sdk::rewards::{self as rw, ClaimStatus};
use gridmint_test_support::log_probe::{self, ProbeEvent};
use node_staking::errors::NodeStakingError;
use serde_json::{json, Value};
use solana_client::client_error::ClientErrorKind;
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_client::rpc_config::RpcSendTransactionConfig;
use solana_client::rpc_request::{RpcError, RpcRequest, RpcResponseErrorData};
use solana_commitment_config::CommitmentConfig;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;
use spl_associated_token_account_interface::address::get_associated_token_address;

const TRANSACTION_DEADLINE: Duration = Duration::from_secs(120);
const FLOW_DEADLINE: Duration = Duration::from_secs(420);

/// Ports above 1023 that Node's `fetch` refuses ("bad ports" of the Fetch standard: the flow
/// fails with `fetch failed … bad port`). The validator's allocator can hand them out.
const FETCH_BAD_PORTS: [u16; 19] = [
    1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669,
    6679, 6697, 10080,
];

/// A localnet whose JSON-RPC port Node's `fetch` accepts (one on a refused port is dropped
/// and another started, which takes another port).
async fn localnet_node_can_reach() -> Localnet {
    for _ in 0..3 {
        let localnet = Localnet::start(LocalnetOptions::default()).await.expect("localnet starts");
        let url = localnet.rpc_url();
        let port: u16 = url.rsplit(':').next().and_then(|p| p.parse().ok()).expect("rpc port");
        if !FETCH_BAD_PORTS.contains(&port) {
            return localnet;
        }
    }
    panic!("three localnets in a row listened on ports Node's fetch refuses");
}

/// One validator at a time: two in one process on two cores slow every service down (the
/// confirmed `getTransaction` lag grew from 0.4 s to 65 s when these ran concurrently).
static ONE_VALIDATOR: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

/// `getTransaction` (confirmed) polled until the validator has it; returns it and how long
/// that took after confirmation.
async fn transaction(rpc: &RpcClient, signature: &str) -> (Value, Duration) {
    let config = json!({"encoding": "json", "commitment": "confirmed",
                        "maxSupportedTransactionVersion": 0});
    let start = Instant::now();
    let poll = async {
        loop {
            let tx: Value = rpc
                .send(RpcRequest::GetTransaction, json!([signature, config.clone()]))
                .await
                .expect("getTransaction");
            if !tx.is_null() {
                return tx;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    match tokio::time::timeout(TRANSACTION_DEADLINE, poll).await {
        Ok(tx) => (tx, start.elapsed()),
        Err(_) => panic!("{signature}: getTransaction stays null"),
    }
}

fn log_messages(tx: &Value) -> Vec<String> {
    serde_json::from_value(tx["meta"]["logMessages"].clone()).expect("logMessages")
}

async fn signed(
    rpc: &RpcClient,
    payer: &Keypair,
    ixs: &[Instruction],
    extra: &[&Keypair],
) -> Transaction {
    let blockhash = rpc.get_latest_blockhash().await.expect("blockhash");
    let mut all = vec![payer];
    all.extend_from_slice(extra);
    Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &all, blockhash)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn program_logs_reach_transactions_over_json_rpc() {
    let _one = ONE_VALIDATOR.lock().await;
    let options = LocalnetOptions {
        extra_programs: vec![log_probe::program()],
        ..LocalnetOptions::default()
    };
    let localnet = Localnet::start(options).await.expect("localnet starts");
    let rpc = RpcClient::new_with_commitment(localnet.rpc_url(), CommitmentConfig::confirmed());

    // A native program's msg! and emit! land in the confirmed transaction's logMessages.
    let probe = Instruction { program_id: log_probe::ID, accounts: vec![], data: vec![0, 0] };
    let tx = signed(&rpc, &localnet.faucet, &[probe], &[]).await;
    let signature = rpc.send_and_confirm_transaction(&tx).await.expect("probe confirms");
    let (tx, lag) = transaction(&rpc, &signature.to_string()).await;
    eprintln!("getTransaction (confirmed) answered {lag:?} after confirmation");
    let logs = log_messages(&tx);
    let data = format!("Program data: {}", base64_of(&ProbeEvent { data_len: 2 }.data()));
    assert!(logs.contains(&log_probe::log_line(&[0, 0])), "{logs:#?}");
    assert!(logs.contains(&data), "{logs:#?}");

    // A failing GridMint instruction: the preflight error carries Anchor's error line with
    // the error's name (what stock clients turn into an AnchorError)...
    let d = demo::deploy(
        &rpc,
        &localnet.faucet,
        DemoOptions {
            epoch_seconds: 60,
            oracle_count: 1,
            threshold: 1,
            challenge_period_seconds: None,
        },
    )
    .await
    .expect("demo deployment");
    let tokens = StakeTokens {
        stake_mint: d.stake_mint,
        token_program: d.token_program,
        operator_token: get_associated_token_address(&d.operator.pubkey(), &d.stake_mint),
    };
    let zero = ns::stake(&d.operator.pubkey(), DEMO_NODE_ID, &tokens, 0);
    let code = u32::from(NodeStakingError::ZeroAmount);
    let line = format!("Error Code: ZeroAmount. Error Number: {code}.");
    let tx = signed(&rpc, &d.operator, std::slice::from_ref(&zero), &[]).await;
    let err = rpc.send_transaction(&tx).await.expect_err("zero stake fails preflight");
    let preflight_logs = match err.kind() {
        ClientErrorKind::RpcError(RpcError::RpcResponseError {
            data: RpcResponseErrorData::SendTransactionPreflightFailure(sim),
            ..
        }) => sim.logs.clone().unwrap_or_default(),
        other => panic!("expected a preflight failure, got {other:?}"),
    };
    assert!(preflight_logs.iter().any(|l| l.contains(&line)), "{preflight_logs:#?}");

    // ...and so does the landed transaction's logMessages when preflight is skipped.
    let tx = signed(&rpc, &d.operator, &[zero], &[]).await;
    let config = RpcSendTransactionConfig { skip_preflight: true, ..Default::default() };
    let signature = rpc.send_transaction_with_config(&tx, config).await.expect("sent");
    let (tx, _) = transaction(&rpc, &signature.to_string()).await;
    assert_eq!(tx["meta"]["err"], json!({"InstructionError": [0, {"Custom": code}]}));
    let logs = log_messages(&tx);
    assert!(logs.iter().any(|l| l.starts_with("Program log: AnchorError") && l.contains(&line)));
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_typescript_client_runs_the_operator_flow() {
    let _one = ONE_VALIDATOR.lock().await;
    let root = repo_root();
    let package = root.join("clients/ts");
    assert!(
        package.join("node_modules/@anchor-lang/core").is_dir(),
        "clients/ts/node_modules is missing: run scripts/setup (npm ci --prefix clients/ts)"
    );
    // Compile the package (tsc from its pinned devDependencies; no network).
    let tsc = tokio::process::Command::new("node")
        .arg(package.join("node_modules/typescript/bin/tsc"))
        .args(["-p", &package.display().to_string()])
        .kill_on_drop(true)
        .output();
    let tsc = tokio::time::timeout(Duration::from_secs(120), tsc).await.expect("tsc in time");
    let tsc = tsc.expect("node runs");
    assert!(tsc.status.success(), "tsc: {}", String::from_utf8_lossy(&tsc.stdout));

    let localnet = localnet_node_can_reach().await;
    let rpc = RpcClient::new_with_commitment(localnet.rpc_url(), CommitmentConfig::confirmed());
    let dir = tempfile::tempdir().expect("tempdir");
    let payer = dir.path().join("payer.json");
    std::fs::write(&payer, demo::keypair_json(&localnet.faucet)).expect("payer key");

    let flow = tokio::process::Command::new("node")
        .arg(package.join("dist/flow.js"))
        .arg(localnet.rpc_url())
        .arg(&payer)
        .arg(root.join("keys/localnet/deploy-admin.json"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(FLOW_DEADLINE, flow).await.expect("flow in time");
    let out = out.expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "flow failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value =
        serde_json::from_str(stdout.lines().last().expect("summary line")).expect("summary");

    // The error by name, through AnchorError and through the package's table.
    let code = u32::from(NodeStakingError::StillUnbonding);
    assert_eq!(
        summary["error"],
        json!({"name": "StillUnbonding", "number": code,
                                        "byPackage": "StillUnbonding"})
    );
    // Every transaction's events, decoded by the package.
    let expected = json!({
        "node_staking.initialize": ["ConfigInitialized"],
        "rewards.initialize": ["ConfigInitialized"],
        "register_node": ["NodeRegistered"],
        "stake": ["Staked"],
        "request_unstake": ["UnstakeRequested"],
        "submit_report": ["ReportSubmitted", "EpochFinalized"],
        "claim": ["RootClaimable", "Claimed"],
    });
    assert_eq!(summary["events"], expected, "{summary:#}");
    eprintln!("getTransaction lag after confirmation, ms: {}", summary["getTransactionLagMs"]);

    // The chain agrees with what the client decoded.
    let operator: anchor_lang::prelude::Pubkey =
        summary["operator"].as_str().expect("operator").parse().expect("pubkey");
    let node_address = ns::node_pda(&ns::config_address(), 1).0;
    let node = Node::try_deserialize(
        &mut rpc.get_account_data(&node_address).await.expect("node").as_slice(),
    )
    .expect("node decodes");
    assert_eq!(node.operator, operator);
    assert_eq!((node.active_stake, node.pending_stake), (125_000_000, 25_000_000));
    assert_eq!(summary["activeStake"], "125000000");
    let status_address = rw::claim_status_pda(&operator).0;
    let status = ClaimStatus::try_deserialize(
        &mut rpc.get_account_data(&status_address).await.expect("claim status").as_slice(),
    )
    .expect("claim status decodes");
    assert_eq!(status.claimed_total, 250_000_000);
    let reward_mint = summary["rewardMint"].as_str().expect("mint").parse().expect("pubkey");
    let paid = rpc
        .get_token_account_balance(&get_associated_token_address(&operator, &reward_mint))
        .await
        .expect("reward balance");
    assert_eq!(paid.amount, "250000000");
}
