//! Which Token-2022 mint extensions GridMint accepts on the stake mint (node-staking) and the
//! reward mint (rewards). One policy for both programs; each maps a refusal to its own error.
//!
//! | extension | why it is refused |
//! |---|---|
//! | TransferFeeConfig | the vault would receive less than recorded (a 0 fee can be raised later) |
//! | TransferHook | an arbitrary program runs on every transfer and can block withdrawals or claims |
//! | PermanentDelegate | its holder can move tokens out of the vault or a recipient's account at will |
//! | Pausable | its authority can stop every transfer, locking stake |
//! | NonTransferable | tokens could never leave the vault |
//! | DefaultAccountState | new token accounts may start frozen (switchable to Frozen at any time) |
//! | MintCloseAuthority | the mint can be closed and re-created with other extensions at the same address |
//!
//! Allowed, because they touch neither balances nor transfers (the programs only read raw
//! amounts): MetadataPointer, TokenMetadata, GroupPointer, TokenGroup, GroupMemberPointer,
//! TokenGroupMember, InterestBearingConfig and ScaledUiAmount (both only change the *displayed*
//! amount). Everything else — confidential transfers and any type not known here — is refused.
//!
//! Extension types are identified by their on-chain `u16` code (`ExtensionType as u16` in
//! spl-token-2022), so this crate needs no token dependency.

/// On-chain codes of the Token-2022 mint extension types this policy names.
pub mod code {
    pub const TRANSFER_FEE_CONFIG: u16 = 1;
    pub const MINT_CLOSE_AUTHORITY: u16 = 3;
    pub const DEFAULT_ACCOUNT_STATE: u16 = 6;
    pub const NON_TRANSFERABLE: u16 = 9;
    pub const INTEREST_BEARING_CONFIG: u16 = 10;
    pub const PERMANENT_DELEGATE: u16 = 12;
    pub const TRANSFER_HOOK: u16 = 14;
    pub const METADATA_POINTER: u16 = 18;
    pub const TOKEN_METADATA: u16 = 19;
    pub const GROUP_POINTER: u16 = 20;
    pub const TOKEN_GROUP: u16 = 21;
    pub const GROUP_MEMBER_POINTER: u16 = 22;
    pub const TOKEN_GROUP_MEMBER: u16 = 23;
    pub const SCALED_UI_AMOUNT: u16 = 25;
    pub const PAUSABLE: u16 = 26;
}

/// Why a mint extension is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefusedExtension {
    TransferFee,
    TransferHook,
    PermanentDelegate,
    Pausable,
    NonTransferable,
    DefaultAccountState,
    MintCloseAuthority,
    /// Not on the allow-list (confidential transfers, unknown types).
    NotAllowed,
}

/// Checks one mint extension type (its on-chain code) against the policy.
pub fn check_mint_extension(extension_code: u16) -> Result<(), RefusedExtension> {
    use code::*;
    match extension_code {
        TRANSFER_FEE_CONFIG => Err(RefusedExtension::TransferFee),
        TRANSFER_HOOK => Err(RefusedExtension::TransferHook),
        PERMANENT_DELEGATE => Err(RefusedExtension::PermanentDelegate),
        PAUSABLE => Err(RefusedExtension::Pausable),
        NON_TRANSFERABLE => Err(RefusedExtension::NonTransferable),
        DEFAULT_ACCOUNT_STATE => Err(RefusedExtension::DefaultAccountState),
        MINT_CLOSE_AUTHORITY => Err(RefusedExtension::MintCloseAuthority),
        METADATA_POINTER
        | TOKEN_METADATA
        | GROUP_POINTER
        | TOKEN_GROUP
        | GROUP_MEMBER_POINTER
        | TOKEN_GROUP_MEMBER
        | INTEREST_BEARING_CONFIG
        | SCALED_UI_AMOUNT => Ok(()),
        _ => Err(RefusedExtension::NotAllowed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_confidential_codes_are_refused() {
        // 0 = uninitialized, 4 = ConfidentialTransferMint, 24 = ConfidentialMintBurn.
        for c in [0, 4, 16, 24, 27, 28, 200, u16::MAX] {
            assert_eq!(check_mint_extension(c), Err(RefusedExtension::NotAllowed), "{c}");
        }
    }

    #[test]
    fn allow_list_is_exactly_the_display_and_metadata_extensions() {
        let allowed: Vec<u16> =
            (0..=u16::MAX).filter(|c| check_mint_extension(*c).is_ok()).collect();
        assert_eq!(allowed, vec![10, 18, 19, 20, 21, 22, 23, 25]);
    }
}
