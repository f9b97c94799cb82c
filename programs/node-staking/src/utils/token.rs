//! Token movements in and out of the vault (always `transfer_checked`) and the vault invariant.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TransferChecked};

use crate::state::{seeds, Config};

/// Moves `amount` from a user's token account into the vault; `authority` signs.
pub fn transfer_to_vault<'info>(
    token_program: &AccountInfo<'info>,
    from: &AccountInfo<'info>,
    mint: &InterfaceAccount<'info, Mint>,
    vault: &AccountInfo<'info>,
    authority: &AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    let accounts = TransferChecked {
        from: from.clone(),
        mint: mint.to_account_info(),
        to: vault.clone(),
        authority: authority.clone(),
    };
    token_interface::transfer_checked(
        CpiContext::new(token_program.key(), accounts),
        amount,
        mint.decimals,
    )
}

/// Moves `amount` out of the vault, signed by the config PDA.
pub fn transfer_from_vault<'info>(
    token_program: &AccountInfo<'info>,
    vault: &AccountInfo<'info>,
    mint: &InterfaceAccount<'info, Mint>,
    to: &AccountInfo<'info>,
    config: &AccountInfo<'info>,
    config_bump: u8,
    amount: u64,
) -> Result<()> {
    let bump = [config_bump];
    let signer: &[&[u8]] = &[seeds::CONFIG, &bump];
    let accounts = TransferChecked {
        from: vault.clone(),
        mint: mint.to_account_info(),
        to: to.clone(),
        authority: config.clone(),
    };
    token_interface::transfer_checked(
        CpiContext::new_with_signer(token_program.key(), accounts, &[signer]),
        amount,
        mint.decimals,
    )
}

/// Reloads the vault after token CPIs and requires `vault.amount >= total_active +
/// total_pending` (`VaultInvariantViolated`).
pub fn reload_and_check_vault(
    vault: &mut InterfaceAccount<'_, TokenAccount>,
    config: &Config,
) -> Result<()> {
    vault.reload()?;
    config.check_vault_invariant(vault.amount)
}
