//! Operations: a finalized epoch shows in the voting oracle's metrics.

use gridmint_test_support::node_staking::UNBONDING_SECONDS;
use solana_signer::Signer;

use crate::harness::Net;
use crate::quorum::finalize_empty_epoch_0;

#[tokio::test]
async fn a_finalized_epoch_shows_in_the_voting_oracles_metrics() {
    // Given epoch 0 finalized with oracle 1's vote (oracle 1 then recorded it),
    let mut net = Net::start().await;
    finalize_empty_epoch_0(&mut net).await;
    let key = net.rewards.oracles[1].pubkey();
    let lamports = net.env.lamports(&key).await;
    // When oracle 1 is scraped, Then the vote, its latency, the close, the caught-up ledger,
    // the key's balance and the unbonding period are there.
    let text = net.metrics(1).await;
    let expected = [
        r#"gridmint_votes_total{outcome="sent"} 1"#.to_string(),
        r#"gridmint_votes_total{outcome="error"} 0"#.to_string(),
        "gridmint_vote_latency_seconds_count 1".to_string(),
        "gridmint_epoch_close_duration_seconds_count 1".to_string(),
        "gridmint_epochs_behind 0".to_string(),
        format!(r#"gridmint_vote_key_balance_lamports{{key="{key}"}} {lamports}"#),
        format!("gridmint_unbonding_seconds {UNBONDING_SECONDS}"),
        "gridmint_determinism_alarms_total 0".to_string(),
        "gridmint_peers_diverging 0".to_string(),
    ];
    for line in &expected {
        assert!(text.lines().any(|l| l == line), "`{line}` missing from\n{text}");
    }
    // With a keypair every family is exported (tests/ingest/metrics.rs lists them).
    let families = text.lines().filter(|l| l.starts_with("# TYPE gridmint_")).count();
    assert_eq!(families, 15, "{text}");
}
