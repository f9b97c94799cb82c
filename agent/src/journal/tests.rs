use super::*;
use crate::allowance::Floor;

const OWNER: Owner = Owner { device_key: [1; 32], deployment: [2; 32], node_id: 3 };

async fn journal(dir: &tempfile::TempDir) -> Journal {
    Journal::open(&dir.path().join("agent.db"), OWNER).await.expect("open")
}

fn reading(sequence: u64) -> StoredReading {
    StoredReading {
        sequence,
        timestamp: 100 + sequence as i64,
        produced_wh: sequence * 10,
        consumed_wh: 0,
        message: vec![sequence as u8; 81],
        signature: vec![7; 64],
    }
}

async fn sign_up_to(j: &Journal, last: u64) {
    for s in 1..=last {
        let state =
            SignerState { last_sequence: s, last_timestamp: 100 + s as i64, ..Default::default() };
        j.commit(&state, Some(&reading(s))).await.expect("commit");
    }
}

#[tokio::test]
async fn state_and_readings_round_trip_across_reopening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = journal(&dir).await;
    assert_eq!(j.signer_state().await.expect("state"), None);
    let floor = Floor { capacity_wp: 5_000, value: -(1i128 << 100) };
    let state = SignerState {
        last_sequence: 9,
        last_timestamp: 1_234,
        counter: CounterState {
            produced_wh: u64::MAX,
            consumed_wh: 5,
            raw_produced: Some(77),
            raw_consumed: None,
            sampled_at: Some(1_230),
        },
        resets: 2,
        jumps: 1,
        floor: Some(floor),
    };
    j.commit(&state, Some(&reading(9))).await.expect("commit");
    j.close().await;
    let j = journal(&dir).await;
    assert_eq!(j.signer_state().await.expect("state"), Some(state));
    assert_eq!(j.readings_from(0, 10).await.expect("read"), vec![reading(9)]);
}

#[tokio::test]
async fn a_second_reading_with_one_sequence_cannot_be_committed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = journal(&dir).await;
    sign_up_to(&j, 1).await;
    let state = SignerState { last_sequence: 1, ..Default::default() };
    let other = StoredReading { produced_wh: 999, ..reading(1) };
    assert!(matches!(j.commit(&state, Some(&other)).await, Err(JournalError::Db(_))));
    assert_eq!(j.readings_from(1, 10).await.expect("read"), vec![reading(1)]);
}

#[tokio::test]
async fn another_owner_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    journal(&dir).await.close().await;
    let path = dir.path().join("agent.db");
    for (owner, what) in [
        (Owner { device_key: [9; 32], ..OWNER }, "device key"),
        (Owner { deployment: [9; 32], ..OWNER }, "deployment"),
        (Owner { node_id: 4, ..OWNER }, "node"),
    ] {
        let err = Journal::open(&path, owner).await.err().expect("refused");
        assert_eq!(
            err.to_string(),
            format!(
                "the journal in {} belongs to another {what}; point data_dir at this device's own \
                 journal (never share or copy a journal between devices)",
                dir.path().display()
            )
        );
    }
}

#[tokio::test]
async fn cursors_start_at_the_oldest_reading_and_never_move_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = journal(&dir).await;
    assert_eq!(j.cursor("http://a").await.expect("cursor"), 1, "empty journal: the next one");
    sign_up_to(&j, 5).await;
    j.delete(&[1, 2]).await.expect("delete");
    assert_eq!(j.cursor("http://b").await.expect("cursor"), 3, "oldest kept");
    j.advance("http://b", 5, &[(4, "bad_signature".into())], 1_000).await.expect("advance");
    j.advance("http://b", 4, &[], 1_001).await.expect("advance");
    assert_eq!(j.cursor("http://b").await.expect("cursor"), 5);
    j.delivery_failed("http://b", "refused").await.expect("failed");
    let cursors = j.cursors().await.expect("cursors");
    let b = cursors.iter().find(|c| c.oracle == "http://b").expect("b");
    assert_eq!((b.backlog, b.rejected, b.last_ack_at), (1, 1, Some(1_001)));
    assert_eq!(b.last_error.as_deref(), Some("refused"));
    assert_eq!(j.rejections("http://b").await.expect("r"), vec![(4, "bad_signature".into())]);
}

#[tokio::test]
async fn pruning_keeps_the_newest_acknowledged_readings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = journal(&dir).await;
    sign_up_to(&j, 10).await;
    assert_eq!(j.prunable(8, 3).await.expect("prunable"), vec![4, 3, 2, 1]);
    assert_eq!(j.count_from(6).await.expect("count"), 5);
    assert_eq!(j.times_from(9).await.expect("times"), vec![(9, 109), (10, 110)]);
}
