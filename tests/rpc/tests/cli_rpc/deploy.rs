//! `gridmint-deploy` against a fresh localnet (programs loaded, nothing initialised): an
//! unsafe stake mint refused before anything changes; then mints created and adopted (the
//! reward mint's authority handed to the rewards PDA), both programs initialised, the oracle
//! set, a requester and the claims lookup table; a rerun changes nothing; a changed oracle
//! list is applied, and a changed parameter is reported as drift, not applied.

use gridmint_deploy::{deploy, mints, plan::Plan, Deployer};
use gridmint_localnet::{Localnet, LocalnetOptions};
use gridmint_sdk::chain::ChainExt;
use gridmint_sdk::rewards as rw;
use solana_address_lookup_table_interface::state::AddressLookupTable;
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_signer::Signer;
use spl_token_2022_interface::instruction as token_ix;

/// A mint created outside the tool, with `authority` minting and an optional freeze authority.
async fn external_mint(
    rpc: &RpcClient,
    payer: &Keypair,
    authority: &Keypair,
    freeze: bool,
) -> Keypair {
    let mint = Keypair::new();
    let token = spl_token_interface::ID;
    let rent = rpc.get_minimum_balance_for_rent_exemption(82).await.expect("rent");
    let freeze_key = authority.pubkey();
    let ixs = [
        solana_system_interface::instruction::create_account(
            &payer.pubkey(),
            &mint.pubkey(),
            rent,
            82,
            &token,
        ),
        token_ix::initialize_mint2(
            &token,
            &mint.pubkey(),
            &authority.pubkey(),
            freeze.then_some(&freeze_key),
            9,
        )
        .expect("ix"),
    ];
    super::support::send(rpc, &ixs, &[payer, &mint]).await;
    mint
}

fn plan_text(
    stake: &str,
    reward: &str,
    genesis: i64,
    oracles: &[String],
    slash_bps: u16,
) -> String {
    format!(
        r#"genesis_time = {genesis}
epoch_seconds = 60
lookup_table = true

[stake_mint]
{stake}

[reward_mint]
{reward}

[node_staking]
min_stake = [1000000, 1000000, 1000000]
max_energy_wp = 1000000000
max_compute_units_per_hour = 1000000000
unbonding_seconds = 1209600
slash_bps = {slash_bps}
reporter_bounty_bps = 500

[rewards]
min_challenge_period_seconds = 10
report_grace_seconds = 10
challenge_period_seconds = 10
initial_per_epoch = 1000000000
decay_bps = 0
decay_interval_epochs = 1
floor_per_epoch = 1000000000
hard_cap_per_epoch = 1000000000
compute_pool_bps = 5000
green_bonus_bps = 5000
work_per_staked_token = 10
wh_per_staked_token = 1000
max_capacity_factor_bps = 10000
max_work_per_wh = 1
oracles = {oracles:?}
threshold = {threshold}

[[requesters]]
key = "{requester}"
label = "render farm"
first_epoch = 0
"#,
        threshold = oracles.len() / 2 + 1,
        requester = "4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zQawwpjk2NsNY",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_is_initialised_once_and_reruns_change_nothing() {
    let localnet = Localnet::start(LocalnetOptions::default()).await.expect("localnet starts");
    let url = localnet.rpc_url();
    let rpc = RpcClient::new_with_commitment(url.clone(), CommitmentConfig::confirmed());
    let admin = gridmint_test_support::deploy_admin();
    super::support::send(
        &rpc,
        &[solana_system_interface::instruction::transfer(
            &localnet.faucet.pubkey(),
            &admin.pubkey(),
            100_000_000_000,
        )],
        &[&localnet.faucet],
    )
    .await;
    let deployer =
        Deployer::new(&url, CommitmentConfig::confirmed(), gridmint_test_support::deploy_admin());
    let dir = tempfile::tempdir().expect("tempdir");
    let oracles: Vec<String> = (0..3).map(|_| Keypair::new().pubkey().to_string()).collect();
    let genesis = deployer.chain.clock().await.expect("clock").unix_timestamp + 3_600;
    let write = |text: String| {
        let path = dir.path().join("deploy.toml");
        std::fs::write(&path, text).expect("write plan");
        Plan::load(&path, std::iter::empty()).expect("plan")
    };

    // A stake mint with a freeze authority is refused, and nothing is initialised.
    let frozen = external_mint(&rpc, &localnet.faucet, &localnet.faucet, true).await;
    let reward = external_mint(&rpc, &localnet.faucet, &admin, false).await;
    let adopt = |k: &Keypair| format!("address = \"{}\"", k.pubkey());
    let plan = write(plan_text(&adopt(&frozen), &adopt(&reward), genesis, &oracles, 1_000));
    let refused = deploy(&deployer, &plan).await.expect_err("freeze authority").to_string();
    assert!(
        refused.starts_with(&format!(
            "stake_mint {} cannot be used: it has a freeze authority",
            frozen.pubkey()
        )),
        "{refused}"
    );
    assert!(deployer.chain.node_staking_config().await.unwrap().account.is_none());

    // Create the stake mint from a keypair file, adopt the reward mint.
    let created = "keypair = \"stake-mint.json\"\ndecimals = 6".to_string();
    let plan = write(plan_text(&created, &adopt(&reward), genesis, &oracles, 1_000));
    let report = deploy(&deployer, &plan).await.expect("first deploy");
    let outcomes: Vec<(&str, &str)> =
        report.steps.iter().map(|s| (s.step.as_str(), s.outcome)).collect();
    assert!(outcomes.iter().all(|(_, o)| *o == "changed"), "{outcomes:?}");
    let stake_mint = gridmint_ops::read_keypair_file(&dir.path().join("stake-mint.json"))
        .expect("written")
        .pubkey();
    assert_eq!(report.stake_mint, stake_mint.to_string());
    let reward_facts =
        mints::parse_mint(&rpc.get_account(&reward.pubkey()).await.expect("mint").data)
            .expect("parse");
    assert_eq!(reward_facts.mint_authority, Some(rw::mint_authority_pda().0));
    let staking = deployer.chain.node_staking_config().await.unwrap().account.expect("initialised");
    assert_eq!(
        (staking.stake_mint, staking.genesis_time, staking.slash_bps),
        (stake_mint, genesis, 1_000)
    );
    let rewards = deployer.chain.rewards_config().await.unwrap().account.expect("initialised");
    let chain_oracles: Vec<String> =
        rewards.oracles.active().iter().map(ToString::to_string).collect();
    assert_eq!((chain_oracles, rewards.oracles.threshold), (oracles.clone(), 2));
    assert_eq!((rewards.reward_mint, rewards.genesis_time), (reward.pubkey(), genesis));
    let requester = deployer
        .chain
        .requester(&"4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zQawwpjk2NsNY".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(requester.account.expect("registered").first_epoch, 0);
    let table_address = report.lookup_table.clone().expect("table").parse().expect("address");
    let table = rpc.get_account(&table_address).await.expect("table account");
    let table = AddressLookupTable::deserialize(&table.data).expect("table");
    assert_eq!(
        table.addresses.to_vec(),
        gridmint_deploy::lookup::claim_accounts(&mints::ReadyMint {
            address: reward.pubkey(),
            token_program: spl_token_interface::ID,
            decimals: 9,
        })
    );

    // A rerun reads everything and changes nothing.
    let again = deploy(&deployer, &plan).await.expect("rerun");
    assert!(!again.changed_anything(), "{:?}", again.steps);
    assert!(again.drift().is_empty(), "{:?}", again.steps);
    assert_eq!(again.lookup_table, report.lookup_table);

    // The oracle list is kept in line; a parameter change is drift for `gridmint admin`.
    let mut moved = oracles.clone();
    moved.push(Keypair::new().pubkey().to_string());
    let plan = write(plan_text(&created, &adopt(&reward), genesis, &moved, 2_000));
    let third = deploy(&deployer, &plan).await.expect("third run");
    let step = |name: &str| third.steps.iter().find(|s| s.step == name).expect("step").clone();
    assert_eq!(step("oracles").outcome, "changed");
    let set = deployer.chain.rewards_config().await.unwrap().account.unwrap().oracles;
    assert_eq!((set.count, set.threshold), (4, 3));
    let drift = step("node_staking");
    assert_eq!(
        (drift.outcome, drift.detail.as_str()),
        ("differs", "slash_bps: chain 1000, file 2000")
    );
    let staking = deployer.chain.node_staking_config().await.unwrap().account.unwrap();
    assert_eq!(staking.slash_bps, 1_000, "drift is reported, never applied");
}
