//! The native runtime GridMint's programs run on, shared by the localnet and the tests.
//!
//! There is no SBF toolchain on our machines, so the programs are compiled for the host and
//! registered as builtins of a real Solana Bank (see `../shared/NATIVE_TESTING.md`). This
//! crate holds what that takes and nothing test-specific:
//! - [`native_programs`]: both programs with entry wrappers the runtime accepts;
//! - [`routed_processor!`]: turns a program entry into a builtin whose `msg!`, Anchor error
//!   lines and `sol_log_data` land in the transaction's log messages, as on a real cluster;
//! - [`install_syscall_stubs`]: the process-wide stubs for CPIs and sysvars.

mod entry;
#[doc(hidden)]
pub mod logs;

pub use entry::{native_programs, NativeProgram};

#[doc(hidden)]
pub mod __private {
    pub use solana_program_runtime::invoke_context::BuiltinFunctionWithContext;
    pub use solana_program_test::{
        get_runtime_environment_key, invoke_builtin_function, EbpfError, EbpfVm, InvokeContext,
    };
}

/// Installs solana-program-test's syscall stubs (CPI, sysvars, return data, `sol_log`)
/// process-wide: they are set once, when the first `ProgramTest` bank starts, so this starts
/// one throwaway bank. Needed only where no `ProgramTest` runs (the localnet).
pub async fn install_syscall_stubs() {
    let mut pt = solana_program_test::ProgramTest::default();
    // After `default()`, which turns on debug logs of every instruction.
    quiet_program_test_logs();
    pt.prefer_bpf(false);
    drop(pt.start_with_context().await);
}

/// ProgramTest turns on debug logs of every instruction; they drown output and slow tests.
/// Errors only, unless `RUST_LOG` asks for more.
pub fn quiet_program_test_logs() {
    agave_logger::setup_with_default("error");
}
