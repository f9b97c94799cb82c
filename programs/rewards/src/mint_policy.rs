//! Which reward mints the program accepts.
//!
//! The mint authority must be the program's PDA `[MINT_AUTHORITY, config]`, which only signs
//! inside `claim`; the freeze authority must be unset or that same PDA (which never freezes),
//! so no one can freeze recipients' accounts and block their claims.
//!
//! SPL Token mints have no extensions. A Token-2022 mint is accepted only if every extension
//! it carries is on the allow-list — the same policy as node-staking's stake mint:
//!
//! | extension | why it is rejected | error |
//! |---|---|---|
//! | TransferFeeConfig | recipients would receive less than they earned once tokens move | `MintHasTransferFee` |
//! | TransferHook | an arbitrary program runs on every transfer of the reward | `MintHasTransferHook` |
//! | PermanentDelegate | its holder can take rewards out of every recipient's account | `MintHasPermanentDelegate` |
//! | Pausable | its authority can stop every transfer and mint (claims would fail) | `MintHasPausable` |
//! | NonTransferable | rewards could never leave the recipient's account | `MintIsNonTransferable` |
//! | DefaultAccountState | new token accounts may start frozen, and mint into them fails | `MintHasDefaultAccountState` |
//! | MintCloseAuthority | the mint could be closed and re-created with other extensions | `MintHasCloseAuthority` |
//!
//! Allowed (they change neither balances nor transfers): MetadataPointer, TokenMetadata,
//! GroupPointer, TokenGroup, GroupMemberPointer, TokenGroupMember, InterestBearingConfig and
//! ScaledUiAmount (display only). Everything else — confidential transfers and any type this
//! build does not know — is refused with `MintExtensionNotAllowed`.

use anchor_lang::prelude::*;
use anchor_spl::token_2022::spl_token_2022::extension::{
    BaseStateWithExtensions, ExtensionType, StateWithExtensions,
};
use anchor_spl::token_2022::spl_token_2022::state::Mint as MintState;

use crate::errors::RewardsError;
use gridmint_protocol::mint_policy::{check_mint_extension, RefusedExtension};

/// Checks the reward mint (owned by SPL Token or Token-2022) against the policy, with
/// `mint_authority` the program's PDA.
pub fn check_reward_mint(mint: &AccountInfo, mint_authority: &Pubkey) -> Result<()> {
    let data = mint.try_borrow_data()?;
    let state = StateWithExtensions::<MintState>::unpack(&data)
        .map_err(|_| error!(RewardsError::MintExtensionNotAllowed))?;
    require!(
        Option::<Pubkey>::from(state.base.mint_authority) == Some(*mint_authority),
        RewardsError::MintAuthorityNotPda
    );
    match Option::<Pubkey>::from(state.base.freeze_authority) {
        None => {}
        Some(key) => require_keys_eq!(key, *mint_authority, RewardsError::MintHasFreezeAuthority),
    }
    if *mint.owner != anchor_spl::token_2022::ID {
        return Ok(());
    }
    // An extension type this build does not know fails to parse: refuse it as well.
    let types =
        state.get_extension_types().map_err(|_| error!(RewardsError::MintExtensionNotAllowed))?;
    types.into_iter().try_for_each(check_extension)
}

/// The policy for one mint extension type (shared with the other program:
/// `gridmint_protocol::mint_policy`), mapped to this program's errors.
pub fn check_extension(extension: ExtensionType) -> Result<()> {
    use RefusedExtension as R;
    check_mint_extension(u16::from(extension)).map_err(|refused| {
        match refused {
            R::TransferFee => RewardsError::MintHasTransferFee,
            R::TransferHook => RewardsError::MintHasTransferHook,
            R::PermanentDelegate => RewardsError::MintHasPermanentDelegate,
            R::Pausable => RewardsError::MintHasPausable,
            R::NonTransferable => RewardsError::MintIsNonTransferable,
            R::DefaultAccountState => RewardsError::MintHasDefaultAccountState,
            R::MintCloseAuthority => RewardsError::MintHasCloseAuthority,
            R::NotAllowed => RewardsError::MintExtensionNotAllowed,
        }
        .into()
    })
}
