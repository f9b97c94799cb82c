//! `BanksChain`: the SDK's `Chain` trait inside a real Bank, used as the oracle will use it
//! (`Arc<dyn Chain>`): typed reads with the clock of their slot, node heads by data slice,
//! bindings, epoch states, a vote with compute budget, events from inner instructions, and
//! a failing transaction's error decoded to its name.

use std::sync::Arc;

use gridmint_protocol::merkle::CumulativeTree;
use gridmint_sdk::chain::{events, BanksChain, Chain, ChainError, ChainExt, NodeHead, Scan};
use gridmint_sdk::errors::ErrorSource;
use gridmint_sdk::node_staking::{self as ns, NodeKind};
use gridmint_sdk::rewards::events::ReportSubmitted;
use gridmint_sdk::vote::{close_epoch_instructions, vote_instructions, ComputeBudget};
use gridmint_test_support::node_staking::Staking;
use gridmint_test_support::rewards::RewardsInit;
use gridmint_test_support::Env;
use solana_keypair::Keypair;
use solana_signer::Signer;

#[tokio::test]
async fn banks_chain_reads_votes_and_decodes() {
    // Given: both programs initialized and two nodes registered.
    let mut env = Env::start().await;
    let staking = Staking::start(&mut env).await;
    let operator = staking.operator(&mut env, 10_000_000_000).await;
    let energy = staking.register(&mut env, &operator, NodeKind::Energy, 2_000_000_000).await;
    let compute = staking.register(&mut env, &operator, NodeKind::Compute, 2_000_000_000).await;
    let rewards = env.init_rewards(RewardsInit::default()).await;
    let chain: Arc<dyn Chain> = Arc::new(BanksChain::new(env.ctx.banks_client.clone()));

    // Then: the clock is the Bank's, and every read carries it.
    let bank_clock = env.clock().await;
    let clock = chain.clock().await.unwrap();
    assert_eq!((clock.slot, clock.unix_timestamp), (bank_clock.slot, bank_clock.unix_timestamp));
    let config = chain.node_staking_config().await.unwrap();
    assert_eq!(config.account.as_ref(), Some(&staking.config_state(&mut env).await));
    assert_eq!((config.slot, config.unix_timestamp), (clock.slot, clock.unix_timestamp));
    let reward_config = chain.rewards_config().await.unwrap().account.expect("rewards config");
    assert_eq!(reward_config.next_epoch, 0);

    // Nodes, whole and by head, in id order.
    let nodes = chain.nodes().await.unwrap();
    let ids: Vec<u64> = nodes.iter().map(|n| n.account.node_id).collect();
    assert_eq!(ids, [energy.node_id, compute.node_id]);
    assert_eq!(nodes[0].address, energy.address);
    assert_eq!(nodes[0].account, staking.node_state(&mut env, energy.node_id).await);
    let heads = chain.node_heads().await.unwrap();
    assert_eq!(heads.len(), 2);
    assert_eq!(heads[1].account, NodeHead::from(&nodes[1].account));

    // Bindings by key; a key never bound has none; a Bank cannot scan bindings.
    let binding = chain.device_binding(&energy.device.pubkey()).await.unwrap();
    assert_eq!(binding.account.expect("binding").node, energy.address);
    let unknown = Keypair::new().pubkey();
    let both = chain.device_bindings(&[compute.device.pubkey(), unknown]).await.unwrap();
    assert_eq!(both[0].account.as_ref().map(|b| b.node_id), Some(compute.node_id));
    assert_eq!(both[1].account, None);
    assert!(matches!(chain.all_device_bindings().await, Err(ChainError::Unsupported(_))));
    assert!(chain.requester(&unknown).await.unwrap().account.is_none());

    // When: epoch 0 of node-staking has ended, the head gives the full node's epoch view.
    let staking_config = config.account.unwrap();
    let end = staking_config.clock().end(0).unwrap();
    env.warp_to_timestamp(end + 1).await;
    let heads = chain.node_heads().await.unwrap();
    let nodes = chain.nodes().await.unwrap();
    assert_eq!(heads[0].unix_timestamp, end + 1);
    for (head, node) in heads.iter().zip(&nodes) {
        let from_head = head.account.epoch_view(&staking_config, 0, head.unix_timestamp);
        let from_node = ns::node_epoch_view(&node.account, &staking_config, 0, node.unix_timestamp);
        assert!(from_head.is_some());
        assert_eq!(from_head, from_node);
    }

    // When: an oracle votes on rewards epoch 0 through the chain (compute budget + fee).
    env.warp_to_timestamp(rewards.report_time(0)).await;
    let tree = CumulativeTree::new(vec![([7; 32], 1_000)]).expect("tree");
    let args = rewards.report_args(0, 0, &tree, [9; 32]);
    let oracle = &rewards.oracles[0];
    let budget = ComputeBudget { unit_limit: 200_000, micro_lamports_per_cu: 10 };
    let vote = vote_instructions(&oracle.pubkey(), args.clone(), budget);
    let signature = chain.send_transaction(&vote, oracle, &[]).await.expect("vote lands");

    // Then: its ReportSubmitted event comes back from the inner instructions, and the epoch
    // state is readable (and found by a scan).
    let inner = chain.inner_instructions(&signature).await.unwrap().expect("known transaction");
    let submitted: Vec<ReportSubmitted> = events(&inner, &gridmint_sdk::rewards::PROGRAM_ID);
    assert_eq!(submitted.len(), 1);
    assert_eq!((submitted[0].epoch, submitted[0].oracle), (0, oracle.pubkey()));
    assert_eq!(submitted[0].report.root, tree.root());
    let state = chain.epoch_state(0).await.unwrap().account.expect("epoch state");
    assert_eq!(state.voted_mask, 0b1);
    assert_eq!(chain.epoch_state(1).await.unwrap().account, None);
    let scanned = chain.scan(Scan::EpochStates).await.unwrap();
    assert_eq!(scanned, [gridmint_sdk::rewards::epoch_pda(0).0]);

    // When: the same oracle votes again, or closes an epoch that is still voting.
    let again = vote_instructions(&oracle.pubkey(), args, ComputeBudget::VOTE_DEFAULT);
    let err = chain.send_transaction(&again, oracle, &[]).await.unwrap_err();
    // Then: the error is decoded to the rewards program's variant name.
    let decoded = err.program_error().expect("a rewards error");
    assert_eq!((decoded.source, decoded.name.as_str()), (ErrorSource::Rewards, "AlreadyVoted"));
    let close = close_epoch_instructions(0, &oracle.pubkey(), ComputeBudget::VOTE_DEFAULT);
    let err = chain.send_transaction(&close, oracle, &[]).await.unwrap_err();
    let name = err.program_error().expect("a rewards error").name.clone();
    assert_eq!(name, "EpochNotSuperseded");
}
