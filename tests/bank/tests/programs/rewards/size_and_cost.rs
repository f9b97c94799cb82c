//! Size and cost: the claim transaction at depth 20 (1,000,000 recipients) as a legacy
//! transaction and, with compute-budget instructions, as a v0 transaction with an address
//! lookup table — both built with the SDK's builder and actually executed; the per-epoch
//! transaction count; and the rent-exempt cost of every account type both programs create.

use std::borrow::Cow;

use super::prelude::*;
use anchor_lang::Space;
use gridmint_protocol::merkle::{leaf_hash, max_proof_len, root_from_proof, Hash32};
use gridmint_sdk::rewards::ClaimableRoot;
use solana_account::Account;
use solana_address_lookup_table_interface::state::{AddressLookupTable, LookupTableMeta};
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_message::{v0, AddressLookupTableAccount, VersionedMessage};
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction::Transaction;

/// The wire limit of a transaction (IPv6 MTU minus headers).
const PACKET_DATA_SIZE: usize = 1_232;
/// 2^20 = 1,048,576 ≥ 1,000,000 recipients.
const DEPTH: usize = 20;
/// Size of an SPL Token account (`spl_token::state::Account::LEN`; Token-2022 adds extensions).
const TOKEN_ACCOUNT_LEN: usize = 165;

fn legacy_size(tx: &Transaction) -> usize {
    // compact-u16 signature count (1 byte below 128) + signatures + message.
    1 + 64 * tx.signatures.len() + tx.message.serialize().len()
}

fn versioned_size(tx: &VersionedTransaction) -> usize {
    1 + 64 * tx.signatures.len() + tx.message.serialize().len()
}

/// A deployment whose claimable ring holds a root with a depth-20 proof for `recipient`.
async fn depth_20_root(
    env: &mut Env,
    recipient: &Pubkey,
    cumulative: u64,
    root_total: u64,
) -> Vec<Hash32> {
    assert_eq!(max_proof_len(1_000_000), DEPTH as u32);
    // The proof's content does not change its size; its root is injected as claimable, so
    // the program really verifies all 20 levels.
    let proof: Vec<Hash32> = (0..DEPTH)
        .map(|i| [u8::try_from(i).unwrap().wrapping_mul(37).wrapping_add(1); 32])
        .collect();
    let root = root_from_proof(leaf_hash(&recipient.to_bytes(), cumulative), &proof);
    let mut config = env.rewards_config().await;
    config.claimable.push(ClaimableRoot { epoch: 0, root, cumulative_total: root_total });
    config.next_epoch = 1;
    config.last_final_total = root_total;
    env.set_anchor_account(&sdk::config_address(), &config, &rewards::ID).await;
    proof
}

#[tokio::test]
async fn claim_transaction_fits_legacy_and_v0_with_lookup_table() {
    let (mut env, rewards) = setup().await;
    let payer = env.payer();
    let recipient = Pubkey::new_unique();
    let proof = depth_20_root(&mut env, &recipient, 777, 777).await;

    // Legacy: ATA create_idempotent + claim with a depth-20 proof, from the SDK's builder.
    let ixs = sdk::claim_to_ata(
        &payer.pubkey(),
        &recipient,
        &rewards.reward_mint,
        &rewards.token_program,
        777,
        proof.clone(),
    );
    let legacy = env.transaction(&ixs, &[]).await;
    let legacy_bytes = legacy_size(&legacy);
    assert!(legacy_bytes <= PACKET_DATA_SIZE, "legacy claim is {legacy_bytes} bytes");
    env.ctx.banks_client.process_transaction(legacy).await.expect("legacy depth-20 claim executes");
    assert_eq!(env.reward_balance(&rewards, &recipient).await, 777);

    // The same with compute-budget instructions, as legacy (for the table) and as v0 with a
    // lookup table of the accounts every claim shares.
    let recipient2 = Pubkey::new_unique();
    // The root's total covers both claims (the per-root cap counts every claim so far).
    let proof2 = depth_20_root(&mut env, &recipient2, 555, 777 + 555).await;
    let mut budgeted = vec![
        ComputeBudgetInstruction::set_compute_unit_limit(60_000),
        ComputeBudgetInstruction::set_compute_unit_price(10_000),
    ];
    budgeted.extend(sdk::claim_to_ata(
        &payer.pubkey(),
        &recipient2,
        &rewards.reward_mint,
        &rewards.token_program,
        555,
        proof2,
    ));
    let legacy_budgeted_bytes = legacy_size(&env.transaction(&budgeted, &[]).await);

    let shared = vec![
        sdk::config_address(),
        sdk::mint_authority_pda().0,
        sdk::event_authority_pda().0,
        sdk::PROGRAM_ID,
        rewards.reward_mint,
        rewards.token_program,
        solana_sdk_ids::system_program::ID,
        spl_associated_token_account_interface::program::ID,
        solana_sdk_ids::compute_budget::ID,
    ];
    let table_key = Pubkey::new_unique();
    let table = AddressLookupTable {
        meta: LookupTableMeta::default(),
        addresses: Cow::Borrowed(shared.as_slice()),
    };
    let data = table.serialize_for_tests().expect("lookup table");
    let rent = env.ctx.banks_client.get_rent().await.unwrap();
    env.set_raw_account(
        &table_key,
        Account {
            lamports: rent.minimum_balance(data.len()),
            data,
            owner: solana_sdk_ids::address_lookup_table::ID,
            executable: false,
            rent_epoch: 0,
        },
    );
    env.warp_seconds(1).await; // the table must predate the slot that uses it
    let blockhash = env.ctx.get_new_latest_blockhash().await.unwrap();
    let message = v0::Message::try_compile(
        &payer.pubkey(),
        &budgeted,
        &[AddressLookupTableAccount { key: table_key, addresses: shared.clone() }],
        blockhash,
    )
    .expect("v0 message");
    let v0_tx =
        VersionedTransaction::try_new(VersionedMessage::V0(message), &[&payer]).expect("sign v0");
    let v0_bytes = versioned_size(&v0_tx);
    assert!(v0_bytes <= PACKET_DATA_SIZE, "v0 claim is {v0_bytes} bytes");
    env.ctx.banks_client.process_transaction(v0_tx).await.expect("v0 depth-20 claim executes");
    assert_eq!(env.reward_balance(&rewards, &recipient2).await, 555);

    println!("\nclaim transaction sizes (depth-20 proof = 1,000,000 recipients; limit {PACKET_DATA_SIZE} bytes)");
    println!("| transaction | bytes | headroom |");
    println!("|---|---:|---:|");
    println!(
        "| legacy: ATA create_idempotent + claim | {legacy_bytes} | {} |",
        PACKET_DATA_SIZE as i64 - legacy_bytes as i64
    );
    println!(
        "| legacy: + 2 compute-budget ixs | {legacy_budgeted_bytes} | {} |",
        PACKET_DATA_SIZE as i64 - legacy_budgeted_bytes as i64
    );
    println!(
        "| v0 + lookup table: + 2 compute-budget ixs | {v0_bytes} | {} |",
        PACKET_DATA_SIZE as i64 - v0_bytes as i64
    );
}

#[tokio::test]
async fn per_epoch_transactions_do_not_depend_on_the_number_of_nodes() {
    // Given reports for 1 and for 1,000,000 recipients (the root is 32 bytes either way)
    let (mut env, rewards) = setup().await;
    let oracle = &rewards.oracles[0];
    let report = |count: u64| SubmitReportArgs {
        epoch: 0,
        round: 0,
        root: [1; 32],
        cumulative_total: 1,
        recipient_count: count,
        manifest_hash: [2; 32],
    };
    let small = legacy_size(
        &env.transaction(&[sdk::submit_report(&oracle.pubkey(), report(1))], &[oracle]).await,
    );
    let large = legacy_size(
        &env.transaction(&[sdk::submit_report(&oracle.pubkey(), report(1_000_000))], &[oracle])
            .await,
    );
    // Then every vote is the same fixed-size transaction, and an epoch takes M of them
    assert_eq!(small, large);
    env.advance_to(rewards.report_time(0)).await;
    let mut votes = 0;
    for o in &rewards.oracles {
        env.submit_report(o, report(1_000_000)).await.unwrap();
        votes += 1;
        if env.epoch_state(0).await.unwrap().status == EpochStatus::Final {
            break;
        }
    }
    assert_eq!(votes, usize::from(rewards.threshold));
    println!("\nper-epoch on-chain transactions (independent of nodes and recipients)");
    println!("| transaction | count per epoch | bytes |");
    println!("|---|---:|---:|");
    println!(
        "| submit_report | M..N (here {}..{}) | {small} |",
        rewards.threshold,
        rewards.oracles.len()
    );
    println!("| open_round / veto_epoch | only after a split or a veto | fixed |");
    println!("| close_epoch | 1 (any time later) | fixed |");
}

#[tokio::test]
async fn rent_exempt_cost_of_every_account_type() {
    let env = Env::start().await;
    let rent = env.ctx.banks_client.get_rent().await.unwrap();
    let token_account = TOKEN_ACCOUNT_LEN;
    let rows: Vec<(&str, &str, usize)> = vec![
        ("rewards", "Config (singleton)", 8 + rewards::state::Config::INIT_SPACE),
        ("rewards", "EpochState (per epoch, closable)", 8 + rewards::state::EpochState::INIT_SPACE),
        ("rewards", "ClaimStatus (per recipient)", 8 + rewards::state::ClaimStatus::INIT_SPACE),
        ("ATA program (claim tx)", "recipient token account (SPL Token)", token_account),
        ("node-staking", "Config (singleton)", 8 + node_staking::state::Config::INIT_SPACE),
        ("node-staking", "Node (per node)", 8 + node_staking::state::Node::INIT_SPACE),
        (
            "node-staking",
            "DeviceBinding (per device key)",
            8 + node_staking::state::DeviceBinding::INIT_SPACE,
        ),
        (
            "node-staking",
            "FraudEvidence (per proven fraud)",
            8 + node_staking::state::FraudEvidence::INIT_SPACE,
        ),
        (
            "node-staking",
            "Requester (per compute-work requester)",
            8 + node_staking::state::Requester::INIT_SPACE,
        ),
        ("node-staking", "stake vault (SPL Token account)", token_account),
    ];
    println!("\nrent-exempt minimum per account type");
    println!("| program | account | bytes | lamports | SOL |");
    println!("|---|---|---:|---:|---:|");
    for (program, account, size) in &rows {
        let lamports = rent.minimum_balance(*size);
        assert!(lamports > 0);
        println!("| {program} | {account} | {size} | {lamports} | {:.6} |", lamports as f64 / 1e9);
    }
    // The rewards sizes docs/rewards.md lists (Config: 80-byte current parameter set plus an
    // optional 88-byte scheduled one).
    assert_eq!(8 + rewards::state::Config::INIT_SPACE, 1_478);
    assert_eq!(8 + rewards::state::EpochState::INIT_SPACE, 808);
    assert_eq!(8 + rewards::state::ClaimStatus::INIT_SPACE, 105);
    assert_eq!(rewards::state::Params::INIT_SPACE, 80);
    // Bounded sizes: no account grows with the number of nodes, epochs or claims.
    const { assert!(8 + rewards::state::Config::INIT_SPACE < 10_240) };
    const { assert!(8 + rewards::state::EpochState::INIT_SPACE < 1_024) };
    const { assert!(8 + rewards::state::ClaimStatus::INIT_SPACE < 128) };
    const { assert!(8 + node_staking::state::Node::INIT_SPACE < 1_024) };
}
