//! `RpcChain` over real JSON-RPC, run inside the smoke test's flow (one validator boot per
//! binary): typed reads with the clock of their slot, scans with `getProgramAccounts`, node
//! heads by `dataSlice`, a transaction's events from `getTransaction`, and a failing
//! transaction's error decoded to its name.

use std::sync::Arc;
use std::time::{Duration, Instant};

use gridmint_sdk::chain::{
    events, Chain, ChainExt, InnerInstruction, NodeHead, RpcChain, Scan, Signature,
};
use gridmint_sdk::errors::ErrorSource;
use gridmint_sdk::node_staking::{self as staking, events::Staked, StakeTokens};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// How long `getTransaction` may take to return a confirmed transaction.
const TRANSACTION_DEADLINE: Duration = Duration::from_secs(60);

/// Polls until the chain knows the transaction, or panics at the deadline.
async fn inner_instructions(chain: &dyn Chain, signature: &Signature) -> Vec<InnerInstruction> {
    let deadline = Instant::now() + TRANSACTION_DEADLINE;
    loop {
        if let Some(inner) = chain.inner_instructions(signature).await.expect("getTransaction") {
            return inner;
        }
        assert!(Instant::now() < deadline, "transaction {signature} never became available");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The checks, after the smoke flow registered node 1 of `operator` with `device` and a
/// stake of 1_250_000.
pub async fn check_rpc_chain(
    rpc_url: String,
    operator: &Keypair,
    device: &Keypair,
    tokens: &StakeTokens,
) {
    let chain: Arc<dyn Chain> =
        Arc::new(RpcChain::from_url(rpc_url, CommitmentConfig::confirmed()));

    // Reads carry the slot and clock they were read at.
    let clock = chain.clock().await.expect("clock");
    assert!(clock.slot > 0 && clock.unix_timestamp > 1_600_000_000);
    let config = chain.node_staking_config().await.expect("config");
    assert!(config.slot >= clock.slot);
    let config = config.account.expect("node-staking is initialized");
    assert_eq!(config.next_node_id, 2);
    assert_eq!(chain.rewards_config().await.expect("read").account, None);
    assert_eq!(chain.epoch_state(0).await.expect("read").account, None);

    // getProgramAccounts with discriminator and config filters; heads by dataSlice.
    let nodes = chain.nodes().await.expect("nodes");
    assert_eq!(nodes.len(), 1);
    let node = &nodes[0].account;
    assert_eq!((node.node_id, node.operator, node.active_stake), (1, operator.pubkey(), 1_250_000));
    let heads = chain.node_heads().await.expect("node heads");
    assert_eq!(heads.len(), 1);
    assert_eq!(heads[0].account, NodeHead::from(node));
    let bindings = chain.all_device_bindings().await.expect("bindings");
    assert_eq!(bindings.len(), 1);
    assert_eq!(bindings[0].account.device_key, device.pubkey());
    let binding = chain.device_binding(&device.pubkey()).await.expect("binding");
    assert_eq!(binding.account.map(|b| b.node_id), Some(1));
    assert!(chain.requesters().await.expect("requesters").is_empty());
    assert_eq!(chain.scan(Scan::EpochStates).await.expect("scan"), vec![]);

    // A transaction through the chain, and its event from getTransaction.
    let stake = staking::stake(&operator.pubkey(), 1, tokens, 5_000);
    let signature = chain.send_transaction(&[stake], operator, &[]).await.expect("stake lands");
    let inner = inner_instructions(chain.as_ref(), &signature).await;
    let staked: Vec<Staked> = events(&inner, &staking::PROGRAM_ID);
    assert_eq!(staked.len(), 1);
    assert_eq!((staked[0].amount, staked[0].active_stake), (5_000, 1_255_000));

    // A failing transaction: its program error comes back by name.
    let zero = staking::stake(&operator.pubkey(), 1, tokens, 0);
    let err = chain.send_transaction(&[zero], operator, &[]).await.expect_err("zero stake fails");
    let decoded = err.program_error().unwrap_or_else(|| panic!("not a program error: {err}"));
    assert_eq!((decoded.source, decoded.name.as_str()), (ErrorSource::NodeStaking, "ZeroAmount"));
    let not_authority = staking::pause(&operator.pubkey());
    let err = chain.send_transaction(&[not_authority], operator, &[]).await.expect_err("fails");
    assert_eq!(err.program_error().map(|e| e.name.as_str()), Some("NotAuthority"));
}
