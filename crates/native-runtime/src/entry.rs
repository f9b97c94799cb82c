//! Native entry points for the programs.
//!
//! Anchor's generated `entry` ties all arguments to one `'info` lifetime, while the runtime's
//! `ProcessInstruction` wants independent ones (anchor issues #2738/#2841). The account slice
//! and data outlive the call, so only the lifetimes are changed here, nothing else.

use anchor_lang::{prelude::Pubkey, solana_program::account_info::AccountInfo};
use solana_program_runtime::invoke_context::BuiltinFunctionWithContext;

type ProgramResult = Result<(), anchor_lang::prelude::ProgramError>;

/// Like solana-program-test's `processor!`, plus program logs routed into the transaction's
/// log messages for the duration of the call, without the wrapper's duplicate frame lines
/// (see [`crate::logs`]).
#[macro_export]
macro_rules! routed_processor {
    ($entry:expr) => {{
        let builtin: $crate::__private::BuiltinFunctionWithContext =
            |vm, _arg0, _arg1, _arg2, _arg3, _arg4| {
                use $crate::__private as rt;
                // SAFETY: as in `processor!`: the runtime passes the VM's context pointer
                // offset by the environment key; undo the offset to reach the VM.
                let vm = unsafe {
                    &mut *((vm as *mut u64).offset(-(rt::get_runtime_environment_key() as isize))
                        as *mut rt::EbpfVm<rt::InvokeContext>)
                };
                let collector = vm.context_object_pointer.get_log_collector();
                vm.program_result = $crate::logs::routed(collector, || {
                    rt::invoke_builtin_function($entry, vm.context_object_pointer)
                })
                .map_err(rt::EbpfError::SyscallError)
                .into();
            };
        builtin
    }};
}

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

/// A program ready to be registered as a builtin.
#[derive(Clone, Copy)]
pub struct NativeProgram {
    pub name: &'static str,
    pub id: Pubkey,
    pub entry: BuiltinFunctionWithContext,
}

impl std::fmt::Debug for NativeProgram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeProgram").field("name", &self.name).field("id", &self.id).finish()
    }
}

/// Both GridMint programs with their native entry points.
pub fn native_programs() -> [NativeProgram; 2] {
    [
        NativeProgram {
            name: "node_staking",
            id: node_staking::ID,
            entry: routed_processor!(node_staking_entry),
        },
        NativeProgram { name: "rewards", id: rewards::ID, entry: routed_processor!(rewards_entry) },
    ]
}
