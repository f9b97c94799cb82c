//! Errors of the rewards program (Anchor numbers them from 6000 in this order; append new
//! variants at the end so existing codes never change).

use anchor_lang::prelude::*;

#[error_code]
pub enum RewardsError {
    // Administration.
    #[msg("Only the build-time deployment admin may initialize")]
    NotDeployAdmin,
    #[msg("Signer is not the config authority")]
    NotAuthority,
    #[msg("Signer is not the pending authority")]
    NotPendingAuthority,
    #[msg("No authority transfer is pending")]
    NoPendingAuthority,
    #[msg("Authority must be a real key")]
    InvalidAuthority,
    #[msg("The program is paused")]
    Paused,
    #[msg("The program is already paused")]
    AlreadyPaused,
    #[msg("The program is not paused")]
    NotPaused,
    #[msg("Nothing to change")]
    NothingToUpdate,

    // Parameters.
    #[msg("Epoch length must be in (0, MAX_EPOCH_SECONDS]")]
    InvalidEpochLength,
    #[msg("Genesis time must not be in the past")]
    GenesisInPast,
    #[msg("Report grace must be in [0, MAX_REPORT_GRACE_SECONDS] and below the epoch length")]
    InvalidReportGrace,
    #[msg("Challenge period must be positive, at most MAX_CHALLENGE_PERIOD_SECONDS and below the epoch length")]
    InvalidChallengePeriod,
    #[msg("Emission decay must be at most 10000 bps")]
    InvalidDecay,
    #[msg("Emission decay interval must be at least one epoch")]
    InvalidDecayInterval,
    #[msg("Emission floor must not exceed the initial emission")]
    FloorAboveInitial,
    #[msg("Hard cap per epoch must be greater than zero")]
    ZeroHardCap,
    #[msg("Compute pool share must be at most 10000 bps")]
    InvalidComputeShare,
    #[msg("Green bonus must be at most 10000 bps")]
    InvalidGreenBonus,
    #[msg("The maximum capacity factor must be at most 10,000 bps")]
    InvalidCapacityFactor,

    // Oracle set.
    #[msg("The oracle set needs at least one key")]
    NoOracles,
    #[msg("At most 16 oracles")]
    TooManyOracles,
    #[msg("Oracle keys must be real keys")]
    InvalidOracleKey,
    #[msg("An oracle key is listed twice")]
    DuplicateOracle,
    #[msg("Threshold exceeds the number of oracles")]
    ThresholdAboveOracleCount,
    #[msg("Threshold must be a strict majority of the oracles")]
    ThresholdNotMajority,

    // Reward mint.
    #[msg("The reward mint's mint authority must be the program's mint-authority PDA")]
    MintAuthorityNotPda,
    #[msg("The reward mint's freeze authority must be unset or the program's PDA")]
    MintHasFreezeAuthority,
    #[msg("Reward mint has the TransferFeeConfig extension")]
    MintHasTransferFee,
    #[msg("Reward mint has the TransferHook extension")]
    MintHasTransferHook,
    #[msg("Reward mint has the PermanentDelegate extension")]
    MintHasPermanentDelegate,
    #[msg("Reward mint has the Pausable extension")]
    MintHasPausable,
    #[msg("Reward mint has the NonTransferable extension")]
    MintIsNonTransferable,
    #[msg("Reward mint has the DefaultAccountState extension (accounts may start frozen)")]
    MintHasDefaultAccountState,
    #[msg("Reward mint has the MintCloseAuthority extension")]
    MintHasCloseAuthority,
    #[msg("Reward mint has an extension that is not on the allow-list")]
    MintExtensionNotAllowed,

    // Reporting.
    #[msg("Signer is not an oracle of the current set")]
    NotAnOracle,
    #[msg("The epoch has not ended")]
    EpochNotEnded,
    #[msg("The epoch's report grace period has not passed")]
    ReportGraceNotOver,
    #[msg("The epoch is already final")]
    EpochAlreadyFinal,
    #[msg("Epochs finalize in order: an earlier epoch is not final yet")]
    EpochOutOfOrder,
    #[msg("The previous epoch's challenge period has not passed")]
    PreviousEpochInChallenge,
    #[msg("The vote names another round than the epoch's current one")]
    WrongRound,
    #[msg("This oracle already voted in this round")]
    AlreadyVoted,
    #[msg("Cumulative total is below the previous final total")]
    CumulativeTotalDecreased,
    #[msg("Cumulative total increases by more than the epoch's scheduled emission")]
    EmissionExceeded,
    #[msg("The epoch is not final")]
    EpochNotFinal,
    #[msg("The epoch's challenge period is over")]
    ChallengePeriodOver,
    #[msg("Only epochs followed by a later final epoch can be closed")]
    EpochNotSuperseded,
    #[msg("Rent goes back to the account that paid it")]
    WrongRentPayer,

    // Claims.
    #[msg("The proof does not lead to any claimable root")]
    InvalidProof,
    #[msg("Proof is longer than 32 hashes")]
    ProofTooLong,
    #[msg("The root is still in its challenge period")]
    RootInChallengePeriod,
    #[msg("Claims would exceed the cumulative total of the root used")]
    ClaimExceedsRootTotal,
    #[msg("Not the configured reward mint")]
    WrongRewardMint,
    #[msg("Not the reward mint's token program")]
    WrongTokenProgram,
    #[msg("Token account is not for the reward mint")]
    TokenAccountMintMismatch,
    #[msg("Token account is not owned by the recipient")]
    TokenAccountOwnerMismatch,

    #[msg("Arithmetic overflow")]
    ArithmeticOverflow,

    // Parameter schedule and initialisation (appended: earlier codes never change).
    #[msg("A parameter set can only take effect after the next epoch to finalize")]
    EffectiveEpochTooEarly,
    #[msg("A parameter set is already scheduled; schedule again once it is in force")]
    ParamsAlreadyScheduled,
    #[msg("A set that may raise emission must start at least one epoch plus the longer challenge period from now")]
    IncreaseTooSoon,
    #[msg("The minimum challenge period must be in [1, challenge_period_seconds]")]
    InvalidMinChallengePeriod,
    #[msg("The challenge period must not go below the minimum fixed at initialize")]
    ChallengePeriodBelowMinimum,
    #[msg("The reward mint's supply must be zero at initialize")]
    RewardMintHasSupply,

    // Compute challenges: parameters and beacons (appended: earlier codes never change).
    #[msg("Beacons per epoch must be in [1, 64]")]
    InvalidBeaconCount,
    #[msg("Challenges per epoch must not exceed beacons per epoch")]
    ChallengesAboveBeacons,
    #[msg("Challenge target seconds must be in [1, 600]")]
    InvalidChallengeTarget,
    #[msg("Challenge grace seconds must be at most 600")]
    InvalidChallengeGrace,
    #[msg("The epoch is shorter than two seconds per beacon")]
    EpochTooShortForBeacons,
    #[msg("Challenge target plus grace must not exceed the report grace")]
    ChallengeResponseExceedsReportGrace,
    #[msg("Challenges are disabled (challenges_per_epoch = 0)")]
    ChallengesDisabled,
    #[msg("The epoch is over: its beacons can no longer be created")]
    BeaconEpochOver,
    #[msg("Beacons can be created at most one epoch ahead")]
    BeaconEpochTooFarAhead,
    #[msg("No beacon with this index in this epoch")]
    BeaconIndexOutOfRange,
    #[msg("The beacon is already recorded")]
    BeaconAlreadyRecorded,
    #[msg("Outside the beacon's window")]
    BeaconOutsideWindow,
    #[msg("Slot 0 is never recorded as a beacon")]
    BeaconZeroSlot,
    #[msg("The beacon account is not a beacon set of this version")]
    MalformedBeaconSet,
    #[msg("The SlotHashes sysvar has no entry")]
    SlotHashesEmpty,
}
