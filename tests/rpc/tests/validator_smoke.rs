//! Smoke test over real JSON-RPC: the in-process validator of `gridmint-localnet` serves the
//! programs, and a stock `RpcClient` initializes node-staking, registers a node and stakes.
//! Events are read back the way an indexer would: `getTransaction` → inner instructions.

mod rpc_chain;

use std::time::Duration;

use anchor_lang::Discriminator;
use gridmint_localnet::{Localnet, LocalnetOptions};
use gridmint_sdk::{
    events::decode_event,
    node_staking::{
        self as staking, Capacity, InitializeArgs, NodeKind, RegisterNodeArgs, StakeTokens,
    },
};
use gridmint_test_support::deploy_admin;
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_client::{
    nonblocking::rpc_client::RpcClient,
    rpc_config::{RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcTransactionConfig},
    rpc_filter::{Memcmp, RpcFilterType},
};
use solana_commitment_config::CommitmentConfig;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;
use spl_associated_token_account_interface::{
    address::get_associated_token_address, instruction::create_associated_token_account_idempotent,
};
use spl_token_2022_interface::instruction as token_ix;

const DAY: i64 = 86_400;

fn unix_now() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970");
    i64::try_from(since_epoch.as_secs()).expect("time fits i64")
}

async fn send(
    rpc: &RpcClient,
    payer: &Keypair,
    ixs: &[Instruction],
    signers: &[&Keypair],
) -> String {
    let blockhash = rpc.get_latest_blockhash().await.expect("blockhash");
    let mut all = vec![payer];
    all.extend_from_slice(signers);
    let tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &all, blockhash);
    rpc.send_and_confirm_transaction(&tx).await.expect("transaction confirms").to_string()
}

/// The data of every inner instruction of a confirmed transaction (base58 in JSON-RPC).
async fn inner_instruction_data(rpc: &RpcClient, signature: &str) -> Vec<Vec<u8>> {
    let signature = signature.parse().expect("signature");
    let config = RpcTransactionConfig {
        encoding: None,
        commitment: Some(CommitmentConfig::confirmed()),
        max_supported_transaction_version: Some(0),
    };
    // The in-process validator may answer null until the slot is rooted (~32 slots).
    let mut last_error = None;
    for _ in 0..300 {
        let result = rpc.get_transaction_with_config(&signature, config).await;
        if let Ok(tx) = result {
            let json = serde_json::to_value(&tx).expect("transaction to json");
            let inner = json["meta"]["innerInstructions"].as_array().cloned().unwrap_or_default();
            return inner
                .iter()
                .flat_map(|set| set["instructions"].as_array().cloned().unwrap_or_default())
                .filter_map(|ix| {
                    ix["data"].as_str().map(|d| bs58::decode(d).into_vec().expect("base58"))
                })
                .collect();
        }
        last_error = result.err();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("transaction {signature} never became available: {last_error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn register_and_stake_over_json_rpc() {
    let localnet = Localnet::start(LocalnetOptions::default()).await.expect("localnet starts");
    let rpc = RpcClient::new_with_commitment(localnet.rpc_url(), CommitmentConfig::confirmed());
    let faucet = &localnet.faucet;
    // PubSub where clients look for it (web3.js, the Solana CLI): the JSON-RPC port + 1.
    let port = |url: String| -> u16 {
        let tail = url.trim_end_matches('/').rsplit(':').next().map(str::to_owned);
        tail.and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("no port in {url}"))
    };
    let rpc_port = port(localnet.rpc_url());
    assert_eq!(port(localnet.validator.rpc_pubsub_url()), rpc_port + 1);

    // Given: a stake mint, a treasury and an operator holding tokens.
    let admin = deploy_admin();
    let operator = Keypair::new();
    let device = Keypair::new();
    let mint = Keypair::new();
    let token_program = anchor_spl::token::ID;
    let mint_rent = rpc.get_minimum_balance_for_rent_exemption(82).await.expect("rent");
    send(
        &rpc,
        faucet,
        &[
            solana_system_interface::instruction::transfer(
                &faucet.pubkey(),
                &admin.pubkey(),
                10_000_000_000,
            ),
            solana_system_interface::instruction::transfer(
                &faucet.pubkey(),
                &operator.pubkey(),
                10_000_000_000,
            ),
            solana_system_interface::instruction::create_account(
                &faucet.pubkey(),
                &mint.pubkey(),
                mint_rent,
                82,
                &token_program,
            ),
            token_ix::initialize_mint2(&token_program, &mint.pubkey(), &faucet.pubkey(), None, 6)
                .expect("mint"),
            create_associated_token_account_idempotent(
                &faucet.pubkey(),
                &operator.pubkey(),
                &mint.pubkey(),
                &token_program,
            ),
            create_associated_token_account_idempotent(
                &faucet.pubkey(),
                &faucet.pubkey(),
                &mint.pubkey(),
                &token_program,
            ),
        ],
        &[&mint],
    )
    .await;
    let operator_token = get_associated_token_address(&operator.pubkey(), &mint.pubkey());
    let treasury = get_associated_token_address(&faucet.pubkey(), &mint.pubkey());
    send(
        &rpc,
        faucet,
        &[token_ix::mint_to(
            &token_program,
            &mint.pubkey(),
            &operator_token,
            &faucet.pubkey(),
            &[],
            5_000_000,
        )
        .expect("mint_to")],
        &[],
    )
    .await;

    // When: the deploy admin initializes, the operator registers a node and tops up its stake.
    let init = staking::initialize(
        &admin.pubkey(),
        &mint.pubkey(),
        &treasury,
        &token_program,
        InitializeArgs {
            authority: admin.pubkey(),
            slash_authority: admin.pubkey(),
            // Genesis ten minutes ahead of the wall clock the validator follows.
            genesis_time: unix_now() + 600,
            epoch_seconds: DAY,
            min_stake: [1_000_000, 1_000_000, 2_000_000],
            max_capacity: Capacity {
                energy_wp: 1_000_000_000,
                compute_units_per_hour: 1_000_000_000,
            },
            unbonding_seconds: 14 * DAY,
            slash_bps: 1_000,
            reporter_bounty_bps: 500,
        },
    );
    send(&rpc, &admin, &[init], &[]).await;

    let tokens = StakeTokens { stake_mint: mint.pubkey(), token_program, operator_token };
    let register = staking::register_node(
        &operator.pubkey(),
        &device.pubkey(),
        1, // node ids start at 1
        &tokens,
        RegisterNodeArgs {
            kind: NodeKind::Energy,
            capacity: Capacity { energy_wp: 5_000, compute_units_per_hour: 0 },
            region: 276,
            metadata_uri: "https://example.org/node.json".into(),
            reward_recipient: None,
            stake: 1_000_000,
        },
    );
    send(&rpc, &operator, &[register], &[&device]).await;
    let stake_sig =
        send(&rpc, &operator, &[staking::stake(&operator.pubkey(), 1, &tokens, 250_000)], &[])
            .await;

    // Then: the node's stake is on chain, in the vault, and announced by an event.
    let (config, _) = staking::config_pda();
    let (node_address, _) = staking::node_pda(&config, 1);
    let node = staking::decode_node(&rpc.get_account_data(&node_address).await.expect("node"))
        .expect("decodes");
    assert_eq!(node.operator, operator.pubkey());
    assert_eq!(node.device_key, device.pubkey());
    assert_eq!(node.active_stake, 1_250_000);
    let (vault, _) = staking::vault_pda(&config);
    let vault_balance = rpc.get_token_account_balance(&vault).await.expect("vault");
    assert_eq!(vault_balance.amount, "1250000");

    let events: Vec<staking::events::Staked> = inner_instruction_data(&rpc, &stake_sig)
        .await
        .iter()
        .filter_map(|data| decode_event::<staking::events::Staked>(data))
        .collect();
    assert_eq!(events.len(), 1, "one Staked event");
    assert_eq!(events[0].amount, 250_000);
    assert_eq!(events[0].active_stake, 1_250_000);

    // And: an indexer finds the node with getProgramAccounts filtered by discriminator.
    let found = rpc
        .get_program_ui_accounts_with_config(
            &staking::PROGRAM_ID,
            RpcProgramAccountsConfig {
                filters: Some(vec![RpcFilterType::Memcmp(Memcmp::new_raw_bytes(
                    0,
                    staking::Node::DISCRIMINATOR.to_vec(),
                ))]),
                account_config: RpcAccountInfoConfig {
                    encoding: Some(UiAccountEncoding::Base64),
                    ..RpcAccountInfoConfig::default()
                },
                ..RpcProgramAccountsConfig::default()
            },
        )
        .await
        .expect("getProgramAccounts");
    assert_eq!(found.iter().map(|(k, _)| *k).collect::<Vec<_>>(), vec![node_address]);

    // And: the SDK's `RpcChain` reads, sends and decodes over the same endpoint.
    rpc_chain::check_rpc_chain(localnet.rpc_url(), &operator, &device, &tokens).await;
}
