//! The close streams its readings from the store into crediting (`epoch::stream`): a stream
//! that breaks part way must void the close, never report the part of the epoch it read.

use gridmint_oracle::epoch::EngineError;
use gridmint_oracle::store::StoreError;
use gridmint_sdk::node_staking::NodeKind;

use crate::memo::{epoch_1_to_close, report};

#[tokio::test]
async fn a_readings_stream_that_breaks_voids_the_close() {
    let (net, config) = epoch_1_to_close(&[NodeKind::Energy, NodeKind::Energy]).await;
    let engine = &net.oracles[0].oracle.engine;
    let whole = report(engine, &config).await;
    assert!(whole.recipient_count > 0, "{whole:?}");
    // Given one stored reading of the epoch whose signature column is cut short (a row the
    // stream cannot decode),
    const LAST: &str = "(SELECT MAX(identity) FROM readings)";
    let stored: Vec<u8> =
        sqlx::query_scalar(&format!("SELECT signature FROM readings WHERE identity = {LAST}"))
            .fetch_one(engine.store.pool())
            .await
            .expect("signature");
    let update = format!("UPDATE readings SET signature = $1 WHERE identity = {LAST}");
    let set_signature =
        |bytes: Vec<u8>| sqlx::query(&update).bind(bytes).execute(engine.store.pool());
    set_signature(stored[..3].to_vec()).await.expect("cut the row short");
    // When the epoch is closed, Then the close fails with the store's error instead of
    // reporting the readings that came before it.
    let err = engine.compute(&config, 1, None).await.expect_err("a broken stream");
    assert!(
        matches!(
            err,
            EngineError::Store(StoreError::Corrupt("reading record has the wrong length"))
        ),
        "{err}"
    );
    // And with the row whole again, the close reports the whole epoch.
    set_signature(stored).await.expect("restore the row");
    assert_eq!(report(engine, &config).await, whole);
}
