//! `claim`: cumulative Merkle claims cranked by anyone, the root ring, the per-root cap, and
//! every way a claim can be wrong.

use super::prelude::*;

/// Default deployment with epoch 0 claimable over `entries`.
async fn claimable(entries: &[(Pubkey, u64)]) -> (Env, Rewards, CumulativeTree) {
    let (mut env, rewards) = setup().await;
    let t = tree(entries);
    env.finalize_claimable(&rewards, 0, &t).await;
    (env, rewards, t)
}

#[tokio::test]
async fn claim_ok_cranked_by_anyone() {
    // Given epoch 0 claimable; the recipients have no keypair at all (they cannot sign)
    let who = recipients(3);
    let (mut env, rewards, t) =
        claimable(&[(who[0], 1_000), (who[1], 2_000), (who[2], 3_000)]).await;

    // When a third party (the env payer) claims for recipient 1
    let payer = env.payer().pubkey();
    let ixs =
        sdk::claim_from_tree(&t, &payer, &who[1], &rewards.reward_mint, &rewards.token_program)
            .unwrap();
    let inner = env.simulate_inner_data(&ixs, &[]).await.unwrap();
    env.send(&ixs, &[]).await.unwrap();

    // Then the recipient's own token account holds its whole amount
    assert_eq!(env.reward_balance(&rewards, &who[1]).await, 2_000);
    assert_eq!(env.claimed_total(&who[1]).await, 2_000);
    assert_eq!(env.mint_supply(&rewards.reward_mint).await, 2_000);
    let config = env.rewards_config().await;
    assert_eq!(config.total_claimed, 2_000);
    // And the root entered the ring on this first touch after the challenge period
    assert!(config.pending_root.is_none());
    assert_eq!(config.claimable.len, 1);
    let promoted = events_of::<RootClaimable>(&inner);
    assert_eq!(promoted[0].root.root, t.root());
    let claimed = events_of::<Claimed>(&inner);
    assert_eq!(claimed.len(), 1);
    let c = &claimed[0];
    assert_eq!((c.recipient, c.root_epoch, c.cumulative, c.amount), (who[1], 0, 2_000, 2_000));
    assert_eq!((c.claimed_total, c.program_total_claimed), (2_000, 2_000));
    let status: sdk::ClaimStatus = env.anchor_account(&sdk::claim_status_pda(&who[1]).0).await;
    assert_eq!((status.recipient, status.bump), (who[1], sdk::claim_status_pda(&who[1]).1));
}

#[tokio::test]
async fn claim_replay_pays_nothing() {
    // Given recipient 0 has claimed
    let who = recipients(2);
    let (mut env, rewards, t) = claimable(&[(who[0], 1_000), (who[1], 2_000)]).await;
    env.claim_from_tree(&rewards, &t, &who[0]).await.unwrap();

    // When the same proof is sent again
    let payer = env.payer().pubkey();
    let ixs =
        sdk::claim_from_tree(&t, &payer, &who[0], &rewards.reward_mint, &rewards.token_program)
            .unwrap();
    let events = send_with_events::<Claimed>(&mut env, &ixs, &[]).await;

    // Then it succeeds and pays nothing
    assert_eq!(events[0].amount, 0);
    assert_eq!(env.reward_balance(&rewards, &who[0]).await, 1_000);
    assert_eq!(env.rewards_config().await.total_claimed, 1_000);
}

#[tokio::test]
async fn claim_later_pays_only_the_difference() {
    // Given recipient 0 claimed 1,000 from epoch 0
    let who = recipients(2);
    let (mut env, rewards, _t0) = claimable(&[(who[0], 1_000), (who[1], 2_000)]).await;
    let t0 = tree(&[(who[0], 1_000), (who[1], 2_000)]);
    env.claim_from_tree(&rewards, &t0, &who[0]).await.unwrap();

    // When epoch 1 raises it to 1,750 and it claims again
    let t1 = tree(&[(who[0], 1_750), (who[1], 2_100)]);
    env.finalize_claimable(&rewards, 1, &t1).await;
    let payer = env.payer().pubkey();
    let ixs =
        sdk::claim_from_tree(&t1, &payer, &who[0], &rewards.reward_mint, &rewards.token_program)
            .unwrap();
    let events = send_with_events::<Claimed>(&mut env, &ixs, &[]).await;

    // Then only 750 is paid
    assert_eq!((events[0].amount, events[0].root_epoch), (750, 1));
    assert_eq!(env.reward_balance(&rewards, &who[0]).await, 1_750);
    assert_eq!(env.claimed_total(&who[0]).await, 1_750);
}

#[tokio::test]
async fn claim_against_an_older_claimable_root() {
    // Given epochs 0 and 1 claimable
    let who = recipients(2);
    let t0 = tree(&[(who[0], 1_000), (who[1], 2_000)]);
    let t1 = tree(&[(who[0], 1_500), (who[1], 2_500)]);
    let (mut env, rewards) = setup().await;
    env.finalize_claimable(&rewards, 0, &t0).await;
    env.finalize_claimable(&rewards, 1, &t1).await;

    // When recipient 1 claims with its (older) epoch-0 proof
    env.claim_from_tree(&rewards, &t0, &who[1]).await.expect("older root accepted");
    assert_eq!(env.reward_balance(&rewards, &who[1]).await, 2_000);
    let config = env.rewards_config().await;
    assert_eq!(config.claimable.len, 2);

    // Then the newer proof pays the rest, and the old one nothing more
    env.claim_from_tree(&rewards, &t1, &who[1]).await.unwrap();
    env.claim_from_tree(&rewards, &t0, &who[1]).await.unwrap();
    assert_eq!(env.reward_balance(&rewards, &who[1]).await, 2_500);
}

#[tokio::test]
async fn claim_root_ring_keeps_the_last_eight() {
    // Given nine claimable epochs
    let who = recipients(1);
    let (mut env, rewards) = setup().await;
    let trees: Vec<CumulativeTree> = (0..10u64).map(|e| tree(&[(who[0], 100 * (e + 1))])).collect();
    for (epoch, t) in trees.iter().enumerate().take(9) {
        env.finalize_claimable(&rewards, epoch as u64, t).await;
    }
    // When epoch 9 is reported, epoch 8 enters the ring, which then holds epochs 1..=8
    env.finalize_epoch(&rewards, 9, &trees[9]).await;
    let config = env.rewards_config().await;
    let mut epochs: Vec<u64> = config.claimable.valid().iter().map(|r| r.epoch).collect();
    epochs.sort();
    assert_eq!(epochs, (1..=8).collect::<Vec<_>>());
    // Then epoch 0's proof is no longer accepted, epoch 1's is
    let (a0, p0) = trees[0].proof_for(&who[0].to_bytes()).unwrap();
    assert_error(env.claim_with(&rewards, &who[0], a0, p0).await, E::InvalidProof);
    env.claim_from_tree(&rewards, &trees[1], &who[0]).await.unwrap();
    assert_eq!(env.reward_balance(&rewards, &who[0]).await, 200);
}

#[tokio::test]
async fn claim_wrong_proof() {
    let who = recipients(4);
    let entries: Vec<(Pubkey, u64)> = who.iter().map(|k| (*k, 10)).collect();
    let (mut env, rewards, t) = claimable(&entries).await;
    let (amount, mut proof) = t.proof_for(&who[2].to_bytes()).unwrap();
    proof[0][5] ^= 1;
    assert_error(env.claim_with(&rewards, &who[2], amount, proof).await, E::InvalidProof);
}

#[tokio::test]
async fn claim_another_recipients_proof() {
    // Given recipient 0's valid proof and amount
    let who = recipients(3);
    let (mut env, rewards, t) = claimable(&[(who[0], 10), (who[1], 20), (who[2], 30)]).await;
    let (amount, proof) = t.proof_for(&who[0].to_bytes()).unwrap();
    // When it is used for recipient 1, Then InvalidProof and nothing is paid
    assert_error(env.claim_with(&rewards, &who[1], amount, proof).await, E::InvalidProof);
    assert_eq!(env.rewards_config().await.total_claimed, 0);
}

#[tokio::test]
async fn claim_inflated_amount() {
    let who = recipients(3);
    let (mut env, rewards, t) = claimable(&[(who[0], 10), (who[1], 20), (who[2], 30)]).await;
    let (amount, proof) = t.proof_for(&who[1].to_bytes()).unwrap();
    assert_error(env.claim_with(&rewards, &who[1], amount + 1, proof).await, E::InvalidProof);
}

#[tokio::test]
async fn claim_proof_too_long() {
    let who = recipients(1);
    let (mut env, rewards, _t) = claimable(&[(who[0], 10)]).await;
    assert_error(env.claim_with(&rewards, &who[0], 10, vec![[1; 32]; 33]).await, E::ProofTooLong);
}

#[tokio::test]
async fn claim_during_the_challenge_period() {
    // Given epoch 0 final but still in its challenge period
    let (mut env, rewards) = setup().await;
    let who = recipients(2);
    let t = tree(&[(who[0], 10), (who[1], 20)]);
    env.finalize_epoch(&rewards, 0, &t).await;
    // Then a valid proof is refused until the period has passed
    assert_error(env.claim_from_tree(&rewards, &t, &who[0]).await, E::RootInChallengePeriod);
    let claimable_at = env.epoch_state(0).await.unwrap().claimable_at;
    env.advance_to(claimable_at - 1).await;
    assert_error(env.claim_from_tree(&rewards, &t, &who[0]).await, E::RootInChallengePeriod);
    env.advance_to(claimable_at).await;
    env.claim_from_tree(&rewards, &t, &who[0]).await.unwrap();
    assert_eq!(env.reward_balance(&rewards, &who[0]).await, 10);
}

#[tokio::test]
async fn claim_from_a_vetoed_epoch() {
    // Given epoch 0 final and vetoed
    let (mut env, rewards) = setup().await;
    let who = recipients(1);
    let t = tree(&[(who[0], 10)]);
    env.finalize_epoch(&rewards, 0, &t).await;
    let ix = sdk::veto_epoch(&rewards.authority.pubkey(), 0, [1; 32]);
    env.send(&[ix], &[&rewards.authority]).await.unwrap();
    // When its challenge period would have passed, Then its proof leads to no claimable root
    env.warp_seconds(CHALLENGE_SECONDS + 1).await;
    assert_error(env.claim_from_tree(&rewards, &t, &who[0]).await, E::InvalidProof);
}

#[tokio::test]
async fn claim_beyond_the_roots_total() {
    // Given oracles that finalized a root whose leaves sum to 200 but report a total of 150
    let (mut env, rewards) = setup().await;
    let who = recipients(2);
    let t = tree(&[(who[0], 100), (who[1], 100)]);
    env.advance_to(rewards.report_time(0)).await;
    let mut args = rewards.report_args(0, 0, &t, manifest(0));
    args.cumulative_total = 150;
    for oracle in rewards.oracles.iter().take(3) {
        env.submit_report(oracle, args.clone()).await.unwrap();
    }
    let claimable_at = env.epoch_state(0).await.unwrap().claimable_at;
    env.advance_to(claimable_at).await;

    // When both claim, Then the first is paid and the second would pass the total: refused
    env.claim_from_tree(&rewards, &t, &who[0]).await.unwrap();
    assert_error(env.claim_from_tree(&rewards, &t, &who[1]).await, E::ClaimExceedsRootTotal);
    assert_eq!(env.rewards_config().await.total_claimed, 100);
    assert_eq!(env.mint_supply(&rewards.reward_mint).await, 100);
}

#[tokio::test]
async fn claim_against_an_older_root_is_capped_by_that_roots_total() {
    // Given epoch 0 (total 200) and epoch 1 (total 400) claimable
    let (mut env, rewards) = setup().await;
    let who = recipients(2);
    let t0 = tree(&[(who[0], 100), (who[1], 100)]);
    let t1 = tree(&[(who[0], 200), (who[1], 200)]);
    env.finalize_claimable(&rewards, 0, &t0).await;
    env.finalize_claimable(&rewards, 1, &t1).await;
    // When recipient 1 claims 200 with the newer root (total paid 200)
    env.claim_from_tree(&rewards, &t1, &who[1]).await.unwrap();
    // Then recipient 0's older proof (100) would bring the total to 300 > 200: refused …
    assert_error(env.claim_from_tree(&rewards, &t0, &who[0]).await, E::ClaimExceedsRootTotal);
    // … and its newer proof pays
    env.claim_from_tree(&rewards, &t1, &who[0]).await.unwrap();
    assert_eq!(env.reward_balance(&rewards, &who[0]).await, 200);
}

#[tokio::test]
async fn claim_token_2022_reward_mint() {
    // Given a Token-2022 reward mint with an allow-listed extension
    let mut env = Env::start().await;
    let rewards = env
        .init_rewards(RewardsInit {
            token_program: anchor_spl::token_2022::ID,
            extensions: vec![MintExtension::MetadataPointer],
            ..RewardsInit::default()
        })
        .await;
    let who = recipients(2);
    let t = tree(&[(who[0], 1_234), (who[1], 5_678)]);
    env.finalize_claimable(&rewards, 0, &t).await;
    // When both claim, Then their Token-2022 accounts hold their amounts
    env.claim_from_tree(&rewards, &t, &who[0]).await.unwrap();
    env.claim_from_tree(&rewards, &t, &who[1]).await.unwrap();
    assert_eq!(env.reward_balance(&rewards, &who[0]).await, 1_234);
    assert_eq!(env.reward_balance(&rewards, &who[1]).await, 5_678);
    assert_eq!(env.mint_supply(&rewards.reward_mint).await, 6_912);
    let ata = sdk::recipient_ata(&who[0], &rewards.reward_mint, &rewards.token_program);
    assert_eq!(env.account(&ata).await.unwrap().owner, anchor_spl::token_2022::ID);
}

#[tokio::test]
async fn claim_wrong_mint_or_token_account() {
    let who = recipients(2);
    let (mut env, rewards, t) = claimable(&[(who[0], 10), (who[1], 20)]).await;
    let payer = env.payer().pubkey();
    let (amount, proof) = t.proof_for(&who[0].to_bytes()).unwrap();
    let right_ata = env.create_ata(&rewards.reward_mint, &who[0], &rewards.token_program).await;

    // A different mint passed as the reward mint
    let other_mint = env.create_mint(&rewards.token_program, &payer, 6, &[]).await;
    let other_ata = env.create_ata(&other_mint, &who[0], &rewards.token_program).await;
    let ix = sdk::claim(
        &payer,
        &who[0],
        &other_ata,
        &other_mint,
        &rewards.token_program,
        amount,
        proof.clone(),
    );
    assert_error(env.send(&[ix], &[]).await, E::WrongRewardMint);

    // The right mint but a token account of another mint
    let ix = sdk::claim(
        &payer,
        &who[0],
        &other_ata,
        &rewards.reward_mint,
        &rewards.token_program,
        amount,
        proof.clone(),
    );
    assert_error(env.send(&[ix], &[]).await, E::TokenAccountMintMismatch);

    // A reward-mint token account owned by someone else (recipient 1)
    let foreign = env.create_ata(&rewards.reward_mint, &who[1], &rewards.token_program).await;
    let ix = sdk::claim(
        &payer,
        &who[0],
        &foreign,
        &rewards.reward_mint,
        &rewards.token_program,
        amount,
        proof.clone(),
    );
    assert_error(env.send(&[ix], &[]).await, E::TokenAccountOwnerMismatch);

    // The wrong token program
    let ix = sdk::claim(
        &payer,
        &who[0],
        &right_ata,
        &rewards.reward_mint,
        &anchor_spl::token_2022::ID,
        amount,
        proof.clone(),
    );
    assert_error(env.send(&[ix], &[]).await, E::WrongTokenProgram);

    // Nothing was paid; a non-associated account the recipient owns is fine
    assert_eq!(env.rewards_config().await.total_claimed, 0);
    let own = env.create_token_account(&rewards.reward_mint, &who[0], &rewards.token_program).await;
    let ix = sdk::claim(
        &payer,
        &who[0],
        &own,
        &rewards.reward_mint,
        &rewards.token_program,
        amount,
        proof,
    );
    env.send(&[ix], &[]).await.unwrap();
    assert_eq!(env.token_balance(&own).await, 10);
}
