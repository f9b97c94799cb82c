//! The close's memo of binding addresses (migration `0008_close_reads`): remembered by the
//! first close; an entry that is not the key's binding address stops the close by name
//! instead of crediting the wrong binding (or none); a memo the store cannot use only costs
//! the derivation.

use anchor_lang::prelude::Pubkey;
use gridmint_oracle::epoch::gather::GatherError;
use gridmint_oracle::epoch::{Engine, EngineError, Outcome};
use gridmint_sdk::node_staking::{self as ns, NodeKind};
use gridmint_sdk::rewards as rw;
use solana_signer::Signer;

use crate::harness::Net;
use crate::quorum::{epoch_1_readings, finalize_empty_epoch_0};

pub(crate) async fn report(
    engine: &Engine,
    config: &rw::Config,
) -> gridmint_protocol::rewards::EpochReport {
    match engine.compute(config, 1, None).await.expect("compute") {
        Outcome::Closed(c) => c.report.clone(),
        Outcome::Abstain(why) => panic!("abstained: {why}"),
    }
}

/// A net with a node of each of `kinds`, epoch 0 final and epoch 1's readings at oracle 0,
/// at epoch 1's report time.
pub(crate) async fn epoch_1_to_close(kinds: &[NodeKind]) -> (Net, rw::Config) {
    let mut net = Net::start_with(kinds).await;
    finalize_empty_epoch_0(&mut net).await;
    net.post(0, &epoch_1_readings(&net)).await;
    net.advance_to_report_time(1).await;
    let config = net.env.rewards_config().await;
    (net, config)
}

/// The close's error once the memo's (only) entry names `address`.
async fn close_with_memo_entry(
    engine: &Engine,
    config: &rw::Config,
    address: Pubkey,
) -> EngineError {
    sqlx::query("UPDATE binding_addresses SET address = $1")
        .bind(address.to_bytes().to_vec())
        .execute(engine.store.pool())
        .await
        .expect("corrupt the memo");
    engine.compute(config, 1, None).await.expect_err("a corrupt memo")
}

fn wrong_address(err: &EngineError, key: &Pubkey, address: &Pubkey) -> bool {
    matches!(
        err,
        EngineError::Gather(GatherError::WrongBindingAddress { key: k, address: a })
            if *k == key.to_bytes() && a == address
    )
}

#[tokio::test]
async fn a_binding_address_memo_naming_another_keys_binding_stops_the_close_by_name() {
    let (net, config) = epoch_1_to_close(&[NodeKind::Energy, NodeKind::Energy]).await;
    let engine = &net.oracles[0].oracle.engine;
    // Given a close that remembered the device's binding address,
    let first = report(engine, &config).await;
    assert!(first.recipient_count > 0, "{first:?}");
    let key = net.node.device.pubkey();
    let address = ns::device_binding_pda(&ns::config_address(), &key).0;
    let memo = engine.store.binding_addresses().await.expect("memo");
    assert_eq!(memo, [(key.to_bytes(), address.to_bytes())]);

    // When the entry is changed to the binding of the other node's device, Then the close
    // stops, naming the key and the fix;
    let other = ns::device_binding_pda(&ns::config_address(), &net.others[0].device.pubkey()).0;
    let err = close_with_memo_entry(engine, &config, other).await;
    assert!(wrong_address(&err, &key, &other), "{err}");
    assert!(err.to_string().contains("delete its rows to derive them again"), "{err}");
    // likewise when it names an address without any account (the key would look unbound
    // and go uncredited).
    let empty = solana_keypair::Keypair::new().pubkey();
    let err = close_with_memo_entry(engine, &config, empty).await;
    assert!(wrong_address(&err, &key, &empty), "{err}");

    // And with the rows deleted, the next close derives them again: the same report.
    sqlx::query("DELETE FROM binding_addresses")
        .execute(engine.store.pool())
        .await
        .expect("delete");
    assert_eq!(report(engine, &config).await, first);
    assert_eq!(engine.store.binding_addresses().await.expect("memo").len(), 1);
}

#[tokio::test]
async fn a_close_whose_store_cannot_use_the_memo_derives_every_address() {
    let (net, config) = epoch_1_to_close(&[NodeKind::Energy]).await;
    let engine = &net.oracles[0].oracle.engine;
    let first = report(engine, &config).await;
    // Given a store whose memo table is gone (neither read nor written),
    sqlx::query("DROP TABLE binding_addresses")
        .execute(engine.store.pool())
        .await
        .expect("drop the memo");
    // When it closes the epoch again, Then it derives the addresses: the same report.
    assert_eq!(report(engine, &config).await, first);
}
