//! A seeded randomized run: many epochs of random node inputs over many recipients, computed
//! with the protocol's reward formula and manifests, finalized by random quorums (sometimes
//! after a split round or a vetoed bogus report), with random claims against random
//! claimable roots in between. Invariants after every step: the sum of all claims never
//! exceeds the sum of emissions (nor the newest final total), the mint supply equals what was
//! claimed, and at the end every recipient can claim exactly its cumulative total.

use std::collections::BTreeMap;

use super::prelude::*;
use gridmint_protocol::emission::EmissionSchedule;
use gridmint_protocol::rewards::{
    CumulativeState, EpochManifest, NodeEpochInput, MANIFEST_VERSION,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

const SEED: u64 = 0x6772_6964_6d69_6e74;
const EPOCHS: u64 = 10;
const RECIPIENTS: usize = 40;
const NODES: usize = 70;

fn random_nodes(
    rng: &mut StdRng,
    owners: &[[u8; 32]],
    recipients: &[Pubkey],
) -> Vec<NodeEpochInput> {
    let mut nodes = Vec::new();
    for node in owners {
        if !rng.gen_bool(0.8) {
            continue;
        }
        nodes.push(NodeEpochInput {
            node: *node,
            recipient: recipients.choose(rng).unwrap().to_bytes(),
            stake: rng.gen_range(0..1_000u64) * 1_000_000,
            work_units: rng.gen_range(0..20_000),
            energy_wh: if rng.gen_bool(0.5) { rng.gen_range(0..50_000) } else { 0 },
            matched_wh: if rng.gen_bool(0.3) { rng.gen_range(0..10_000) } else { 0 },
            ..NodeEpochInput::default()
        });
    }
    nodes.sort_by_key(|n| n.node);
    nodes
}

#[tokio::test]
async fn randomized_epochs_never_overpay_and_everyone_gets_exactly_its_total() {
    let mut rng = StdRng::seed_from_u64(SEED);
    let (mut env, rewards) = setup().await;
    let recipients = recipients(RECIPIENTS);
    let node_keys: Vec<[u8; 32]> = (0..NODES).map(|_| rng.gen()).collect();
    let schedule = EmissionSchedule::from(rewards.params.emission);

    let mut state = CumulativeState::default();
    let mut finalized: Vec<CumulativeTree> = Vec::new();
    let mut paid: BTreeMap<Pubkey, u64> = BTreeMap::new();
    let mut emissions: u64 = 0;
    let (mut vetoes, mut splits, mut capped_old_root_claims, mut claims) = (0, 0, 0, 0);

    for epoch in 0..EPOCHS {
        // The oracles' computation: the formula over random inputs, as a manifest.
        let emission = schedule.epoch_emission(rewards.params.hard_cap_per_epoch, epoch).unwrap();
        emissions += emission;
        let manifest = EpochManifest {
            version: MANIFEST_VERSION,
            node_staking_program: node_staking::ID.to_bytes(),
            rewards_program: rewards::ID.to_bytes(),
            epoch,
            epoch_start: rewards.genesis_time + epoch as i64 * EPOCH_SECONDS,
            epoch_end: rewards.genesis_time + (epoch as i64 + 1) * EPOCH_SECONDS,
            emission,
            params: rewards.params.reward_formula.into(),
            // The stake mint's decimals (the oracle reads them from the mint, not the config).
            stake_decimals: 6,
            inputs_root: [0; 32],
            corrections_hash: [0; 32],
            previous_manifest_hash: state.last_manifest_hash,
            previous_cumulative_total: state.cumulative_total,
            nodes: random_nodes(&mut rng, &node_keys, &recipients),
        };
        let (report, t) = state.apply(&manifest).unwrap();
        assert!(report.cumulative_total <= emissions);
        let args = SubmitReportArgs {
            epoch,
            round: 0,
            root: report.root,
            cumulative_total: report.cumulative_total,
            recipient_count: report.recipient_count,
            manifest_hash: report.manifest_hash,
        };
        env.advance_to(rewards.report_time(epoch)).await;
        let mut round = 0;

        // Sometimes a split round: two oracles for a dissenting report, then a new round.
        if rng.gen_bool(0.2) || epoch == 2 {
            let mut dissent = args.clone();
            dissent.manifest_hash = [0xEE; 32];
            for i in [0, 1] {
                env.submit_report(&rewards.oracles[i], dissent.clone()).await.unwrap();
            }
            for i in [2, 3] {
                env.submit_report(&rewards.oracles[i], args.clone()).await.unwrap();
            }
            env.send(&[sdk::open_round(&rewards.authority.pubkey(), epoch)], &[&rewards.authority])
                .await
                .unwrap();
            round += 1;
            splits += 1;
        }

        // Sometimes a bogus report (one recipient inflated, within the emission) finalizes
        // and is vetoed; its root must never become claimable.
        let bogus = if (rng.gen_bool(0.25) || epoch == 1) && !t.is_empty() {
            // Same reported total (so within the emission), one leaf inflated by 1.
            let mut entries = t.entries().to_vec();
            entries[0].1 += 1;
            let bogus = CumulativeTree::new(entries).unwrap();
            let mut b = args.clone();
            b.round = round;
            b.root = bogus.root();
            for oracle in rewards.oracles.iter().take(3) {
                env.submit_report(oracle, b.clone()).await.unwrap();
            }
            let ix = sdk::veto_epoch(&rewards.authority.pubkey(), epoch, [epoch as u8; 32]);
            env.send(&[ix], &[&rewards.authority]).await.unwrap();
            round += 1;
            vetoes += 1;
            Some(bogus)
        } else {
            None
        };

        // A random quorum finalizes the real report.
        let mut voters: Vec<usize> = (0..rewards.oracles.len()).collect();
        voters.shuffle(&mut rng);
        let mut real = args.clone();
        real.round = round;
        for &i in voters.iter().take(usize::from(rewards.threshold)) {
            env.submit_report(&rewards.oracles[i], real.clone()).await.unwrap();
        }
        let epoch_state = env.epoch_state(epoch).await.unwrap();
        assert_eq!(epoch_state.status, EpochStatus::Final);
        assert_eq!(epoch_state.report.root, t.root());
        env.advance_to(epoch_state.claimable_at).await;
        finalized.push(t);

        if let Some(bogus) = bogus {
            let r = Pubkey::new_from_array(bogus.entries()[0].0);
            let (amount, proof) = bogus.proof_for(&r.to_bytes()).unwrap();
            assert_error(env.claim_with(&rewards, &r, amount, proof).await, E::InvalidProof);
        }

        // Random claims against random claimable roots (the ring holds the last 8).
        let oldest = finalized.len().saturating_sub(8);
        for r in &recipients {
            if !rng.gen_bool(0.3) {
                continue;
            }
            let k = rng.gen_range(oldest..finalized.len());
            let Some((cumulative, proof)) = finalized[k].proof_for(&r.to_bytes()) else { continue };
            let already = paid.get(r).copied().unwrap_or(0);
            let payout = cumulative.saturating_sub(already);
            let total_claimed: u64 = paid.values().sum();
            let result = env.claim_with(&rewards, r, cumulative, proof).await;
            if payout > 0 && total_claimed + payout > finalized[k].total() {
                // Only possible with an older root: the per-root cap refuses it.
                assert!(k + 1 < finalized.len());
                assert_error(result, E::ClaimExceedsRootTotal);
                capped_old_root_claims += 1;
            } else {
                result.unwrap();
                *paid.entry(*r).or_insert(0) += payout;
                claims += 1;
            }
            assert_eq!(env.reward_balance(&rewards, r).await, paid.get(r).copied().unwrap_or(0));
        }

        // Invariants.
        let total_paid: u64 = paid.values().sum();
        let config = env.rewards_config().await;
        assert_eq!(config.total_claimed, total_paid);
        assert_eq!(env.mint_supply(&rewards.reward_mint).await, total_paid);
        assert!(total_paid <= config.last_final_total);
        assert!(config.last_final_total <= emissions);
        assert_eq!(config.last_final_total, state.cumulative_total);
    }

    // Everyone claims with the newest root: each gets exactly its cumulative total.
    let newest = finalized.last().unwrap().clone();
    for r in &recipients {
        let expected = newest.amount_of(&r.to_bytes());
        if expected > 0 {
            env.claim_from_tree(&rewards, &newest, r).await.unwrap();
        }
        assert_eq!(env.reward_balance(&rewards, r).await, expected, "recipient {r}");
        assert_eq!(expected, state.amount_of(&r.to_bytes()));
    }
    let supply = env.mint_supply(&rewards.reward_mint).await;
    assert_eq!(supply, newest.total());
    assert_eq!(supply, state.cumulative_total);
    assert!(supply <= emissions);
    // The seed exercises every path at least once.
    assert!(
        vetoes > 0 && splits > 0 && claims > 0,
        "vetoes {vetoes}, splits {splits}, claims {claims}"
    );
    println!(
        "randomized: {EPOCHS} epochs, {RECIPIENTS} recipients, emissions {emissions}, paid {supply}, \
         {claims} paying claims, {capped_old_root_claims} old-root claims capped, {vetoes} vetoes, {splits} splits"
    );
}
