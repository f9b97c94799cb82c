//! Fraud proofs against node-staking (`docs/PROTOCOL.md` §7): Ed25519 precompile
//! instructions carrying device-signed readings, the evidence PDA, and `report_fraud`.
//!
//! A fraud-proof transaction is `[ed25519(first), ed25519(second), report_fraud]` (see
//! [`report_fraud_transaction`]); the program reads both readings back through the
//! instructions sysvar. Each Ed25519 instruction carries exactly one signature with all its
//! data inside itself.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{InstructionData, ToAccountMetas};
use gridmint_protocol::ed25519::{self, Ed25519Error};
use gridmint_protocol::fraud::{canonical_cmp, evidence_hash};
use gridmint_protocol::messages::EnergyReading;
use node_staking::state::seeds;
use node_staking::{accounts, instruction};

pub use node_staking::instructions::report_fraud::ReportFraudArgs;
pub use node_staking::state::{FraudEvidence, FraudKind};

use crate::node_staking::{
    config_address, device_binding_pda, event_authority_pda, node_pda, vault_pda, PROGRAM_ID,
};

/// An Ed25519 precompile instruction verifying `signature` by `public_key` over `message`,
/// everything inside the instruction itself (the only layout the program accepts).
pub fn ed25519_instruction(
    public_key: &[u8; 32],
    signature: &[u8; 64],
    message: &[u8],
) -> Result<Instruction, Ed25519Error> {
    Ok(Instruction {
        program_id: solana_sdk_ids::ed25519_program::ID,
        accounts: vec![],
        data: ed25519::instruction_data(public_key, signature, message)?,
    })
}

/// A reading together with its device signature, as it travels from device to oracle to a
/// fraud proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedReading {
    pub reading: EnergyReading,
    pub device_key: Pubkey,
    pub signature: [u8; 64],
}

impl SignedReading {
    /// The Ed25519 precompile instruction proving this reading's signature.
    pub fn ed25519_instruction(&self) -> Instruction {
        ed25519_instruction(&self.device_key.to_bytes(), &self.signature, &self.reading.encode())
            .expect("an 81-byte message fits the precompile's u16 size field")
    }
}

/// Orders two readings canonically (by sequence, then bytes), as `report_fraud` requires.
pub fn canonical_pair<'a>(
    x: &'a SignedReading,
    y: &'a SignedReading,
) -> (&'a SignedReading, &'a SignedReading) {
    if canonical_cmp(&y.reading, &x.reading).is_lt() {
        (y, x)
    } else {
        (x, y)
    }
}

/// The evidence hash of a pair (either order).
pub fn pair_hash(a: &SignedReading, b: &SignedReading) -> [u8; 32] {
    evidence_hash(&a.device_key.to_bytes(), &a.reading, &b.reading)
}

/// The evidence record `[EVIDENCE, config, evidence_hash]`.
pub fn evidence_pda(config: &Pubkey, hash: &[u8; 32]) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[seeds::EVIDENCE, config.as_ref(), hash], &PROGRAM_ID)
}

/// The token accounts `report_fraud` moves the penalty with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FraudTokens {
    pub stake_mint: Pubkey,
    pub token_program: Pubkey,
    pub treasury: Pubkey,
    /// The reporter's own token account of the stake mint (receives the bounty).
    pub reporter_token: Pubkey,
}

/// `report_fraud` alone, with the Ed25519 instructions of `first` and `second` (in that
/// order, the canonical one) expected at `first_ix` and `second_ix` of the transaction. The
/// device binding and the evidence PDA are derived from `first`'s key and the pair.
pub fn report_fraud(
    reporter: &Pubkey,
    node_id: u64,
    tokens: &FraudTokens,
    first: &SignedReading,
    second: &SignedReading,
    args: ReportFraudArgs,
) -> Instruction {
    let config = config_address();
    let hash = pair_hash(first, second);
    Instruction {
        program_id: PROGRAM_ID,
        accounts: accounts::ReportFraud {
            reporter: *reporter,
            config,
            node: node_pda(&config, node_id).0,
            device_binding: device_binding_pda(&config, &first.device_key).0,
            evidence: evidence_pda(&config, &hash).0,
            stake_mint: tokens.stake_mint,
            vault: vault_pda(&config).0,
            treasury: tokens.treasury,
            reporter_token: tokens.reporter_token,
            token_program: tokens.token_program,
            instructions: solana_sdk_ids::sysvar::instructions::ID,
            system_program: solana_sdk_ids::system_program::ID,
            event_authority: event_authority_pda().0,
            program: PROGRAM_ID,
        }
        .to_account_metas(None),
        data: instruction::ReportFraud { args }.data(),
    }
}

/// The three instructions of a fraud-proof transaction: the two Ed25519 instructions (pair
/// put in canonical order) at indices 0 and 1, then `report_fraud`.
pub fn report_fraud_transaction(
    reporter: &Pubkey,
    node_id: u64,
    tokens: &FraudTokens,
    x: &SignedReading,
    y: &SignedReading,
) -> [Instruction; 3] {
    let (first, second) = canonical_pair(x, y);
    [
        first.ed25519_instruction(),
        second.ed25519_instruction(),
        report_fraud(
            reporter,
            node_id,
            tokens,
            first,
            second,
            ReportFraudArgs { first_ix: 0, second_ix: 1 },
        ),
    ]
}

/// Decodes a `FraudEvidence` account.
pub fn decode_evidence(data: &[u8]) -> anchor_lang::Result<FraudEvidence> {
    crate::node_staking::decode_account(data)
}
