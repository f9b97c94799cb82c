//! Building the watchtower from its config, passes that end in an error, the loop, and
//! passes only on the leading replica.

use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use gridmint_oracle::config::WatchtowerConfig;
use gridmint_oracle::leader::Leadership;
use gridmint_oracle::metrics::Metrics;
use gridmint_oracle::store::{Store, StoreError};
use gridmint_oracle::watchtower::{WatchError, Watchtower};
use gridmint_sdk::chain::{BanksChain, Chain, ChainExt};
use gridmint_sdk::node_staking as sdk;
use gridmint_test_support::Env;
use solana_keypair::Keypair;

use super::pg_schema::PgSchema;
use super::world::{World, BOUNTY, DEADLINE};

/// One process per store: always leads.
fn single() -> Leadership {
    Leadership::single()
}

#[tokio::test]
async fn only_the_leading_replica_runs_passes() {
    // Given an equivocation in the store and two replicas electing a leader on PostgreSQL
    let mut w = World::new().await;
    let (x, y) = (w.signed(&w.node, 5, 60, 100), w.signed(&w.node, 5, 60, 200));
    w.store_readings(&[x, y], 1).await;
    let tower = w.watchtower();
    let schema = PgSchema::create().await;
    let leader = Leadership::for_store(&schema.url, &[1; 32]).await.expect("leader");
    let standby = Leadership::for_store(&schema.url, &[1; 32]).await.expect("standby");
    assert!(leader.check().await);

    // When the follower's watchtower would pass, Then it does nothing
    assert!(tower.run_if_leading(&standby).await.is_none());
    assert!(!w.node_state(w.node.node_id).await.jailed);

    // When the leader's passes, Then it reports
    let summary = tower.run_if_leading(&leader).await.expect("leads").expect("pass");
    assert_eq!(summary.reported.len(), 1);
    assert!(w.node_state(w.node.node_id).await.jailed);
}

#[tokio::test]
async fn from_config_reads_the_keypair_and_defaults_to_its_associated_token_account() {
    let w = World::new().await;
    let path = w.dir.path().join("oracle.json");
    std::fs::write(
        &path,
        serde_json::to_string(&w.oracle.keypair.to_bytes().to_vec()).expect("json"),
    )
    .expect("write");
    let chain: Arc<dyn Chain> = w.bank.clone();
    let config = WatchtowerConfig {
        enabled: true,
        keypair: Some(path.clone()),
        ..WatchtowerConfig::default()
    };

    let tower =
        Watchtower::from_config(&config, w.store.clone(), chain.clone()).await.expect("build");
    // The fixture's account is the associated one.
    assert_eq!((tower.reporter(), tower.reporter_token()), (w.oracle.pubkey(), w.oracle.token));

    // An explicit account must exist
    let absent = Pubkey::new_unique();
    let explicit =
        WatchtowerConfig { reporter_token_account: Some(absent.to_string()), ..config.clone() };
    let e = Watchtower::from_config(&explicit, w.store.clone(), chain.clone())
        .await
        .err()
        .expect("absent");
    assert_eq!(
        e.to_string(),
        format!(
            "watchtower reporter token account {absent} does not exist: create it (`spl-token \
             create-account {} --owner {}`) or set watchtower.reporter_token_account",
            w.staking.stake_mint,
            w.oracle.pubkey()
        )
    );
    let bad =
        WatchtowerConfig { reporter_token_account: Some("not-base58!".into()), ..config.clone() };
    let e = Watchtower::from_config(&bad, w.store.clone(), chain.clone()).await.err().expect("bad");
    assert!(
        e.to_string().starts_with("watchtower.reporter_token_account \"not-base58!\": "),
        "{e}"
    );
    let keyless = WatchtowerConfig { keypair: None, ..config };
    let e = Watchtower::from_config(&keyless, w.store.clone(), chain).await.err().expect("keyless");
    assert_eq!(e.to_string(), "watchtower.keypair: set the path of the oracle's keypair file");
}

#[tokio::test]
async fn run_passes_until_shutdown() {
    // Given an equivocation in the store
    let mut w = World::new().await;
    let (x, y) = (w.signed(&w.node, 5, 60, 100), w.signed(&w.node, 5, 60, 200));
    w.store_readings(&[x, y], 1).await;
    let tower = w.watchtower();

    // A shutdown already signalled stops the loop before any pass
    tokio::time::timeout(
        DEADLINE,
        tower.run(Duration::from_millis(5), &Metrics::new(), &single(), async {}),
    )
    .await
    .expect("stops");
    assert!(!w.node_state(w.node.node_id).await.jailed);

    // When the loop runs until the node is jailed
    let bank = w.bank.clone();
    let node = w.node.address;
    let jailed = async move {
        loop {
            let n = bank.fetch::<sdk::Node>(node, sdk::PROGRAM_ID, "node").await.expect("read");
            if n.account.is_some_and(|n| n.jailed) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(
        DEADLINE,
        tower.run(Duration::from_millis(5), &Metrics::new(), &single(), jailed),
    )
    .await
    .expect("jailed in time");

    // Then the pass reported and the loop returned
    assert_eq!(w.token_balance(w.oracle.token).await, BOUNTY);
}

#[tokio::test]
async fn a_pass_on_a_chain_without_the_deployment_or_a_closed_store_is_an_error() {
    // Given a Bank where node-staking was never initialized
    let env = Env::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(
        Store::open(&Store::sqlite_url(&dir.path().join("oracle.db"))).await.expect("store"),
    );
    let chain: Arc<dyn Chain> = Arc::new(BanksChain::new(env.ctx.banks_client.clone()));
    let tower = Watchtower::new(store.clone(), chain.clone(), Keypair::new(), Pubkey::new_unique());

    // When a pass runs, Then it names the missing config
    let e = tower.run_once().await.expect_err("no deployment");
    assert!(matches!(e, WatchError::NoConfig(a) if a == sdk::config_address()), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!("the node-staking config {} does not exist on this chain", sdk::config_address())
    );
    // And building from the config fails the same way
    let path = dir.path().join("oracle.json");
    std::fs::write(
        &path,
        serde_json::to_string(&Keypair::new().to_bytes().to_vec()).expect("json"),
    )
    .expect("write");
    let config = WatchtowerConfig { keypair: Some(path), ..WatchtowerConfig::default() };
    let e = Watchtower::from_config(&config, store.clone(), chain).await.err().expect("no config");
    assert_eq!(
        e.to_string(),
        format!("the node-staking config {} does not exist on this chain", sdk::config_address())
    );

    // Given a closed store, When a pass runs, Then it fails with the store's error
    store.close().await;
    let e = tower.run_once().await.expect_err("closed");
    assert!(matches!(e, WatchError::Store(StoreError::Db(sqlx::Error::PoolClosed))), "{e:?}");
    // And the loop counts such passes as store errors (one per pass until it stops)
    let metrics = Metrics::new();
    let series = r#"gridmint_store_errors_total{component="watchtower"} "#;
    let count = |text: String| {
        let line = text.lines().find_map(|l| l.strip_prefix(series).map(str::to_string));
        line.expect("series").parse::<u64>().expect("count")
    };
    let counted = async {
        while count(metrics.encode()) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(
        DEADLINE,
        tower.run(Duration::from_millis(5), &metrics, &single(), counted),
    )
    .await
    .expect("counted in time");
}
