//! Errors of the node-staking program (Anchor numbers them from 6000 in this order; append
//! new variants at the end so existing codes never change).

use anchor_lang::prelude::*;

#[error_code]
pub enum NodeStakingError {
    #[msg("Only the build-time deployment admin may initialize")]
    NotDeployAdmin,
    #[msg("Signer is not the config authority")]
    NotAuthority,
    #[msg("Signer is not the pending authority")]
    NotPendingAuthority,
    #[msg("No authority transfer is pending")]
    NoPendingAuthority,
    #[msg("Signer is not the slash authority")]
    NotSlashAuthority,
    #[msg("Signer is not the node operator")]
    NotOperator,
    #[msg("Every minimum stake must be greater than zero")]
    InvalidMinStake,
    #[msg("Unbonding period must exceed epoch + grace + challenge and not exceed the maximum")]
    InvalidUnbondingPeriod,
    #[msg("Slash share must be at most 10000 bps")]
    InvalidSlashBps,
    #[msg("Reporter bounty must be below the slash share")]
    BountyNotBelowSlash,
    #[msg("Slash authority must be a real key")]
    InvalidSlashAuthority,
    #[msg("Authority must be a real key")]
    InvalidAuthority,
    #[msg("Treasury must be a token account of the stake mint other than the vault")]
    InvalidTreasury,
    #[msg("Stake mint has the TransferFeeConfig extension")]
    MintHasTransferFee,
    #[msg("Stake mint has the TransferHook extension")]
    MintHasTransferHook,
    #[msg("Stake mint has the PermanentDelegate extension")]
    MintHasPermanentDelegate,
    #[msg("Stake mint has the Pausable extension")]
    MintHasPausable,
    #[msg("Stake mint has the NonTransferable extension")]
    MintIsNonTransferable,
    #[msg("Stake mint has the DefaultAccountState extension (accounts may start frozen)")]
    MintHasDefaultAccountState,
    #[msg("Stake mint has the MintCloseAuthority extension")]
    MintHasCloseAuthority,
    #[msg("Stake mint has an extension that is not on the allow-list")]
    MintExtensionNotAllowed,
    #[msg("The program is paused")]
    Paused,
    #[msg("The program is already paused")]
    AlreadyPaused,
    #[msg("The program is not paused")]
    NotPaused,
    #[msg("Capacity does not fit the node kind")]
    InvalidCapacity,
    #[msg("Metadata URI is too long")]
    MetadataUriTooLong,
    #[msg("Region code is out of range")]
    InvalidRegion,
    #[msg("Reward recipient must be a real key")]
    InvalidRewardRecipient,
    #[msg("Stake is below the minimum for the node kind")]
    StakeBelowMinimum,
    #[msg("Amount must be greater than zero")]
    ZeroAmount,
    #[msg("Arithmetic overflow")]
    ArithmeticOverflow,
    #[msg("Device key is already bound (keys are never reused)")]
    DeviceKeyAlreadyBound,
    #[msg("Node is jailed")]
    NodeJailed,
    #[msg("Node is not jailed")]
    NodeNotJailed,
    #[msg("Unstake amount exceeds the active stake")]
    InsufficientActiveStake,
    #[msg("Remaining active stake would be below the minimum (unstake all or keep the minimum)")]
    RemainingStakeBelowMinimum,
    #[msg("No pending stake to withdraw")]
    NothingToWithdraw,
    #[msg("Pending stake is still unbonding")]
    StillUnbonding,
    #[msg("Node still has active stake")]
    NodeHasActiveStake,
    #[msg("Node still has pending stake")]
    NodeHasPendingStake,
    #[msg("Slash amount exceeds the node's active + pending stake")]
    SlashExceedsStake,
    #[msg("Vault balance is below the recorded active + pending stake")]
    VaultInvariantViolated,
    #[msg("Nothing to change")]
    NothingToUpdate,
    #[msg("No Ed25519 instruction at the given index of this transaction")]
    Ed25519InstructionMissing,
    #[msg("The instruction at the given index is not an Ed25519 precompile instruction")]
    NotEd25519Instruction,
    #[msg("The Ed25519 instruction must carry exactly one signature")]
    Ed25519NotOneSignature,
    #[msg("Every Ed25519 offset must point at the Ed25519 instruction itself")]
    Ed25519OffsetsNotSelf,
    #[msg("The Ed25519 instruction data is malformed")]
    Ed25519InstructionMalformed,
    #[msg("The signed message is not a valid energy reading")]
    MalformedReading,
    #[msg("The two readings are signed by different keys")]
    SignersDiffer,
    #[msg("The readings are not signed by the given device binding's key")]
    DeviceKeyMismatch,
    #[msg("The device key is not bound to this node")]
    DeviceNotBoundToNode,
    #[msg("A reading belongs to another deployment")]
    WrongDeployment,
    #[msg("A reading names another node id")]
    NodeIdMismatch,
    #[msg("A reading is timestamped outside the time its key was bound to the node")]
    ReadingOutsideBinding,
    #[msg("The two readings are identical")]
    IdenticalReadings,
    #[msg("The readings are not in canonical order (by sequence, then bytes)")]
    ReadingsOutOfOrder,
    #[msg("The readings are consistent: no fraud proven")]
    NoFraudProven,
    #[msg("The evidence account is not the PDA of this evidence")]
    EvidenceAccountMismatch,
    #[msg("This evidence has already been used")]
    EvidenceAlreadyUsed,
    #[msg("Epoch length must be in (0, MAX_EPOCH_SECONDS]")]
    InvalidEpochLength,
    #[msg("Genesis time must not be in the past")]
    GenesisInPast,
    #[msg("Every field of the maximum capacity must be greater than zero")]
    InvalidMaxCapacity,
    #[msg("Capacity is above the deployment's maximum")]
    CapacityAboveMaximum,
    #[msg("Node has stake in the current or previous epoch view (rewards may still read it)")]
    NodeStillEarning,
    #[msg("Both readings predate the node's last unjailing (incident already punished)")]
    EvidenceBeforeUnjail,
    #[msg("Requester key must be a real key")]
    InvalidRequesterKey,
    #[msg("Requester key is already registered (registrations are never closed)")]
    RequesterAlreadyRegistered,
    #[msg("Requester epochs must be at least the next epoch (never retroactive)")]
    RequesterEpochInPast,
    #[msg("Requester is already retired")]
    RequesterAlreadyRetired,
    #[msg("Retired epoch must be at least the first epoch and below u64::MAX")]
    InvalidRetiredEpoch,
}

#[cfg(test)]
mod tests {
    use super::NodeStakingError as E;
    use anchor_lang::error::ErrorCode;

    // docs/node-staking.md lists these numbers; clients match on them. Appending variants is
    // fine, reordering is not.
    #[test]
    fn error_codes_are_stable() {
        assert_eq!(u32::from(E::NotDeployAdmin), 6000);
        assert_eq!(u32::from(E::MintHasTransferFee), 6013);
        assert_eq!(u32::from(E::MintExtensionNotAllowed), 6020);
        assert_eq!(u32::from(E::Paused), 6021);
        assert_eq!(u32::from(E::ArithmeticOverflow), 6030);
        assert_eq!(u32::from(E::DeviceKeyAlreadyBound), 6031);
        assert_eq!(u32::from(E::VaultInvariantViolated), 6041);
        assert_eq!(u32::from(E::NothingToUpdate), 6042);
        assert_eq!(u32::from(E::Ed25519InstructionMissing), 6043);
        assert_eq!(u32::from(E::EvidenceAlreadyUsed), 6059);
        assert_eq!(u32::from(E::InvalidEpochLength), 6060);
        assert_eq!(u32::from(E::GenesisInPast), 6061);
        assert_eq!(u32::from(E::InvalidMaxCapacity), 6062);
        assert_eq!(u32::from(E::CapacityAboveMaximum), 6063);
        assert_eq!(u32::from(E::NodeStillEarning), 6064);
        assert_eq!(u32::from(E::EvidenceBeforeUnjail), 6065);
        assert_eq!(u32::from(E::InvalidRequesterKey), 6066);
        assert_eq!(u32::from(E::RequesterAlreadyRegistered), 6067);
        assert_eq!(u32::from(E::RequesterEpochInPast), 6068);
        assert_eq!(u32::from(E::RequesterAlreadyRetired), 6069);
        assert_eq!(u32::from(E::InvalidRetiredEpoch), 6070);
        // The Anchor constraint codes quoted in the docs.
        assert_eq!(ErrorCode::ConstraintHasOne as u32, 2001);
        assert_eq!(ErrorCode::ConstraintSeeds as u32, 2006);
        assert_eq!(ErrorCode::ConstraintAddress as u32, 2012);
        assert_eq!(ErrorCode::ConstraintTokenMint as u32, 2014);
        assert_eq!(ErrorCode::ConstraintTokenOwner as u32, 2015);
        assert_eq!(ErrorCode::ConstraintTokenTokenProgram as u32, 2021);
        assert_eq!(ErrorCode::ConstraintMintTokenProgram as u32, 2022);
        assert_eq!(ErrorCode::ConstraintDuplicateMutableAccount as u32, 2040);
        assert_eq!(ErrorCode::AccountNotSigner as u32, 3010);
        assert_eq!(ErrorCode::AccountNotInitialized as u32, 3012);
    }
}
