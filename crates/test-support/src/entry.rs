//! Native entry points for the programs.
//!
//! Anchor's generated `entry` ties all arguments to one `'info` lifetime, while the runtime's
//! `ProcessInstruction` wants independent ones (anchor issues #2738/#2841). The account slice
//! and data outlive the call, so only the lifetimes are changed here, nothing else.

use anchor_lang::{prelude::Pubkey, solana_program::account_info::AccountInfo};
use solana_program_runtime::invoke_context::BuiltinFunctionWithContext;
use solana_program_test::processor;

type ProgramResult = Result<(), anchor_lang::prelude::ProgramError>;

fn node_staking_entry<'a, 'b, 'c, 'd>(
    program_id: &'a Pubkey,
    accounts: &'b [AccountInfo<'c>],
    data: &'d [u8],
) -> ProgramResult {
    // SAFETY: lifetimes only; the runtime keeps all three alive for the whole call.
    let (program_id, accounts, data): (&'c Pubkey, &'c [AccountInfo<'c>], &'c [u8]) =
        unsafe { std::mem::transmute((program_id, accounts, data)) };
    node_staking::entry(program_id, accounts, data)
}

fn rewards_entry<'a, 'b, 'c, 'd>(
    program_id: &'a Pubkey,
    accounts: &'b [AccountInfo<'c>],
    data: &'d [u8],
) -> ProgramResult {
    // SAFETY: lifetimes only; the runtime keeps all three alive for the whole call.
    let (program_id, accounts, data): (&'c Pubkey, &'c [AccountInfo<'c>], &'c [u8]) =
        unsafe { std::mem::transmute((program_id, accounts, data)) };
    rewards::entry(program_id, accounts, data)
}

/// One of GridMint's programs, ready to be registered as a builtin.
pub struct NativeProgram {
    pub name: &'static str,
    pub id: Pubkey,
    pub entry: BuiltinFunctionWithContext,
}

/// Both GridMint programs with their native entry points.
pub fn native_programs() -> [NativeProgram; 2] {
    let staking: Option<BuiltinFunctionWithContext> = processor!(node_staking_entry);
    let rewards: Option<BuiltinFunctionWithContext> = processor!(rewards_entry);
    [
        NativeProgram {
            name: "node_staking",
            id: node_staking::ID,
            entry: staking.expect("processor! yields Some"),
        },
        NativeProgram {
            name: "rewards",
            id: rewards::ID,
            entry: rewards.expect("processor! yields Some"),
        },
    ]
}
