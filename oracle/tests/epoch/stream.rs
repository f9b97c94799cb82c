//! The close streams its readings from the store into crediting (`epoch::stream`): a stream
//! that breaks part way must void the close, never report the part of the epoch it read.

use gridmint_oracle::epoch::{Engine, EngineError};
use gridmint_oracle::store::{NewReading, StoreError};
use gridmint_protocol::crediting::SignedReading;
use gridmint_protocol::messages::EnergyReading;
use gridmint_protocol::rewards::EpochReport;
use gridmint_sdk::node_staking::NodeKind;
use gridmint_sdk::rewards as rw;

use crate::memo::{epoch_1_to_close, report};

#[tokio::test]
async fn a_readings_stream_that_breaks_voids_the_close() {
    let (net, config) = epoch_1_to_close(&[NodeKind::Energy, NodeKind::Energy]).await;
    let engine = &net.oracles[0].oracle.engine;
    let whole = report(engine, &config).await;
    assert!(whole.recipient_count > 0, "{whole:?}");
    // Given one stored reading of the epoch whose signature column is cut short (a row the
    // stream cannot decode), the close is void.
    assert_a_row_cut_short_voids_the_close(
        engine,
        &config,
        &whole,
        "SELECT identity, signature FROM readings ORDER BY identity DESC LIMIT 1",
    )
    .await;
}

/// Readings per chunk of the stream (`epoch::stream::CHUNK`): the test needs more than one.
const CHUNK: u64 = 4_096;

#[tokio::test]
async fn a_stream_that_breaks_after_whole_chunks_were_credited_voids_the_close() {
    let (net, config) = epoch_1_to_close(&[NodeKind::Energy, NodeKind::Energy]).await;
    let engine = &net.oracles[0].oracle.engine;
    // Given more than a chunk of epoch 1's readings from a key that sorts before every
    // other (no binding: crediting judges them all the same; signatures are checked at
    // ingest, not by the close, so these are stored directly),
    let clock = net.oracles[0].ingest.settings.clock;
    let epoch_1 = clock.genesis_time + 86_400;
    let rows: Vec<NewReading> = (1..=CHUNK + 100)
        .map(|sequence| {
            let message = EnergyReading {
                deployment: net.staking.config.to_bytes(),
                node_id: 999,
                sequence,
                timestamp: epoch_1 + 100 + sequence as i64,
                produced_wh: sequence,
                consumed_wh: 0,
            }
            .encode();
            let signed = SignedReading { device_key: [0; 32], message, signature: [0; 64] };
            NewReading::new(signed, &clock).expect("decodes")
        })
        .collect();
    engine.store.insert_readings(&rows, 0).await.expect("store");
    let whole = report(engine, &config).await;
    assert!(whole.recipient_count > 0, "{whole:?}");
    // and a row of the greatest key cut short, so the stream breaks after whole chunks went
    // to crediting, the close is void.
    assert_a_row_cut_short_voids_the_close(
        engine,
        &config,
        &whole,
        "SELECT identity, signature FROM readings ORDER BY device_key DESC, identity LIMIT 1",
    )
    .await;
}

/// Given the row `pick` selects (`identity, signature`) with its signature cut short, the
/// close fails with the store's error instead of reporting the readings before it; with
/// the row whole again, it reports `whole`.
async fn assert_a_row_cut_short_voids_the_close(
    engine: &Engine,
    config: &rw::Config,
    whole: &EpochReport,
    pick: &str,
) {
    let (identity, stored): (Vec<u8>, Vec<u8>) =
        sqlx::query_as(pick).fetch_one(engine.store.pool()).await.expect("the row to cut");
    let update = "UPDATE readings SET signature = $1 WHERE identity = $2";
    let set_signature = |bytes: Vec<u8>| {
        sqlx::query(update).bind(bytes).bind(identity.clone()).execute(engine.store.pool())
    };
    set_signature(stored[..3].to_vec()).await.expect("cut the row short");
    let err = engine.compute(config, 1, None).await.expect_err("a broken stream");
    assert!(
        matches!(
            err,
            EngineError::Store(StoreError::Corrupt("reading record has the wrong length"))
        ),
        "{err}"
    );
    set_signature(stored).await.expect("restore the row");
    assert_eq!(&report(engine, config).await, whole);
}
