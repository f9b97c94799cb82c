//! Archives of real closes: written once an epoch is finalized, byte-identical on every
//! oracle, served over HTTP, verified against the finalized manifest (and refused, with the
//! exact error, when tampered with), fetched from a peer by an oracle that cannot rebuild
//! one, and pruning that leaves the next close unchanged.

use std::sync::Arc;
use std::time::Duration;

use gridmint_oracle::archive::format::encode;
use gridmint_oracle::archive::{verify, ArchiveError, ArchiveSettings, Archiver};
use gridmint_oracle::epoch::{hex, Engine, Outcome};
use gridmint_oracle::store::Store;
use gridmint_protocol::crediting::root::inputs_root;
use gridmint_protocol::crediting::{canonical_readings, InputKind, RejectReason, SignedReading};
use gridmint_protocol::merkle::EMPTY_ROOT;
use gridmint_protocol::rewards::EpochManifest;
use gridmint_sdk::rewards::EpochStatus;
use gridmint_test_support::node_staking::UNBONDING_SECONDS;

use crate::harness::Net;
use crate::quorum::{epoch_1_readings, finalize_empty_epoch_0};

const DAY: i64 = 86_400;

/// Epoch 0 empty, epoch 1 with `epoch_1_readings` posted to `to`, finalized by every
/// oracle that ticks (`tickers`), each of which then records it.
async fn finalize_epoch_1(net: &mut Net, to: usize, tickers: &[usize]) {
    finalize_empty_epoch_0(net).await;
    net.post(to, &epoch_1_readings(net)).await;
    net.advance_to_report_time(1).await;
    for i in tickers {
        net.tick(*i).await;
    }
    let state = net.epoch_state(1).await.expect("epoch 1");
    assert_eq!(state.status, EpochStatus::Final);
    for i in tickers {
        net.tick(*i).await;
    }
}

fn file(net: &Net, i: usize, epoch: u64) -> Vec<u8> {
    std::fs::read(net.oracles[i].archiver.path(epoch)).expect("archive file")
}

async fn bytes(net: &Net, i: usize, path: &str) -> (u16, Vec<u8>) {
    let r = net.http.get(format!("{}{path}", net.oracles[i].base)).send().await.expect("get");
    (r.status().as_u16(), r.bytes().await.expect("body").to_vec())
}

/// The manifest oracle `i` serves for `epoch`, as Borsh.
async fn manifest(net: &Net, i: usize, epoch: u64) -> EpochManifest {
    let (status, body) = bytes(net, i, &format!("/v1/epochs/{epoch}/manifest?format=borsh")).await;
    assert_eq!(status, 200);
    borsh::from_slice(&body).expect("manifest")
}

#[tokio::test]
async fn a_finalized_epoch_is_archived_alike_everywhere_and_verifies_against_its_manifest() {
    // Given epoch 1 finalized by all three oracles from readings that each got a part of,
    let mut net = Net::start().await;
    finalize_empty_epoch_0(&mut net).await;
    let r = epoch_1_readings(&net);
    net.post(0, &r[..2]).await;
    net.post(1, &r[2..3]).await;
    net.post(2, &r[3..]).await;
    net.advance_to_report_time(1).await;
    for i in [0, 1, 2, 0, 1, 2] {
        net.tick(i).await;
    }
    // When each archiver passes, Then epochs 0 and 1 are written, byte-identical everywhere.
    for i in 0..3 {
        let summary = net.oracles[i].archiver.pass().await.expect("pass");
        assert_eq!((summary.written, summary.waiting), (vec![0, 1], vec![]), "oracle {i}");
    }
    let archive = file(&net, 0, 1);
    assert_eq!((file(&net, 1, 1), file(&net, 2, 1)), (archive.clone(), archive.clone()));
    // It holds exactly the four readings the manifest commits, in canonical order.
    let m = manifest(&net, 1, 1).await;
    let v = verify(&archive, Some(&m)).expect("verifies");
    let mut expected = r.clone();
    canonical_readings(&mut expected);
    assert_eq!((v.readings, v.receipts.len()), (expected.clone(), 0));
    assert_eq!((v.header.inputs_root, v.header.manifest_hash), (m.inputs_root, m.hash()));
    // Epoch 0 committed nothing: an archive without records.
    let empty = verify(&file(&net, 0, 0), Some(&manifest(&net, 0, 0).await)).expect("epoch 0");
    assert_eq!((empty.header.inputs_root, empty.header.readings), (EMPTY_ROOT, 0));
    // A second pass has nothing to do.
    let again = net.oracles[0].archiver.pass().await.expect("pass");
    assert!(again.written.is_empty() && again.waiting.is_empty(), "{again:?}");

    // Served as is, and checked by the command anyone can run, from URLs.
    let (status, served) = bytes(&net, 2, "/v1/epochs/1/archive").await;
    assert_eq!((status, &served), (200, &archive));
    let base = &net.oracles[2].base;
    let url = format!("{base}/v1/epochs/1/archive");
    let borsh = format!("{base}/v1/epochs/1/manifest?format=borsh");
    let out = gridmint_oracle::archive::cli::verify_command(&url, Some(&borsh)).await.expect("ok");
    assert_eq!((out["epoch"].as_u64(), out["readings"].as_u64()), (Some(1), Some(4)));
    assert_eq!(
        (out["inputs_root"].as_str(), out["checked_against"].as_str()),
        (Some(hex(&m.inputs_root).as_str()), Some("the manifest"))
    );
    let json = format!("{base}/v1/epochs/1/manifest");
    let err = gridmint_oracle::archive::cli::verify_command(&url, Some(&json)).await;
    let hint =
        "the manifest is JSON; give its Borsh bytes (GET /v1/epochs/{e}/manifest?format=borsh)";
    assert_eq!(err.expect_err("JSON manifest").to_string(), hint);

    // Tampered archives fail with the exact error.
    let encode_with = |readings: &[SignedReading]| {
        encode(1, m.inputs_root, m.hash(), readings, &[]).expect("encode")
    };
    let root_of = |readings: &[SignedReading]| {
        let ids: Vec<_> = readings.iter().map(SignedReading::identity).collect();
        hex(&inputs_root(&ids))
    };
    // A flipped byte in a record's signature,
    let mut flipped = expected.clone();
    flipped[2].signature[7] ^= 0x10;
    let err = verify(&encode_with(&flipped), Some(&m)).expect_err("flipped");
    let identity = hex(&flipped[2].identity());
    let reason = RejectReason::BadSignature;
    assert_eq!(
        err,
        ArchiveError::Signature { input: InputKind::Reading, index: 2, identity, reason }
    );
    // and in the header's inputs_root;
    let mut header_flip = archive.clone();
    header_flip[30] ^= 1;
    let err = verify(&header_flip, Some(&m)).expect_err("header flipped");
    let field = "inputs_root";
    let (archive_root, manifest_root) = (hex(&header_flip[24..56]), hex(&m.inputs_root));
    assert_eq!(
        err,
        ArchiveError::Manifest { field, archive: archive_root, manifest: manifest_root }
    );
    // a missing record;
    let missing: Vec<_> = expected.iter().copied().filter(|x| *x != expected[1]).collect();
    let err = verify(&encode_with(&missing), Some(&m)).expect_err("missing");
    let want =
        ArchiveError::RootMismatch { header: hex(&m.inputs_root), computed: root_of(&missing) };
    assert_eq!(err, want);
    // an extra record, validly signed but not committed;
    let mut extra = expected.clone();
    extra.push(net.reading(5, DAY + 20_000, 8_000));
    canonical_readings(&mut extra);
    let err = verify(&encode_with(&extra), Some(&m)).expect_err("extra");
    assert_eq!(
        err,
        ArchiveError::RootMismatch { header: hex(&m.inputs_root), computed: root_of(&extra) }
    );
    // the archive of another epoch.
    let err = verify(&file(&net, 0, 0), Some(&m)).expect_err("wrong epoch");
    let want = ArchiveError::Manifest { field: "epoch", archive: "0".into(), manifest: "1".into() };
    assert_eq!(err, want);
}

#[tokio::test]
async fn an_oracle_whose_store_cannot_rebuild_an_archive_fetches_it_from_a_peer() {
    // Given epoch 1 finalized by oracles 0 and 1 while oracle 2 was away,
    let mut net = Net::start().await;
    finalize_epoch_1(&mut net, 0, &[0, 1, 0]).await;
    // oracle 2 follows the chain (it adopts the manifest) but holds none of the readings.
    net.tick(2).await;
    let m = manifest(&net, 2, 1).await;
    // When it passes before any peer has an archive, Then it waits, saying why.
    let summary = net.oracles[2].archiver.pass().await.expect("pass");
    let why = format!(
        "this store's inputs of epoch 1 give inputs_root {}; the finalized manifest commits {}; \
         no peer served a matching archive",
        hex(&EMPTY_ROOT),
        hex(&m.inputs_root)
    );
    assert_eq!((summary.written, summary.waiting), (vec![0], vec![(1, why)]));
    // When oracle 0 has written it, Then oracle 2 fetches it, checks it and keeps it.
    net.oracles[0].archiver.pass().await.expect("pass");
    let summary = net.oracles[2].archiver.pass().await.expect("pass");
    assert_eq!((summary.fetched, summary.waiting), (vec![1], vec![]));
    assert_eq!(file(&net, 2, 1), file(&net, 0, 1));
}

/// An archiver over oracle `i`'s store and archive directory that prunes.
fn pruner(net: &Net, i: usize, retain_epochs: Option<u64>) -> Archiver {
    let e = &net.oracles[i].oracle.engine;
    let engine = Engine {
        chain: Arc::clone(&e.chain),
        store: Arc::clone(&e.store),
        deployment: e.deployment,
    };
    let dir = net.oracles[i].archiver.settings.dir.clone();
    let settings = ArchiveSettings { dir, prune: true, retain_epochs };
    Archiver::new(engine, settings, vec![], Duration::from_secs(5)).expect("archiver")
}

async fn manifest_hash_of_epoch_2(net: &mut Net) -> [u8; 32] {
    let config = net.env.rewards_config().await;
    match net.oracles[0].oracle.engine.compute(&config, 2, None).await.expect("compute") {
        Outcome::Closed(c) => c.report.manifest_hash,
        Outcome::Abstain(why) => panic!("abstained: {why}"),
    }
}

#[tokio::test]
async fn pruning_waits_for_the_dispute_window_and_retention_and_keeps_the_next_close_identical() {
    // Given epoch 1 finalized and archived, and two readings of epoch 2 stored,
    let mut net = Net::start().await;
    finalize_epoch_1(&mut net, 0, &[0, 1, 2]).await;
    net.post(0, &[net.reading(5, 2 * DAY + 100, 7_500), net.reading(6, 2 * DAY + 3_700, 8_200)])
        .await;
    net.oracles[0].archiver.pass().await.expect("pass");
    let store = Arc::clone(&net.oracles[0].ingest.store);
    let stored = store.counts().await.expect("counts").readings;
    assert_eq!(stored, 6);
    // When pruning runs during epoch 1's challenge period, Then only epoch 0 (which holds
    // nothing) is pruned: epoch 1's manifest could still be vetoed.
    let prompt = pruner(&net, 0, Some(1));
    let pruned = prompt.pass().await.expect("pass").pruned;
    assert_eq!(pruned.iter().map(|p| (p.epoch, p.readings_deleted)).collect::<Vec<_>>(), [(0, 0)]);
    assert_eq!(store.counts().await.expect("counts").readings, stored);
    // Once epoch 2 can be reported (epoch 1 final for good, a day past its end),
    net.advance_to_report_time(2).await;
    let before = manifest_hash_of_epoch_2(&mut net).await;
    // the default retention (node-staking's unbonding period) still holds the rows,
    let by_default = pruner(&net, 0, None);
    assert_eq!(by_default.pass().await.expect("pass").pruned, vec![]);
    assert_eq!(store.counts().await.expect("counts").readings, stored);
    // while one epoch of retention lets epoch 1 go: the reading with the highest sequence
    // and counters stays for the next close.
    let pruned = prompt.pass().await.expect("pass").pruned;
    let summary: Vec<_> =
        pruned.iter().map(|p| (p.epoch, p.readings_deleted, p.readings_kept)).collect();
    assert_eq!(summary, vec![(1, 3, 1)]);
    assert_eq!(store.counts().await.expect("counts").readings, 3);
    // Then epoch 2 closes to the same manifest,
    assert_eq!(manifest_hash_of_epoch_2(&mut net).await, before);
    // epoch 1's inputs are answered from the archive only,
    let (status, body) = net.get(0, "/v1/epochs/1/readings").await;
    let gone = "the inputs of epoch 1 were pruned from this store after archiving: GET \
                /v1/epochs/1/archive";
    assert_eq!((status, body["error"].as_str()), (410, Some(gone)));
    for route in ["receipts", "inputs"] {
        let (status, body) = net.get(0, &format!("/v1/epochs/1/{route}")).await;
        assert_eq!((status, body["error"].as_str()), (410, Some(gone)), "{route}");
    }
    // (an oracle restarted on this database cannot explain epoch 1 from memory either),
    let restarted = restart(&net, 0).await;
    let explain = format!("{}/v1/epochs/1/nodes/{}/explain", restarted.base, net.node.address);
    let r = net.http.get(explain).send().await.expect("get");
    assert_eq!(r.status().as_u16(), 410);
    let (status, archived) = bytes(&net, 0, "/v1/epochs/1/archive").await;
    assert_eq!(status, 200);
    assert_eq!(verify(&archived, Some(&manifest(&net, 0, 1).await)).expect("ok").readings.len(), 4);

    // The other oracles, which never pruned, agree with oracle 0 on epoch 2: it finalizes.
    for i in [0, 1, 2, 0] {
        net.tick(i).await;
    }
    let state = net.epoch_state(2).await.expect("epoch 2");
    assert_eq!((state.status, state.report.manifest_hash), (EpochStatus::Final, before));
    // Once node-staking's unbonding period has passed since epoch 2's end, the default
    // retention prunes it: of its two readings the later one stays.
    net.oracles[0].archiver.pass().await.expect("pass");
    let end_of_2 = net.staking.genesis_time + 3 * DAY;
    net.env.advance_to(end_of_2 + UNBONDING_SECONDS).await;
    let pruned = by_default.pass().await.expect("pass").pruned;
    let summary: Vec<_> =
        pruned.iter().map(|p| (p.epoch, p.readings_deleted, p.readings_kept)).collect();
    assert_eq!(summary, vec![(2, 1, 1)]);
}

/// Oracle `i` again over the same database file, as after a restart (nothing in memory).
async fn restart(net: &Net, i: usize) -> crate::harness::OracleUnderTest {
    let path = net.oracles[i].dir.path().join("oracle.db");
    let store = Store::open(&Store::sqlite_url(&path)).await.expect("reopen");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let key = solana_keypair::Keypair::new();
    let dir = tempfile::tempdir().expect("tempdir");
    crate::harness::build(&net.env, &net.staking, key, vec![], listener, base, store, dir)
}

#[tokio::test]
async fn a_corrupt_archive_is_rewritten_and_an_epoch_without_its_snapshot_is_kept() {
    // Given epoch 1 archived by oracle 0 and past its challenge period and retention,
    let mut net = Net::start().await;
    finalize_epoch_1(&mut net, 0, &[0, 1, 2]).await;
    net.oracles[0].archiver.pass().await.expect("pass");
    net.advance_to_report_time(2).await;
    let good = file(&net, 0, 1);
    let path = net.oracles[0].archiver.path(1);
    // When its body is damaged behind an intact header, Then pruning refuses it and the
    // file is written again from the store.
    let mut damaged = good.clone();
    let crc = damaged.len() - 8;
    damaged[crc] ^= 1;
    std::fs::write(&path, &damaged).expect("damage");
    let pruner = pruner(&net, 0, Some(1));
    let summary = pruner.pass().await.expect("pass");
    let why = "the archive file failed verification (compressed body is corrupt: corrupt gzip \
               stream does not have a matching checksum); rewritten";
    assert_eq!(summary.waiting, vec![(1, why.to_string())]);
    assert_eq!(summary.pruned.iter().map(|p| p.epoch).collect::<Vec<_>>(), [0]);
    assert_eq!((summary.written, file(&net, 0, 1)), (vec![1], good));
    // When the close's snapshot is gone, Then no reading's validity can be judged: kept.
    let store = Arc::clone(&net.oracles[0].ingest.store);
    sqlx::query("DELETE FROM snapshots WHERE epoch = 1").execute(store.pool()).await.expect("sql");
    let summary = pruner.pass().await.expect("pass");
    let why = "no snapshot of epoch 1 here: its inputs stay".to_string();
    assert_eq!((summary.pruned, summary.waiting), (vec![], vec![(1, why)]));
    assert_eq!(store.counts().await.expect("counts").readings, 4);
}
