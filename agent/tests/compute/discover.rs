//! Challenge discovery against a real Bank running both programs: the agent finds exactly
//! the challenges `beacon::schedule` gives the node from the beacon account the crank filled.

use gridmint_agent::challenges::discover;
use gridmint_protocol::challenge::beacon::schedule;
use gridmint_sdk::chain::BanksChain;
use gridmint_sdk::node_staking::{self as ns, NodeKind};
use gridmint_sdk::rewards::{self as rw, ChallengeSettings};
use gridmint_test_support::node_staking::Staking;
use gridmint_test_support::rewards::RewardsInit;
use gridmint_test_support::Env;
use solana_signer::Signer;

#[tokio::test]
async fn discover_finds_the_schedule_the_oracles_derive_from_the_chain() {
    // Given a compute node (3,600 units/h) and challenges on: 4 beacons, 4 challenges (one
    // per beacon: each group has one beacon), T = 1, grace = 29
    let mut env = Env::start().await;
    let staking = Staking::start(&mut env).await;
    let rewards = env.init_rewards(RewardsInit::default()).await;
    let params = ChallengeSettings {
        beacons_per_epoch: 4,
        challenges_per_epoch: 4,
        target_seconds: 1,
        grace_seconds: 29,
    };
    let ix = rw::set_challenge_params(&rewards.authority.pubkey(), params);
    env.send(&[ix], &[&rewards.authority]).await.expect("challenges on");
    let operator = staking.operator(&mut env, 1_000_000).await;
    let node = staking.register(&mut env, &operator, NodeKind::Compute, 10_000).await;
    let chain = BanksChain::new(env.ctx.banks_client.clone());
    let deployment = ns::config_address().to_bytes();
    // Before genesis (no epoch) and before any beacon account: nothing to answer
    let found = discover::challenges(&chain, &deployment, node.node_id).await.expect("read");
    assert_eq!(found, vec![]);

    // When the crank creates epoch 0's account and records beacons 0 and 2 in their windows
    let payer = env.payer();
    env.send(&[rw::create_beacons(&payer.pubkey(), 0)], &[]).await.expect("create");
    for i in [0u16, 2] {
        env.advance_to(rewards.genesis_time + i64::from(i) * rewards.epoch_seconds / 4).await;
        env.send(&[rw::record_beacon(0, i)], &[]).await.expect("record");
    }

    // Then the agent finds the node's two challenges, as the oracles will derive them
    let chain = BanksChain::new(env.ctx.banks_client.clone());
    let found = discover::challenges(&chain, &deployment, node.node_id).await.expect("read");
    let data = env.account(&rw::beacons_pda(0).0).await.expect("beacons").data;
    let set = rw::decode_beacons(&data).expect("decodes");
    let expected = schedule(&deployment, &set, &node.address.to_bytes(), node.node_id, 3_600);
    assert_eq!(found, expected);
    assert_eq!(found.iter().map(|c| c.beacon_index).collect::<Vec<_>>(), vec![0, 2]);
    assert_eq!(found[0].deadline, set.beacons[0].recorded_at + 30);

    // And a node id that does not exist says what to check
    let err = discover::challenges(&chain, &deployment, 99).await.expect_err("no node");
    assert!(err.to_string().starts_with("node 99 does not exist ("), "{err}");
}
