//! Which stake mints the program accepts.
//!
//! SPL Token mints have no extensions and are accepted. A Token-2022 mint is accepted only if
//! every extension it carries is on the allow-list below. The extensions that can drain,
//! lock or silently shrink the vault are rejected each with its own error:
//!
//! | extension | why it is rejected | error |
//! |---|---|---|
//! | TransferFeeConfig | the vault would receive less than the recorded stake (even a 0 fee can be raised later) | `MintHasTransferFee` |
//! | TransferHook | an arbitrary program runs on every transfer and can block withdrawals | `MintHasTransferHook` |
//! | PermanentDelegate | its holder can move tokens out of the vault at will | `MintHasPermanentDelegate` |
//! | Pausable | its authority can stop every transfer, locking stake | `MintHasPausable` |
//! | NonTransferable | tokens could never leave the vault | `MintIsNonTransferable` |
//! | DefaultAccountState | new token accounts may start frozen (its authority can switch it to Frozen at any time) | `MintHasDefaultAccountState` |
//! | MintCloseAuthority | the mint can be closed and re-created with other extensions at the same address | `MintHasCloseAuthority` |
//!
//! Allowed, because they touch neither balances nor transfers (the program only ever reads
//! raw amounts): MetadataPointer, TokenMetadata, GroupPointer, TokenGroup,
//! GroupMemberPointer, TokenGroupMember, InterestBearingConfig and ScaledUiAmount (both only
//! change the *displayed* amount). Everything else — confidential transfers and any type this
//! program does not know — is refused with `MintExtensionNotAllowed`.
//!
//! Not covered by extensions: a mint's freeze authority can freeze the vault on SPL Token and
//! Token-2022 alike. Choosing a stake mint without a freeze authority (or one held by the
//! same governance as this program) is a deployment decision, documented in
//! docs/node-staking.md.

use anchor_lang::prelude::*;
use anchor_spl::token_2022::spl_token_2022::extension::{
    BaseStateWithExtensions, ExtensionType, StateWithExtensions,
};
use anchor_spl::token_2022::spl_token_2022::state::Mint as MintState;

use crate::errors::NodeStakingError;
use gridmint_protocol::mint_policy::{check_mint_extension, RefusedExtension};

/// Checks the stake mint (an account owned by SPL Token or Token-2022) against the policy.
pub fn check_stake_mint(mint: &AccountInfo) -> Result<()> {
    if *mint.owner != anchor_spl::token_2022::ID {
        return Ok(());
    }
    let data = mint.try_borrow_data()?;
    let state = StateWithExtensions::<MintState>::unpack(&data)
        .map_err(|_| error!(NodeStakingError::MintExtensionNotAllowed))?;
    // An extension type this build does not know fails to parse: refuse it as well.
    let types = state
        .get_extension_types()
        .map_err(|_| error!(NodeStakingError::MintExtensionNotAllowed))?;
    types.into_iter().try_for_each(check_extension)
}

/// The policy for one mint extension type (shared with the other program:
/// `gridmint_protocol::mint_policy`), mapped to this program's errors.
pub fn check_extension(extension: ExtensionType) -> Result<()> {
    use RefusedExtension as R;
    check_mint_extension(u16::from(extension)).map_err(|refused| {
        match refused {
            R::TransferFee => NodeStakingError::MintHasTransferFee,
            R::TransferHook => NodeStakingError::MintHasTransferHook,
            R::PermanentDelegate => NodeStakingError::MintHasPermanentDelegate,
            R::Pausable => NodeStakingError::MintHasPausable,
            R::NonTransferable => NodeStakingError::MintIsNonTransferable,
            R::DefaultAccountState => NodeStakingError::MintHasDefaultAccountState,
            R::MintCloseAuthority => NodeStakingError::MintHasCloseAuthority,
            R::NotAllowed => NodeStakingError::MintExtensionNotAllowed,
        }
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<()>) -> Option<u32> {
        match r {
            Ok(()) => None,
            Err(anchor_lang::error::Error::AnchorError(e)) => Some(e.error_code_number),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn each_dangerous_extension_has_its_own_error() {
        use ExtensionType as E;
        let cases = [
            (E::TransferFeeConfig, NodeStakingError::MintHasTransferFee),
            (E::TransferHook, NodeStakingError::MintHasTransferHook),
            (E::PermanentDelegate, NodeStakingError::MintHasPermanentDelegate),
            (E::Pausable, NodeStakingError::MintHasPausable),
            (E::NonTransferable, NodeStakingError::MintIsNonTransferable),
            (E::DefaultAccountState, NodeStakingError::MintHasDefaultAccountState),
            (E::MintCloseAuthority, NodeStakingError::MintHasCloseAuthority),
            (E::ConfidentialTransferMint, NodeStakingError::MintExtensionNotAllowed),
            (E::ConfidentialMintBurn, NodeStakingError::MintExtensionNotAllowed),
            (E::ConfidentialTransferFeeConfig, NodeStakingError::MintExtensionNotAllowed),
        ];
        for (ext, expected) in cases {
            assert_eq!(code(check_extension(ext)), Some(u32::from(expected)), "{ext:?}");
        }
    }

    #[test]
    fn allow_list() {
        use ExtensionType as E;
        for ext in [
            E::MetadataPointer,
            E::TokenMetadata,
            E::GroupPointer,
            E::TokenGroup,
            E::GroupMemberPointer,
            E::TokenGroupMember,
            E::InterestBearingConfig,
            E::ScaledUiAmount,
        ] {
            assert_eq!(code(check_extension(ext)), None, "{ext:?}");
        }
    }
}
