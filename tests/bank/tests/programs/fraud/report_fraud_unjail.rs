//! `report_fraud` after `unjail`: evidence whose readings all predate the unjailing belongs
//! to the incident already punished and is refused (`EvidenceBeforeUnjail`); a pair with a
//! reading at or after it is new evidence, whichever of the two readings that is.

use super::prelude::*;

/// A node slashed for an equivocation at `t0 + 60`, then unjailed an hour later. Returns the
/// world and the unjailing time as an offset from `t0`.
async fn punished_and_unjailed() -> (World, i64) {
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = w.equivocation();
    w.report(&x, &y).await.expect("first proof");
    w.env.warp_seconds(3_600).await;
    let ix = sdk::unjail(&w.s.authority.pubkey(), w.node.node_id);
    w.env.send(&[ix], &[&w.s.authority]).await.expect("unjail");
    let unjailed_at = w.node_state().await.unjailed_at;
    assert!(unjailed_at > w.t0 + 60);
    let offset = unjailed_at - w.t0;
    (w, offset)
}

#[tokio::test]
async fn report_fraud_from_the_punished_incident_fails() {
    // Given a node punished and unjailed, and another pair signed during the same incident
    let (mut w, unjailed) = punished_and_unjailed().await;
    let before = w.node_state().await;
    let (x, y) = (w.signed(6, 70, 100), w.signed(6, unjailed - 1, 200));

    // When anyone reports that pair (every reading before the unjailing)
    let result = w.report(&x, &y).await;

    // Then it is refused: the node is not slashed twice for one incident
    assert_error(result, E::EvidenceBeforeUnjail);
    let after = w.node_state().await;
    assert_eq!((after.active_stake, after.jailed), (before.active_stake, false));
    assert!(w.env.account(&evidence_address(&w.s, &x, &y)).await.is_none());
}

#[tokio::test]
async fn report_fraud_with_a_new_pair_after_unjail_ok() {
    // Given a node punished and unjailed, and a new equivocation after the unjailing
    let (mut w, unjailed) = punished_and_unjailed().await;
    let (x, y) = (w.signed(50, unjailed, 700), w.signed(50, unjailed, 701));

    // When it is reported / Then the node is slashed and jailed again
    w.report(&x, &y).await.expect("new evidence");
    let node = w.node_state().await;
    assert!(node.jailed);
    assert_eq!(node.active_stake, STAKE - 1_000 - 900);
}

#[tokio::test]
async fn report_fraud_with_a_pair_straddling_the_unjail_ok() {
    for later_reading_first in [false, true] {
        // Given a node punished and unjailed, and a counter regression between a reading
        // before the unjailing and one after it (the later one with the lower sequence
        // number, or the higher)
        let (mut w, unjailed) = punished_and_unjailed().await;
        let (old_ts, new_ts) = (100, unjailed + 5);
        let (first_ts, second_ts) =
            if later_reading_first { (new_ts, old_ts) } else { (old_ts, new_ts) };
        let (x, y) = (w.signed(30, first_ts, 500), w.signed(31, second_ts, 499));

        // When it is reported / Then it is accepted
        w.report(&x, &y).await.expect("straddling evidence");
        assert!(w.node_state().await.jailed, "later reading first: {later_reading_first}");
    }
}
