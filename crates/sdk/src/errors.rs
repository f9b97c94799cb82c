//! Names of the custom error codes a failed GridMint transaction carries: each program's own
//! errors (`6000 + n` → variant `n` of its `#[error_code]` enum) and Anchor's framework errors
//! (`100..6000`, shared by both programs), with their messages.
//!
//! [`decode_error`] is the pure lookup; [`program_error`] finds the failing instruction and
//! its code in a [`TransactionError`] and resolves which program raised it.

mod anchor;
mod node_staking;
mod rewards;

use anchor_lang::prelude::Pubkey;
use solana_instruction::error::InstructionError;
use solana_transaction_error::TransactionError;

/// Which error table a code belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorSource {
    NodeStaking,
    Rewards,
    /// Anchor's framework (`anchor_lang::error::ErrorCode`), raised inside either program.
    Anchor,
}

/// A decoded custom error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramError {
    pub source: ErrorSource,
    pub code: u32,
    /// The enum variant's name, e.g. `"NotAuthority"`.
    pub name: String,
    /// Its `#[msg]` text.
    pub message: String,
}

impl std::fmt::Display for ProgramError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}::{} ({}): {}", self.source, self.name, self.code, self.message)
    }
}

/// The error of `code` raised by `program` (`None`: unknown program, then the program's own
/// range is tried for both). Codes below 6000 are Anchor framework errors. `None` when no
/// table has the code.
pub fn decode_error(program: Option<&Pubkey>, code: u32) -> Option<ProgramError> {
    let offset = anchor_lang::error::ERROR_CODE_OFFSET;
    if code < offset {
        let e = anchor::VARIANTS.iter().find(|e| u32::from(**e) == code)?;
        return Some(ProgramError {
            source: ErrorSource::Anchor,
            code,
            name: e.name(),
            message: e.to_string(),
        });
    }
    let index = usize::try_from(code - offset).ok()?;
    let staking = || {
        node_staking::VARIANTS
            .get(index)
            .map(|e| (ErrorSource::NodeStaking, e.name(), e.to_string()))
    };
    let rewards =
        || rewards::VARIANTS.get(index).map(|e| (ErrorSource::Rewards, e.name(), e.to_string()));
    let (source, name, message) = match program {
        Some(p) if *p == ::node_staking::ID => staking()?,
        Some(p) if *p == ::rewards::ID => rewards()?,
        Some(_) => return None,
        // Ambiguous without the program: prefer node-staking, as the first program listed.
        None => staking().or_else(rewards)?,
    };
    Some(ProgramError { source, code, name, message })
}

/// The custom error of a failed transaction and the index of the failing instruction.
pub fn custom_error_code(err: &TransactionError) -> Option<(u8, u32)> {
    match err {
        TransactionError::InstructionError(index, InstructionError::Custom(code)) => {
            Some((*index, *code))
        }
        _ => None,
    }
}

/// The decoded custom error of a failed transaction whose instructions were
/// `program_ids` (in order, as sent): the failing instruction's program picks the table.
pub fn program_error(err: &TransactionError, program_ids: &[Pubkey]) -> Option<ProgramError> {
    let (index, code) = custom_error_code(err)?;
    let program = program_ids.get(usize::from(index));
    // Precompiles and system programs have their own small codes: only ours are decoded.
    match program {
        Some(p) if *p == ::node_staking::ID || *p == ::rewards::ID => decode_error(Some(p), code),
        Some(_) => None,
        None => decode_error(None, code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::node_staking::errors::NodeStakingError;
    use ::rewards::errors::RewardsError;

    /// Variant names of the `#[error_code]` enum in a source file, in order.
    fn source_variants(src: &str, enum_decl: &str) -> Vec<String> {
        let body = &src[src.find(enum_decl).expect("enum")..];
        let body = &body[..body.find("\n}").expect("end of enum")];
        body.lines()
            .filter_map(|l| l.strip_prefix("    ").and_then(|l| l.strip_suffix(',')))
            .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn tables_cover_every_variant() {
        let staking_src = include_str!("../../../programs/node-staking/src/errors.rs");
        let names: Vec<String> = node_staking::VARIANTS.iter().map(|e| e.name()).collect();
        assert_eq!(names, source_variants(staking_src, "pub enum NodeStakingError"));
        let rewards_src = include_str!("../../../programs/rewards/src/errors.rs");
        let names: Vec<String> = rewards::VARIANTS.iter().map(|e| e.name()).collect();
        assert_eq!(names, source_variants(rewards_src, "pub enum RewardsError"));
        // Index n is code 6000 + n (declaration order is code order).
        for (n, e) in node_staking::VARIANTS.iter().enumerate() {
            assert_eq!(u32::from(*e), 6000 + u32::try_from(n).unwrap());
        }
        for (n, e) in rewards::VARIANTS.iter().enumerate() {
            assert_eq!(u32::from(*e), 6000 + u32::try_from(n).unwrap());
        }
    }

    #[test]
    fn decodes_program_and_framework_codes() {
        let code = u32::from(RewardsError::NotAuthority);
        let e = decode_error(Some(&::rewards::ID), code).unwrap();
        assert_eq!((e.source, e.name.as_str()), (ErrorSource::Rewards, "NotAuthority"));
        assert_eq!(e.message, "Signer is not the config authority");
        let code = u32::from(NodeStakingError::Paused);
        let e = decode_error(Some(&::node_staking::ID), code).unwrap();
        assert_eq!((e.source, e.name.as_str()), (ErrorSource::NodeStaking, "Paused"));
        let e = decode_error(None, 2006).unwrap();
        assert_eq!((e.source, e.name.as_str()), (ErrorSource::Anchor, "ConstraintSeeds"));
        assert_eq!(decode_error(Some(&::rewards::ID), 6000 + 10_000), None);
        assert_eq!(decode_error(Some(&Pubkey::new_unique()), 6000), None);
    }

    #[test]
    fn finds_the_failing_instruction_program() {
        let err = TransactionError::InstructionError(1, InstructionError::Custom(6001));
        let ids = [solana_sdk_ids::compute_budget::ID, ::rewards::ID];
        assert_eq!(program_error(&err, &ids).unwrap().name, "NotAuthority");
        let ids = [::rewards::ID, solana_sdk_ids::compute_budget::ID];
        assert_eq!(program_error(&err, &ids), None);
    }
}
