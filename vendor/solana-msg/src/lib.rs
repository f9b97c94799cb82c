#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

/// We re-export the `format!` macro from `alloc` for use in the `msg!` macro
#[cfg(feature = "alloc")]
#[doc(hidden)]
pub use alloc::format;

/// Print a message to the log.
///
/// Supports simple strings as well as Rust [format strings][fs]. When passed a
/// single expression it will be passed directly to [`sol_log`]. The expression
/// must have type `&str`, and is typically used for logging static strings.
/// When passed something other than an expression, particularly
/// a sequence of expressions, the tokens will be passed through the
/// [`format!`] macro before being logged with `sol_log`.
///
/// [fs]: https://doc.rust-lang.org/alloc/fmt/
/// [`format!`]: https://doc.rust-lang.org/alloc/fmt/fn.format.html
///
/// Note that Rust's formatting machinery is relatively CPU-intensive
/// for constrained environments like the Solana VM.
///
/// # Examples
///
/// ```
/// use solana_msg::msg;
///
/// // The fast form
/// msg!("verifying multisig");
///
/// // With formatting
/// let err = "not enough signers";
/// msg!("multisig failed: {}", err);
/// ```
#[cfg(feature = "alloc")]
#[macro_export]
macro_rules! msg {
    ($msg:expr) => {
        $crate::sol_log($msg)
    };
    ($($arg:tt)*) => ($crate::sol_log(&$crate::format!($($arg)*)));
}

#[cfg(target_os = "solana")]
pub mod syscalls;

/// Print a string to the log.
#[inline]
pub fn sol_log(message: &str) {
    #[cfg(target_os = "solana")]
    unsafe {
        syscalls::sol_log_(message.as_ptr(), message.len() as u64);
    }

    // GridMint patch: a host runtime that runs programs natively may take the message.
    #[cfg(all(not(target_os = "solana"), feature = "std"))]
    if !host::log(message) {
        std::println!("{message}");
    }

    #[cfg(all(not(target_os = "solana"), not(feature = "std")))]
    if !host::log(message) {
        core::hint::black_box(message);
    }
}

/// GridMint patch (not upstream). Off-chain, `sol_log` prints to stdout and `sol_log_data`
/// does nothing, so a program compiled for the host and run as a builtin inside a Bank loses
/// its logs. A host runtime registers hooks here that write into the running transaction's
/// log messages; a hook returns `false` when no program invocation is active on its thread,
/// and the message then goes to stdout as upstream does.
#[cfg(not(target_os = "solana"))]
pub mod host {
    use core::sync::atomic::{AtomicPtr, Ordering};

    /// Takes one `sol_log` message; `false` if it was not taken.
    pub type LogHook = fn(&str) -> bool;
    /// Takes one `sol_log_data` call; `false` if it was not taken.
    pub type LogDataHook = fn(&[&[u8]]) -> bool;

    static LOG: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());
    static LOG_DATA: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

    /// Installs both hooks (process-wide; a later call replaces them).
    pub fn set_hooks(log: LogHook, log_data: LogDataHook) {
        LOG.store(log as *mut (), Ordering::Release);
        LOG_DATA.store(log_data as *mut (), Ordering::Release);
    }

    /// Offers a message to the log hook.
    pub fn log(message: &str) -> bool {
        let hook = LOG.load(Ordering::Acquire);
        if hook.is_null() {
            return false;
        }
        // SAFETY: only `set_hooks` stores here, always a `LogHook`.
        let hook: LogHook = unsafe { core::mem::transmute::<*mut (), LogHook>(hook) };
        hook(message)
    }

    /// Offers `sol_log_data` slices to the data hook.
    pub fn log_data(data: &[&[u8]]) -> bool {
        let hook = LOG_DATA.load(Ordering::Acquire);
        if hook.is_null() {
            return false;
        }
        // SAFETY: only `set_hooks` stores here, always a `LogDataHook`.
        let hook: LogDataHook = unsafe { core::mem::transmute::<*mut (), LogDataHook>(hook) };
        hook(data)
    }
}
