//! The README's main command, end to end: `gridmint-localnet --demo`'s showcase against the
//! in-process validator (three oracles with a watchtower, the agent, a cheating device, CLI
//! claims), asserting chain state: reward-mint supply = Σ claimed, every finalized manifest
//! replayed from scratch gives the chain's root and total, the cheater jailed with its
//! `FraudEvidence` record, rewards actually paid for the honest node's energy, and compute
//! paid: co-signed work, green work on the Hybrid node's solar, challenges passed.

use gridmint_localnet::showcase::{self, ShowcaseOptions};
use gridmint_localnet::{Localnet, LocalnetOptions};
use gridmint_sdk::chain::{ChainExt, RpcChain};
use gridmint_sdk::fraud::FraudEvidence;
use gridmint_sdk::node_staking as ns;
use solana_commitment_config::CommitmentConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_demo_pays_energy_and_green_compute_claims_through_the_cli_and_slashes_the_cheater() {
    let localnet = Localnet::start(LocalnetOptions::default()).await.expect("localnet starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let options = ShowcaseOptions {
        dir: dir.path().to_path_buf(),
        epoch_seconds: 12,
        epochs: 2,
        first_port: None,
    };
    let outcome = showcase::run(&localnet, &options).await.expect("the demo completes");

    let chain = RpcChain::from_url(localnet.rpc_url(), CommitmentConfig::confirmed());
    let config = chain.rewards_config().await.expect("read").account.expect("rewards");
    assert_eq!(outcome.supply, config.total_claimed);
    assert!(outcome.claimed > 0, "the operator claimed rewards for its energy");
    assert_eq!(outcome.replayed, outcome.rows.len());
    assert!(outcome.rows.len() >= 2);
    assert!(outcome.rows.iter().any(|r| r.energy_wh > 0 && r.paid > 0), "{:?}", outcome.rows);
    // The Compute and Hybrid nodes: co-signed work credited, part of it green (the Hybrid
    // node computing on its own solar), and challenges answered and passed.
    assert!(outcome.rows.iter().any(|r| r.work_units > 0), "{:?}", outcome.rows);
    assert!(outcome.rows.iter().any(|r| r.green_work > 0 && r.green_work < r.work_units));
    assert!(outcome.rows.iter().any(|r| r.challenges_passed > 0));
    let passed: u64 = outcome.rows.iter().map(|r| r.challenges_passed).sum();
    let issued: u64 = outcome.rows.iter().map(|r| r.challenges_issued).sum();
    assert!(passed <= issued);
    let evidence = chain
        .fetch::<FraudEvidence>(outcome.evidence, ns::PROGRAM_ID, "evidence")
        .await
        .expect("read")
        .account
        .expect("the watchtower's evidence record");
    assert_eq!(evidence.node_id, outcome.cheater);
    let cheater = ns::node_pda(&ns::config_address(), outcome.cheater).0;
    let node = chain.fetch::<ns::Node>(cheater, ns::PROGRAM_ID, "node").await.expect("read");
    assert!(node.account.expect("node").jailed);
    let staking = chain.node_staking_config().await.expect("read").account.expect("staking");
    assert!(staking.total_slashed > 0, "the cheater's stake was slashed");
}
