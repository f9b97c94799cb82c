//! A veto with a correction document: uploaded to one oracle, fetched by the others from
//! it, checked by hash, and the epoch re-finalized without the excluded node.

use gridmint_oracle::epoch::hex;
use gridmint_protocol::crediting::corrections::{
    CorrectionAction, CorrectionDocument, Exclusion, ExclusionReason, CORRECTION_VERSION,
};
use gridmint_sdk::rewards::{self as rw, EpochStatus};
use solana_signer::Signer;

use crate::harness::Net;
use crate::quorum::{epoch_1_readings, finalize_empty_epoch_0};

async fn put(net: &Net, i: usize, hash: &str, body: Vec<u8>) -> (u16, serde_json::Value) {
    let r = net
        .http
        .put(format!("{}/v1/corrections/{hash}", net.oracles[i].base))
        .body(body)
        .send()
        .await
        .expect("put");
    let status = r.status().as_u16();
    let body = r.bytes().await.expect("body");
    (status, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn a_vetoed_epoch_is_refinalized_under_its_correction_document() {
    let mut net = Net::start().await;
    finalize_empty_epoch_0(&mut net).await;
    net.post(1, &epoch_1_readings(&net)).await;
    net.advance_to_report_time(1).await;
    for i in 0..3 {
        net.tick(i).await;
    }
    let first = net.epoch_state(1).await.expect("epoch");
    assert_eq!(first.status, EpochStatus::Final);
    assert!(first.report.cumulative_total > 0, "the node was paid");
    // Oracle 0 records the result and archives it (while the veto is still possible).
    net.tick(0).await;
    assert_eq!(net.oracles[0].archiver.pass().await.expect("pass").written, vec![0, 1]);

    let document = CorrectionDocument {
        version: CORRECTION_VERSION,
        rewards_program: rw::PROGRAM_ID.to_bytes(),
        epoch: 1,
        action: CorrectionAction::ExcludeNodes(vec![Exclusion {
            node: net.node.address.to_bytes(),
            reason: ExclusionReason::Fraud,
        }]),
    };
    let bytes = borsh::to_vec(&document).expect("borsh");
    let hash = document.hash();

    // The oracle checks the hash before storing anything.
    let (status, body) = put(&net, 0, &hex(&[1; 32]), bytes.clone()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("SHA-256 of the body is not the hash in the path"))
    );
    let (status, body) = put(&net, 0, "beef", bytes.clone()).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("hash must be 64 hex digits")));
    let (status, body) = put(&net, 0, &hex(&hash), bytes.clone()).await;
    assert_eq!((status, &body["well_formed"]), (201, &serde_json::json!(true)));

    let authority = net.rewards.authority.insecure_clone();
    let ix = rw::veto_epoch(&authority.pubkey(), 1, hash);
    net.env.send(&[ix], &[&authority]).await.expect("veto");

    // Oracles 1 and 2 do not hold the document: they fetch it from oracle 0.
    for i in [0, 1, 2] {
        net.tick(i).await;
    }
    let state = net.epoch_state(1).await.expect("epoch");
    assert_eq!((state.status, state.round), (EpochStatus::Final, 1));
    assert_eq!(state.report.cumulative_total, 0, "the excluded node is not paid");
    for i in 0..3 {
        let summary = net.oracles[i].oracle.summary(1).expect("closed");
        assert_eq!(summary.manifest_hash, hex(&state.report.manifest_hash));
    }
    let path = format!("/v1/epochs/1/manifest?hash={}", hex(&state.report.manifest_hash));
    let (status, manifest) = net.get(2, &path).await;
    assert_eq!(status, 200);
    assert_eq!(manifest["corrections_hash"], hex(&hash));
    assert_eq!(manifest["nodes"], serde_json::json!([]));
    let (_, why) = net.get(2, &format!("/v1/epochs/1/nodes/{}/explain", net.node.address)).await;
    assert_eq!(why["excluded_by_correction"], true);
    let (status, served) = net.get(2, &format!("/v1/corrections/{}", hex(&hash))).await;
    assert_eq!(status, 200, "binary body is not JSON: {served}");
    // Once oracle 0 records the new result, the archive of the vetoed manifest is replaced.
    net.tick(0).await;
    assert_eq!(net.oracles[0].archiver.pass().await.expect("pass").written, vec![1]);
    let archive = std::fs::read(net.oracles[0].archiver.path(1)).expect("archive");
    let header = gridmint_oracle::archive::Header::parse(&archive).expect("header");
    assert_eq!(header.manifest_hash, state.report.manifest_hash);
}
