//! Creating a program-owned PDA account by hand, for accounts whose prior existence is a
//! business error with its own code (Anchor's `init` would fail with a generic
//! system-program error instead).

use anchor_lang::prelude::*;
use anchor_lang::system_program::{self, Allocate, Assign, CreateAccount, Transfer};

/// Creates `target` (a PDA of this program, `signer_seeds` with bump) with `space` bytes,
/// rent-exempt, owned by this program. Works even if someone pre-funded the address with
/// lamports (transfer the shortfall, allocate, assign), like Anchor's `init`.
pub fn create_pda_account<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    space: usize,
    signer_seeds: &[&[u8]],
) -> Result<()> {
    let required = Rent::get()?.minimum_balance(space);
    let space_u64 = u64::try_from(space).map_err(|_| ProgramError::InvalidArgument)?;
    let signer = &[signer_seeds];
    let current = target.lamports();
    if current == 0 {
        let accounts = CreateAccount { from: payer.clone(), to: target.clone() };
        return system_program::create_account(
            CpiContext::new_with_signer(system_program.key(), accounts, signer),
            required,
            space_u64,
            &crate::ID,
        );
    }
    let shortfall = required.saturating_sub(current);
    if shortfall > 0 {
        let accounts = Transfer { from: payer.clone(), to: target.clone() };
        system_program::transfer(CpiContext::new(system_program.key(), accounts), shortfall)?;
    }
    let accounts = Allocate { account_to_allocate: target.clone() };
    system_program::allocate(
        CpiContext::new_with_signer(system_program.key(), accounts, signer),
        space_u64,
    )?;
    let accounts = Assign { account_to_assign: target.clone() };
    system_program::assign(
        CpiContext::new_with_signer(system_program.key(), accounts, signer),
        &crate::ID,
    )
}

/// Writes an Anchor account (discriminator + Borsh) into a freshly created account.
pub fn write_account<T: AccountSerialize>(target: &AccountInfo, value: &T) -> Result<()> {
    let mut data = target.try_borrow_mut_data()?;
    let mut cursor: &mut [u8] = &mut data;
    value.try_serialize(&mut cursor)
}
