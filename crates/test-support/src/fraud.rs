//! Fixtures for fraud-proof tests: device-signed readings, reporters and the `report_fraud`
//! transaction.

use anchor_lang::prelude::Pubkey;
use gridmint_protocol::messages::EnergyReading;
use gridmint_sdk::fraud::{self as sdk, FraudTokens, SignedReading};
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
pub use solana_transaction_error::TransactionError;

use crate::node_staking::{Operator, Staking};
use crate::Env;

/// An energy reading for `node_id` on the deployment of `s` (consumed counter 0).
pub fn reading(
    s: &Staking,
    node_id: u64,
    sequence: u64,
    timestamp: i64,
    produced_wh: u64,
) -> EnergyReading {
    EnergyReading {
        deployment: s.config.to_bytes(),
        node_id,
        sequence,
        timestamp,
        produced_wh,
        consumed_wh: 0,
    }
}

/// Signs `reading` with `device` (the bytes of `EnergyReading::encode`).
pub fn sign(device: &Keypair, reading: EnergyReading) -> SignedReading {
    let signature = device.sign_message(&reading.encode());
    let signature: [u8; 64] = signature.as_ref().try_into().expect("64-byte signature");
    SignedReading { reading, device_key: device.pubkey(), signature }
}

/// The accounts `report_fraud` pays with, for a reporter whose stake-mint account is
/// `reporter_token`.
pub fn fraud_tokens(s: &Staking, reporter_token: &Pubkey) -> FraudTokens {
    FraudTokens {
        stake_mint: s.stake_mint,
        token_program: s.token_program,
        treasury: s.treasury,
        reporter_token: *reporter_token,
    }
}

/// The three instructions of a fraud proof (`[ed25519, ed25519, report_fraud]`), the pair
/// put in canonical order.
pub fn report_ixs(
    s: &Staking,
    reporter: &Operator,
    node_id: u64,
    x: &SignedReading,
    y: &SignedReading,
) -> [Instruction; 3] {
    sdk::report_fraud_transaction(
        &reporter.pubkey(),
        node_id,
        &fraud_tokens(s, &reporter.token),
        x,
        y,
    )
}

/// Like [`report_ixs`] but keeps the pair in the order given (to test a swapped pair).
pub fn report_ixs_as_given(
    s: &Staking,
    reporter: &Operator,
    node_id: u64,
    first: &SignedReading,
    second: &SignedReading,
) -> [Instruction; 3] {
    [
        first.ed25519_instruction(),
        second.ed25519_instruction(),
        sdk::report_fraud(
            &reporter.pubkey(),
            node_id,
            &fraud_tokens(s, &reporter.token),
            first,
            second,
            sdk::ReportFraudArgs { first_ix: 0, second_ix: 1 },
        ),
    ]
}

/// Sends a fraud proof of the pair (canonical order) signed by the reporter.
pub async fn report(
    env: &mut Env,
    s: &Staking,
    reporter: &Operator,
    node_id: u64,
    x: &SignedReading,
    y: &SignedReading,
) -> Result<(), TransactionError> {
    let ixs = report_ixs(s, reporter, node_id, x, y);
    env.send(&ixs, &[&reporter.keypair]).await
}

/// The evidence record address of a pair.
pub fn evidence_address(s: &Staking, x: &SignedReading, y: &SignedReading) -> Pubkey {
    sdk::evidence_pda(&s.config, &sdk::pair_hash(x, y)).0
}
