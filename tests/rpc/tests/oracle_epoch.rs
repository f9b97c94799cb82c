//! A whole epoch over real JSON-RPC: the in-process validator serves both programs, three
//! `gridmint-oracle` processes' worth of code (each `serve::run_on` with its own SQLite file,
//! keypair file and HTTP port) ingest a device's readings split between them, snapshot,
//! sync, close and vote; the epoch finalizes, and a proof served by an oracle pays the
//! operator's claim. Short epochs (12 s of chain time) keep it to about a minute.

use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use gridmint_localnet::{Localnet, LocalnetOptions};
use gridmint_oracle::config::Config;
use gridmint_oracle::ingest::wire;
use gridmint_protocol::crediting::SignedReading;
use gridmint_protocol::messages::EnergyReading;
use gridmint_sdk::node_staking::{
    self as staking, Capacity, NodeKind, RegisterNodeArgs, StakeTokens,
};
use gridmint_sdk::rewards::{self as rw, EmissionParams, Params, RewardFormulaParams};
use gridmint_test_support::deploy_admin;
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;
use spl_associated_token_account_interface::{
    address::get_associated_token_address, instruction::create_associated_token_account_idempotent,
};
use spl_token_2022_interface::instruction as token_ix;

const EPOCH_SECONDS: i64 = 12;
const STAKE: u64 = 100_000_000;

async fn send(rpc: &RpcClient, payer: &Keypair, ixs: &[Instruction], signers: &[&Keypair]) {
    let blockhash = rpc.get_latest_blockhash().await.expect("blockhash");
    let mut all = vec![payer];
    all.extend_from_slice(signers);
    let tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &all, blockhash);
    rpc.send_and_confirm_transaction(&tx).await.expect("transaction confirms");
}

fn create_mint(
    faucet: &Keypair,
    mint: &Keypair,
    authority: &Pubkey,
    rent: u64,
) -> Vec<Instruction> {
    let token_program = anchor_spl::token::ID;
    vec![
        solana_system_interface::instruction::create_account(
            &faucet.pubkey(),
            &mint.pubkey(),
            rent,
            82,
            &token_program,
        ),
        token_ix::initialize_mint2(&token_program, &mint.pubkey(), authority, None, 6)
            .expect("mint"),
    ]
}

fn reading(
    device: &Keypair,
    node_id: u64,
    sequence: u64,
    timestamp: i64,
    wh: u64,
) -> SignedReading {
    let message = EnergyReading {
        deployment: staking::config_address().to_bytes(),
        node_id,
        sequence,
        timestamp,
        produced_wh: wh,
        consumed_wh: 0,
    }
    .encode();
    let signature = device.sign_message(&message).as_ref().try_into().expect("64 bytes");
    SignedReading { device_key: device.pubkey().to_bytes(), message, signature }
}

fn params() -> Params {
    Params {
        report_grace_seconds: 2,
        challenge_period_seconds: 2,
        emission: EmissionParams {
            initial_per_epoch: 1_000_000_000,
            decay_bps: 0,
            decay_interval_epochs: 1,
            floor_per_epoch: 1_000_000_000,
        },
        hard_cap_per_epoch: 1_000_000_000,
        reward_formula: RewardFormulaParams {
            compute_pool_bps: 5_000,
            green_bonus_bps: 0,
            work_per_staked_token: 10,
            wh_per_staked_token: 1_000,
            max_capacity_factor_bps: 10_000,
            max_work_per_wh: 1,
        },
    }
}

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
    let admin = deploy_admin();
    let operator = Keypair::new();
    let device = Keypair::new();
    let oracle_keys: Vec<Keypair> = (0..3).map(|_| Keypair::new()).collect();
    let (stake_mint, reward_mint) = (Keypair::new(), Keypair::new());
    let token_program = anchor_spl::token::ID;
    let rent = rpc.get_minimum_balance_for_rent_exemption(82).await.expect("rent");

    let funded: Vec<Pubkey> = [admin.pubkey(), operator.pubkey()]
        .into_iter()
        .chain(oracle_keys.iter().map(Signer::pubkey))
        .collect();
    let mut ixs: Vec<Instruction> = funded
        .iter()
        .map(|to| {
            solana_system_interface::instruction::transfer(&faucet.pubkey(), to, 10_000_000_000)
        })
        .collect();
    ixs.extend(create_mint(faucet, &stake_mint, &faucet.pubkey(), rent));
    ixs.extend(create_mint(faucet, &reward_mint, &rw::mint_authority_pda().0, rent));
    for owner in [operator.pubkey(), faucet.pubkey()] {
        ixs.push(create_associated_token_account_idempotent(
            &faucet.pubkey(),
            &owner,
            &stake_mint.pubkey(),
            &token_program,
        ));
    }
    send(&rpc, faucet, &ixs, &[&stake_mint, &reward_mint]).await;
    let operator_token = get_associated_token_address(&operator.pubkey(), &stake_mint.pubkey());
    let treasury = get_associated_token_address(&faucet.pubkey(), &stake_mint.pubkey());
    let mint_to = token_ix::mint_to(
        &token_program,
        &stake_mint.pubkey(),
        &operator_token,
        &faucet.pubkey(),
        &[],
        STAKE,
    )
    .expect("mint_to");
    send(&rpc, faucet, &[mint_to], &[]).await;

    // Both programs on one clock: genesis a few seconds ahead of the *chain* clock (the
    // in-process validator's clock does not follow the wall clock exactly), short epochs.
    let chain =
        gridmint_sdk::chain::RpcChain::from_url(localnet.rpc_url(), CommitmentConfig::confirmed());
    let chain_now =
        gridmint_sdk::chain::ChainExt::clock(&chain).await.expect("clock").unix_timestamp;
    let genesis = chain_now + 4;
    let init_staking = staking::initialize(
        &admin.pubkey(),
        &stake_mint.pubkey(),
        &treasury,
        &token_program,
        staking::InitializeArgs {
            authority: admin.pubkey(),
            slash_authority: admin.pubkey(),
            genesis_time: genesis,
            epoch_seconds: EPOCH_SECONDS,
            min_stake: [1_000_000, 1_000_000, 1_000_000],
            max_capacity: Capacity {
                energy_wp: 1_000_000_000,
                compute_units_per_hour: 1_000_000_000,
            },
            unbonding_seconds: 14 * 86_400,
            slash_bps: 1_000,
            reporter_bounty_bps: 500,
        },
    );
    let init_rewards = rw::initialize(
        &admin.pubkey(),
        &reward_mint.pubkey(),
        &token_program,
        rw::InitializeArgs {
            authority: admin.pubkey(),
            genesis_time: genesis,
            epoch_seconds: EPOCH_SECONDS,
            min_challenge_period_seconds: 1,
            params: params(),
            oracles: oracle_keys.iter().map(Signer::pubkey).collect(),
            threshold: 2,
        },
    );
    send(&rpc, &admin, &[init_staking, init_rewards], &[]).await;
    let tokens = StakeTokens { stake_mint: stake_mint.pubkey(), token_program, operator_token };
    let register = staking::register_node(
        &operator.pubkey(),
        &device.pubkey(),
        1,
        &tokens,
        RegisterNodeArgs {
            kind: NodeKind::Energy,
            capacity: Capacity { energy_wp: 100_000_000, compute_units_per_hour: 0 },
            region: 276,
            metadata_uri: "https://example.org/node.json".into(),
            reward_recipient: None,
            stake: STAKE,
        },
    );
    send(&rpc, &operator, &[register], &[&device]).await;

    // Three oracles, each on a port chosen free, peering with the other two.
    let dir = tempfile::tempdir().expect("tempdir");
    let listeners: Vec<tokio::net::TcpListener> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            v.push(tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind"));
        }
        v
    };
    let bases: Vec<String> =
        listeners.iter().map(|l| format!("http://{}", l.local_addr().expect("addr"))).collect();
    let mut oracles = Vec::new();
    for (i, listener) in listeners.into_iter().enumerate() {
        let key_path = dir.path().join(format!("oracle-{i}.json"));
        std::fs::write(
            &key_path,
            serde_json::to_string(&oracle_keys[i].to_bytes().to_vec()).expect("json"),
        )
        .expect("write key");
        let peers: Vec<String> =
            bases.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, b)| b.clone()).collect();
        let toml = format!(
            "database_url = \"{}\"\nrpc_url = \"{}\"\ncommitment = \"confirmed\"\n\
             [oracle]\nkeypair = \"{}\"\npeers = {:?}\ntick_interval = \"300ms\"\n\
             sync_attempts = 1000\n[bindings]\nmissing_retry = \"0s\"\n",
            gridmint_oracle::store::Store::sqlite_url(&dir.path().join(format!("oracle-{i}.db"))),
            localnet.rpc_url(),
            key_path.display(),
            peers,
        );
        let config_path = dir.path().join(format!("oracle-{i}.toml"));
        std::fs::write(&config_path, toml).expect("write config");
        let config = Config::load(Some(&config_path), std::iter::empty()).expect("config");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(gridmint_oracle::serve::run_on(listener, config, async move {
            let _ = stopped.await;
        }));
        oracles.push(RunningOracle { base: bases[i].clone(), stop, task });
    }

    // Four readings in epoch 0 ([genesis, genesis + 12)), the first a baseline: 3,000 Wh.
    let readings: Vec<SignedReading> = (0..4u64)
        .map(|s| reading(&device, 1, s + 1, genesis + 1 + 3 * s as i64, 10_000 + 1_000 * s))
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
    let url = format!("{}/v1/claims/{}", oracles[2].base, operator.pubkey());
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
    let proof: Vec<[u8; 32]> = claim["proof"]
        .as_array()
        .expect("proof")
        .iter()
        .map(|h| gridmint_oracle::epoch::unhex32(h.as_str().expect("hex")).expect("hash"))
        .collect();
    let ixs = rw::claim_to_ata(
        &faucet.pubkey(),
        &operator.pubkey(),
        &reward_mint.pubkey(),
        &token_program,
        cumulative,
        proof,
    );
    send(&rpc, faucet, &ixs, &[]).await;
    let ata = rw::recipient_ata(&operator.pubkey(), &reward_mint.pubkey(), &token_program);
    let balance = rpc.get_token_account_balance(&ata).await.expect("balance");
    assert_eq!(balance.amount, cumulative.to_string());

    // Every oracle finalized the same epoch 0 and explains the node's 3,000 Wh.
    let node = staking::node_pda(&staking::config_address(), 1).0;
    let why = json_of(
        http.get(format!("{}/v1/epochs/0/nodes/{node}/explain", oracles[0].base))
            .send()
            .await
            .expect("explain"),
    )
    .await;
    assert_eq!(why["credit"]["energy"]["credited_wh"], 3_000, "{why}");
    for o in oracles {
        let _ = o.stop.send(());
        o.task.await.expect("join").expect("oracle stopped cleanly");
    }
}
