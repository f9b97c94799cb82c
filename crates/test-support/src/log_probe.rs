//! A tiny native program for tests of log routing: it logs a line with `msg!`, emits an
//! Anchor event with `emit!` (`sol_log_data`), then fails with [`PROBE_ERROR`] when its first
//! data byte is 1. Register it with [`program`] (Bank or localnet).

use anchor_lang::prelude::*;
use gridmint_native_runtime::{routed_processor, NativeProgram};

/// Not a real key: a fixed address no GridMint account can collide with.
pub const ID: Pubkey = Pubkey::new_from_array([0x70; 32]);
/// The custom error the probe fails with.
pub const PROBE_ERROR: u32 = 42;

/// The event the probe emits (Borsh after the 8-byte discriminator, as Anchor does).
#[event]
pub struct ProbeEvent {
    pub data_len: u64,
}

/// The probe's log line for `data`.
pub fn log_line(data: &[u8]) -> String {
    format!("Program log: probe got {} bytes", data.len())
}

fn probe_entry(
    _program_id: &Pubkey,
    _accounts: &[AccountInfo],
    data: &[u8],
) -> std::result::Result<(), ProgramError> {
    msg!("probe got {} bytes", data.len());
    emit!(ProbeEvent { data_len: data.len() as u64 });
    if data.first() == Some(&1) {
        return Err(ProgramError::Custom(PROBE_ERROR));
    }
    Ok(())
}

pub fn program() -> NativeProgram {
    NativeProgram { name: "log_probe", id: ID, entry: routed_processor!(probe_entry) }
}
