//! Program logs of natively run programs reach the transaction's log messages, as on a real
//! cluster (`gridmint-native-runtime` with the patched `solana-msg`/`anchor-lang`).

use anchor_lang::Event;
use base64::{engine::general_purpose::STANDARD, Engine};
use gridmint_test_support::{
    log_probe::{self, ProbeEvent, PROBE_ERROR},
    node_staking::{spl_token, Staking},
    Env,
};
use node_staking::errors::NodeStakingError;
use solana_instruction::{error::InstructionError, Instruction};
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

async fn env_with_probe() -> Env {
    let mut pt = Env::program_test();
    let probe = log_probe::program();
    pt.add_program(probe.name, probe.id, Some(probe.entry));
    Env::start_with(pt).await
}

fn probe_ix(data: &[u8]) -> Instruction {
    Instruction { program_id: log_probe::ID, accounts: vec![], data: data.to_vec() }
}

/// The `Program data:` line `emit!` writes for `event`.
fn data_line(event: &ProbeEvent) -> String {
    format!("Program data: {}", STANDARD.encode(event.data()))
}

#[tokio::test]
async fn msg_and_emit_reach_the_transaction_logs() {
    // Given a native program that logs and emits an event
    let mut env = env_with_probe().await;

    // When it runs
    let (result, logs) = env.send_with_logs(&[probe_ix(&[0, 0, 0])], &[]).await;

    // Then its line and its event are in the transaction's logs, between one invoke and one
    // success line (as a cluster logs them, no wrapper duplicates)
    result.expect("probe succeeds");
    let line = log_probe::log_line(&[0, 0, 0]);
    let data = data_line(&ProbeEvent { data_len: 3 });
    let invoke = format!("Program {} invoke [1]", log_probe::ID);
    let success = format!("Program {} success", log_probe::ID);
    assert_eq!(logs, [invoke, line, data, success]);
}

#[tokio::test]
async fn a_failed_instruction_keeps_its_logs() {
    // Given the probe
    let mut env = env_with_probe().await;

    // When it fails
    let (result, logs) = env.send_with_logs(&[probe_ix(&[1])], &[]).await;

    // Then the error is its custom error and its logs are kept, with the failure line
    assert_eq!(
        result,
        Err(TransactionError::InstructionError(0, InstructionError::Custom(PROBE_ERROR)))
    );
    assert!(logs.contains(&log_probe::log_line(&[1])), "logs: {logs:#?}");
    assert!(logs.contains(&data_line(&ProbeEvent { data_len: 1 })), "logs: {logs:#?}");
    let failed =
        format!("Program {} failed: custom program error: {PROBE_ERROR:#x}", log_probe::ID);
    assert!(logs.contains(&failed), "logs: {logs:#?}");
}

#[tokio::test]
async fn an_anchor_error_is_logged_by_name() {
    // Given a deployment about to be initialized, and a key that is not the deploy admin
    let mut env = Env::start().await;
    let s = Staking::prepare(&mut env, spl_token(), &[]).await;
    let intruder = env.funded_keypair(1_000_000_000).await;
    let mut ix = s.initialize_ix(s.init_args());
    for meta in &mut ix.accounts {
        if meta.pubkey == s.admin.pubkey() {
            meta.pubkey = intruder.pubkey();
        }
    }

    // When it initializes
    let (result, logs) = env.send_with_logs(&[ix], &[&intruder]).await;

    // Then the logs carry Anchor's error line with the error's name, as clients parse it
    let code = u32::from(NodeStakingError::NotDeployAdmin);
    assert_eq!(result, Err(TransactionError::InstructionError(0, InstructionError::Custom(code))));
    let expected = format!("Error Code: NotDeployAdmin. Error Number: {code}.");
    assert!(
        logs.iter().any(|l| l.starts_with("Program log: AnchorError") && l.contains(&expected)),
        "logs: {logs:#?}"
    );
    // And the program's frame is logged once, as Anchor's error stack parser expects
    let invoke = format!("Program {} invoke [1]", node_staking::ID);
    assert_eq!(logs.iter().filter(|l| **l == invoke).count(), 1, "logs: {logs:#?}");
    let failed = format!("Program {} failed: custom program error: {code:#x}", node_staking::ID);
    assert_eq!(logs.last(), Some(&failed), "logs: {logs:#?}");
}
