//! A seeded randomized run over stake / request_unstake / withdraw / slash / unjail / time
//! across several operators and nodes. A model predicts every outcome (success or the exact
//! error); after every step the books are checked:
//! - the vault holds at least `total_active + total_pending` (here exactly: nobody donates),
//! - the totals equal the sums over the nodes, and every node matches the model,
//! - no token is created or lost: wallets + vault + treasury == mint supply.

use super::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

struct ModelNode {
    op: usize,
    node: TestNode,
    kind: NodeKind,
    active: u64,
    pending: u64,
    unlock_at: i64,
    jailed: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Action {
    Stake,
    RequestUnstake,
    Withdraw,
    Slash,
    Unjail,
    Warp,
}

const WALLET: u64 = 10_000_000;

async fn run(token_program: Pubkey, seed: u64, steps: usize) {
    // Given three operators with two nodes each
    let mut env = Env::start().await;
    let s = Staking::start_with(&mut env, token_program).await;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut ops = Vec::new();
    for _ in 0..3 {
        ops.push(s.operator(&mut env, WALLET).await);
    }
    let kinds = [NodeKind::Compute, NodeKind::Energy, NodeKind::Hybrid];
    let mut nodes: Vec<ModelNode> = Vec::new();
    for (op, operator) in ops.iter().enumerate() {
        for _ in 0..2 {
            let kind = kinds[rng.gen_range(0..kinds.len())];
            let stake = MIN_STAKE[kind_index(kind)] + rng.gen_range(0..20_000);
            let node = s.register(&mut env, operator, kind, stake).await;
            nodes.push(ModelNode {
                op,
                node,
                kind,
                active: stake,
                pending: 0,
                unlock_at: 0,
                jailed: false,
            });
        }
    }
    let supply = env.mint_supply(&s.stake_mint).await;
    let mut outcomes: std::collections::BTreeMap<(String, bool), u32> = Default::default();

    for step in 0..steps {
        // When a random operation is sent
        let action = match rng.gen_range(0..100) {
            0..=24 => Action::Stake,
            25..=49 => Action::RequestUnstake,
            50..=64 => Action::Withdraw,
            65..=74 => Action::Slash,
            75..=84 => Action::Unjail,
            _ => Action::Warp,
        };
        let i = rng.gen_range(0..nodes.len());
        let now = env.now().await;
        let (result, expected): (Result<(), String>, Result<(), u32>) = {
            let m = &mut nodes[i];
            let op = &ops[m.op];
            match action {
                Action::Stake => {
                    let amount = rng.gen_range(1..=3_000);
                    let ix = sdk::stake(&op.pubkey(), m.node.node_id, &s.tokens(op), amount);
                    let expected = if m.jailed { Err(E::NodeJailed.into()) } else { Ok(()) };
                    if expected.is_ok() {
                        m.active += amount;
                    }
                    (send(&mut env, ix, &[&op.keypair]).await, expected)
                }
                Action::RequestUnstake => {
                    // Sometimes everything, sometimes too much, mostly a part.
                    let amount = match rng.gen_range(0..10) {
                        0 => m.active,
                        1 => m.active + 1,
                        _ => rng.gen_range(0..=m.active.max(1)),
                    };
                    let ix = sdk::request_unstake(&op.pubkey(), m.node.node_id, amount);
                    let min = MIN_STAKE[kind_index(m.kind)];
                    let expected = if amount == 0 {
                        Err(E::ZeroAmount.into())
                    } else if amount > m.active {
                        Err(E::InsufficientActiveStake.into())
                    } else if m.active - amount != 0 && m.active - amount < min {
                        Err(E::RemainingStakeBelowMinimum.into())
                    } else {
                        m.active -= amount;
                        m.pending += amount;
                        m.unlock_at = m.unlock_at.max(now + UNBONDING_SECONDS);
                        Ok(())
                    };
                    (send(&mut env, ix, &[&op.keypair]).await, expected)
                }
                Action::Withdraw => {
                    let ix = sdk::withdraw(&op.pubkey(), m.node.node_id, &s.tokens(op));
                    let expected = if m.pending == 0 {
                        Err(E::NothingToWithdraw.into())
                    } else if now < m.unlock_at {
                        Err(E::StillUnbonding.into())
                    } else {
                        m.pending = 0;
                        Ok(())
                    };
                    (send(&mut env, ix, &[&op.keypair]).await, expected)
                }
                Action::Slash => {
                    let total = m.active + m.pending;
                    let amount = rng.gen_range(1..=total + 5);
                    let ix = sdk::slash(
                        &s.slash_authority.pubkey(),
                        m.node.node_id,
                        &s.slash_tokens(),
                        amount,
                        9,
                    );
                    let expected = if amount > total {
                        Err(E::SlashExceedsStake.into())
                    } else {
                        let from_active = amount.min(m.active);
                        m.active -= from_active;
                        m.pending -= amount - from_active;
                        m.jailed = true;
                        Ok(())
                    };
                    (send(&mut env, ix, &[&s.slash_authority]).await, expected)
                }
                Action::Unjail => {
                    let ix = sdk::unjail(&s.authority.pubkey(), m.node.node_id);
                    let expected = if m.jailed { Ok(()) } else { Err(E::NodeNotJailed.into()) };
                    m.jailed = false;
                    (send(&mut env, ix, &[&s.authority]).await, expected)
                }
                Action::Warp => {
                    env.warp_seconds(rng.gen_range(1..=UNBONDING_SECONDS / 3)).await;
                    (Ok(()), Ok(()))
                }
            }
        };
        // Then the program did what the model predicts
        let got = result.map_err(|e| {
            e.parse::<u32>().unwrap_or_else(|_| panic!("step {step}: non-custom error {e}"))
        });
        assert_eq!(got, expected, "step {step}: {action:?} on node {i}");
        *outcomes.entry((format!("{action:?}"), expected.is_ok())).or_default() += 1;

        // And the books balance
        check_books(&mut env, &s, &ops, &nodes, supply, step).await;
    }
    // And the run exercised successes and failures of every kind of operation
    for action in ["Stake", "RequestUnstake", "Withdraw", "Slash", "Unjail"] {
        assert!(
            outcomes.get(&(action.to_string(), true)).copied().unwrap_or(0) > 0,
            "{action} never succeeded: {outcomes:?}"
        );
    }
    for action in ["RequestUnstake", "Withdraw", "Slash"] {
        assert!(
            outcomes.get(&(action.to_string(), false)).copied().unwrap_or(0) > 0,
            "{action} never failed: {outcomes:?}"
        );
    }
}

fn kind_index(kind: NodeKind) -> usize {
    match kind {
        NodeKind::Compute => 0,
        NodeKind::Energy => 1,
        NodeKind::Hybrid => 2,
    }
}

/// Sends and reduces the error to its custom code as a string (or the whole error).
async fn send(env: &mut Env, ix: Ix, signers: &[&Keypair]) -> Result<(), String> {
    let result = env.send(&[ix], signers).await;
    match custom_error(&result) {
        Some(code) => Err(code.to_string()),
        None => result.map_err(|e| format!("{e:?}")),
    }
}

async fn check_books(
    env: &mut Env,
    s: &Staking,
    ops: &[Operator],
    nodes: &[ModelNode],
    supply: u64,
    step: usize,
) {
    let config = s.config_state(env).await;
    let vault = s.vault_balance(env).await;
    let (mut active, mut pending) = (0u64, 0u64);
    for m in nodes {
        let chain = s.node_state(env, m.node.node_id).await;
        assert_eq!(
            (chain.active_stake, chain.pending_stake, chain.jailed),
            (m.active, m.pending, m.jailed),
            "step {step}: node {} differs from the model",
            m.node.node_id
        );
        if m.pending > 0 {
            assert_eq!(chain.unlock_at, m.unlock_at, "step {step}: unlock time");
        }
        active += chain.active_stake;
        pending += chain.pending_stake;
    }
    assert_eq!(
        (config.total_active, config.total_pending),
        (active, pending),
        "step {step}: totals"
    );
    assert!(vault >= active + pending, "step {step}: vault {vault} below stake");
    assert_eq!(vault, active + pending, "step {step}: nobody donated, so the vault is exact");
    let mut wallets = 0;
    for op in ops {
        wallets += env.token_balance(&op.token).await;
    }
    let treasury = env.token_balance(&s.treasury).await;
    assert_eq!(treasury, config.total_slashed, "step {step}: treasury");
    assert_eq!(wallets + vault + treasury, supply, "step {step}: tokens created or lost");
    assert_eq!(env.mint_supply(&s.stake_mint).await, supply, "step {step}: supply");
}

#[tokio::test]
async fn randomized_spl_token_keeps_the_books() {
    run(spl_token(), 0x6d1d_2026, 300).await;
}

#[tokio::test]
async fn randomized_token_2022_keeps_the_books() {
    run(token_2022(), 0x2022_0002, 120).await;
}
