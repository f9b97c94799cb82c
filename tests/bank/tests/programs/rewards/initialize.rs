//! `initialize`: the deploy-admin guard, every parameter bound, the oracle set rules and the
//! reward-mint policy.

use super::prelude::*;
use gridmint_protocol::limits::{
    MAX_CHALLENGE_PERIOD_SECONDS, MAX_EPOCH_SECONDS, MAX_REPORT_GRACE_SECONDS,
};
use gridmint_sdk::rewards::InitializeArgs;
use gridmint_test_support::deploy_admin;

async fn prepared() -> (Env, Rewards) {
    let mut env = Env::start().await;
    let rewards = env.prepare_rewards(RewardsInit::default()).await;
    (env, rewards)
}

/// Sends initialize with `args` changed by `change` and returns the result.
async fn init_with(
    change: impl FnOnce(&mut InitializeArgs),
) -> Result<(), solana_transaction::TransactionError> {
    let (mut env, rewards) = prepared().await;
    let mut args = rewards.initialize_args();
    change(&mut args);
    env.initialize_rewards(&rewards, args).await
}

#[tokio::test]
async fn initialize_ok() {
    // Given a reward mint whose authority is the program's PDA
    let (mut env, rewards) = prepared().await;
    let admin = deploy_admin();
    let ix = sdk::initialize(
        &admin.pubkey(),
        &rewards.reward_mint,
        &rewards.token_program,
        rewards.initialize_args(),
    );

    // When the deploy admin initializes
    let events = send_with_events::<ConfigInitialized>(&mut env, &[ix], &[&admin]).await;

    // Then the config holds every value, with oracle set version 1 and nothing finalized
    let config = env.rewards_config().await;
    assert_eq!(config.authority, rewards.authority.pubkey());
    assert_eq!(config.reward_mint, rewards.reward_mint);
    assert_eq!(config.token_program, rewards.token_program);
    assert_eq!(config.genesis_time, rewards.genesis_time);
    assert_eq!(config.epoch_seconds, EPOCH_SECONDS);
    assert_eq!(config.min_challenge_period_seconds, MIN_CHALLENGE_SECONDS);
    assert_eq!((config.params, config.scheduled_params), (default_params(), None));
    assert_eq!(config.oracles.version, 1);
    assert_eq!(config.oracles.threshold, 3);
    assert_eq!(
        config.oracles.active(),
        rewards.oracles.iter().map(|o| o.pubkey()).collect::<Vec<_>>().as_slice()
    );
    assert_eq!((config.next_epoch, config.last_final_total, config.total_claimed), (0, 0, 0));
    assert!(config.pending_root.is_none() && config.claimable.len == 0 && !config.paused);
    assert_eq!(config.bump, sdk::config_pda().1);
    assert_eq!(config.mint_authority_bump, sdk::mint_authority_pda().1);
    // And the event carries the same values
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].params, default_params());
    assert_eq!(events[0].min_challenge_period_seconds, MIN_CHALLENGE_SECONDS);
    assert_eq!(events[0].oracle_set_version, 1);
    assert_eq!(events[0].mint_authority, sdk::mint_authority_pda().0);
}

#[tokio::test]
async fn initialize_twice_fails() {
    // Given an initialized program
    let (mut env, rewards) = setup().await;
    // When initialize runs again, Then the config account already exists (system error 0)
    let result = env.initialize_rewards(&rewards, rewards.initialize_args()).await;
    assert_error(result, 0u32);
}

#[tokio::test]
async fn initialize_not_deploy_admin() {
    // Given a key that is not the build-time deploy admin
    let (mut env, rewards) = prepared().await;
    let intruder = env.funded_keypair(1_000_000_000).await;
    let ix = sdk::initialize(
        &intruder.pubkey(),
        &rewards.reward_mint,
        &rewards.token_program,
        rewards.initialize_args(),
    );
    // When it tries to initialize, Then NotDeployAdmin
    assert_error(env.send(&[ix], &[&intruder]).await, E::NotDeployAdmin);
}

#[tokio::test]
async fn initialize_invalid_authority() {
    assert_error(init_with(|a| a.authority = Pubkey::default()).await, E::InvalidAuthority);
}

#[tokio::test]
async fn initialize_genesis_in_past() {
    // Given genesis an hour before the current time, Then GenesisInPast
    let (mut env, rewards) = prepared().await;
    let now = env.now().await;
    let mut args = rewards.initialize_args();
    args.genesis_time = now - 3_600;
    assert_error(env.initialize_rewards(&rewards, args).await, E::GenesisInPast);
}

#[tokio::test]
async fn initialize_epoch_length_bounds() {
    assert_error(init_with(|a| a.epoch_seconds = 0).await, E::InvalidEpochLength);
    assert_error(init_with(|a| a.epoch_seconds = -5).await, E::InvalidEpochLength);
    assert_error(
        init_with(|a| a.epoch_seconds = MAX_EPOCH_SECONDS + 1).await,
        E::InvalidEpochLength,
    );
    // The maximum itself is accepted.
    init_with(|a| a.epoch_seconds = MAX_EPOCH_SECONDS).await.expect("max epoch length");
}

#[tokio::test]
async fn initialize_report_grace_bounds() {
    assert_error(init_with(|a| a.params.report_grace_seconds = -1).await, E::InvalidReportGrace);
    assert_error(
        init_with(|a| a.params.report_grace_seconds = MAX_REPORT_GRACE_SECONDS + 1).await,
        E::InvalidReportGrace,
    );
    init_with(|a| a.params.report_grace_seconds = 0).await.expect("zero grace");
    // Below the epoch length as well (1 day here, under the 2-day maximum).
    assert_error(
        init_with(|a| a.params.report_grace_seconds = EPOCH_SECONDS).await,
        E::InvalidReportGrace,
    );
    init_with(|a| a.params.report_grace_seconds = EPOCH_SECONDS - 1).await.expect("L - 1");
}

#[tokio::test]
async fn initialize_min_challenge_period_bounds() {
    // In [1, challenge_period_seconds]
    for bad in [0, -1, CHALLENGE_SECONDS + 1] {
        assert_error(
            init_with(|a| a.min_challenge_period_seconds = bad).await,
            E::InvalidMinChallengePeriod,
        );
    }
    init_with(|a| a.min_challenge_period_seconds = 1).await.expect("one second");
    init_with(|a| a.min_challenge_period_seconds = CHALLENGE_SECONDS).await.expect("equal");
}

#[tokio::test]
async fn initialize_challenge_period_bounds() {
    assert_error(
        init_with(|a| a.params.challenge_period_seconds = 0).await,
        E::InvalidChallengePeriod,
    );
    // Not below the epoch length: N+1 could never catch up.
    assert_error(
        init_with(|a| a.params.challenge_period_seconds = EPOCH_SECONDS).await,
        E::InvalidChallengePeriod,
    );
    // Above the shared maximum (with an epoch long enough that only the maximum is hit).
    assert_error(
        init_with(|a| {
            a.epoch_seconds = MAX_EPOCH_SECONDS;
            a.params.challenge_period_seconds = MAX_CHALLENGE_PERIOD_SECONDS + 1;
        })
        .await,
        E::InvalidChallengePeriod,
    );
    init_with(|a| {
        a.epoch_seconds = MAX_EPOCH_SECONDS;
        a.params.challenge_period_seconds = MAX_CHALLENGE_PERIOD_SECONDS;
    })
    .await
    .expect("max challenge period");
}

#[tokio::test]
async fn initialize_emission_bounds() {
    assert_error(init_with(|a| a.params.emission.decay_bps = 10_001).await, E::InvalidDecay);
    assert_error(
        init_with(|a| a.params.emission.decay_interval_epochs = 0).await,
        E::InvalidDecayInterval,
    );
    assert_error(
        init_with(|a| a.params.emission.floor_per_epoch = a.params.emission.initial_per_epoch + 1)
            .await,
        E::FloorAboveInitial,
    );
    assert_error(init_with(|a| a.params.hard_cap_per_epoch = 0).await, E::ZeroHardCap);
}

#[tokio::test]
async fn initialize_reward_formula_bounds() {
    assert_error(
        init_with(|a| a.params.reward_formula.compute_pool_bps = 10_001).await,
        E::InvalidComputeShare,
    );
    assert_error(
        init_with(|a| a.params.reward_formula.green_bonus_bps = 10_001).await,
        E::InvalidGreenBonus,
    );
    assert_error(
        init_with(|a| a.params.reward_formula.max_capacity_factor_bps = 10_001).await,
        E::InvalidCapacityFactor,
    );
}

#[tokio::test]
async fn initialize_oracle_set_rules() {
    assert_error(init_with(|a| a.oracles.clear()).await, E::NoOracles);
    assert_error(
        init_with(|a| {
            a.oracles = (0..17).map(|_| Pubkey::new_unique()).collect();
            a.threshold = 9;
        })
        .await,
        E::TooManyOracles,
    );
    assert_error(init_with(|a| a.oracles[3] = a.oracles[1]).await, E::DuplicateOracle);
    assert_error(init_with(|a| a.oracles[0] = Pubkey::default()).await, E::InvalidOracleKey);
    // 5 oracles: 2 is not a strict majority, 6 is more than there are.
    assert_error(init_with(|a| a.threshold = 2).await, E::ThresholdNotMajority);
    assert_error(init_with(|a| a.threshold = 6).await, E::ThresholdAboveOracleCount);
    // 4 oracles: 2 of 4 is a tie, not a majority.
    assert_error(
        init_with(|a| {
            a.oracles.truncate(4);
            a.threshold = 2;
        })
        .await,
        E::ThresholdNotMajority,
    );
    // 16 oracles with 9 is fine, and so is 1 of 1.
    init_with(|a| {
        a.oracles = (0..16).map(|_| Pubkey::new_unique()).collect();
        a.threshold = 9;
    })
    .await
    .expect("16 oracles");
    init_with(|a| {
        a.oracles.truncate(1);
        a.threshold = 1;
    })
    .await
    .expect("1 of 1");
}

#[tokio::test]
async fn initialize_mint_authority_not_pda() {
    // Given a mint whose mint authority is some other key
    let (mut env, mut rewards) = prepared().await;
    let other = Pubkey::new_unique();
    rewards.reward_mint = env.create_mint(&rewards.token_program, &other, 6, &[]).await;
    // Then MintAuthorityNotPda
    assert_error(
        env.initialize_rewards(&rewards, rewards.initialize_args()).await,
        E::MintAuthorityNotPda,
    );
}

/// A mint with the PDA as mint authority and `freeze` as freeze authority.
async fn mint_with_freeze(
    env: &mut Env,
    token_program: &Pubkey,
    freeze: Option<&Pubkey>,
) -> Pubkey {
    use spl_token_2022_interface::instruction::initialize_mint2;
    let mint = Keypair::new();
    let rent = env.ctx.banks_client.get_rent().await.unwrap();
    let payer = env.payer();
    let space = 82;
    let ixs = [
        solana_system_interface::instruction::create_account(
            &payer.pubkey(),
            &mint.pubkey(),
            rent.minimum_balance(space),
            space as u64,
            token_program,
        ),
        initialize_mint2(token_program, &mint.pubkey(), &sdk::mint_authority_pda().0, freeze, 6)
            .unwrap(),
    ];
    env.send(&ixs, &[&mint]).await.expect("create mint");
    mint.pubkey()
}

#[tokio::test]
async fn initialize_freeze_authority_rules() {
    // Given a mint with a foreign freeze authority, Then MintHasFreezeAuthority
    let (mut env, mut rewards) = prepared().await;
    let token_program = rewards.token_program;
    rewards.reward_mint =
        mint_with_freeze(&mut env, &token_program, Some(&Pubkey::new_unique())).await;
    assert_error(
        env.initialize_rewards(&rewards, rewards.initialize_args()).await,
        E::MintHasFreezeAuthority,
    );
    // Given a mint without freeze authority, Then it is accepted
    rewards.reward_mint = mint_with_freeze(&mut env, &token_program, None).await;
    env.initialize_rewards(&rewards, rewards.initialize_args()).await.expect("no freeze authority");
}

#[tokio::test]
async fn initialize_rejects_each_dangerous_extension() {
    let cases = [
        (MintExtension::TransferFee, E::MintHasTransferFee),
        (MintExtension::TransferHook, E::MintHasTransferHook),
        (MintExtension::PermanentDelegate, E::MintHasPermanentDelegate),
        (MintExtension::Pausable, E::MintHasPausable),
        (MintExtension::NonTransferable, E::MintIsNonTransferable),
        (MintExtension::DefaultFrozen, E::MintHasDefaultAccountState),
        (MintExtension::MintCloseAuthority, E::MintHasCloseAuthority),
    ];
    let (mut env, mut rewards) = prepared().await;
    let token_2022 = anchor_spl::token_2022::ID;
    rewards.token_program = token_2022;
    for (extension, error) in cases {
        // Given a Token-2022 reward mint with the extension
        rewards.reward_mint = env.create_reward_mint(&token_2022, &[extension]).await;
        // Then initialize fails with that extension's own error
        let result = env.initialize_rewards(&rewards, rewards.initialize_args()).await;
        assert_eq!(custom_error(&result), Some(u32::from(error)), "{extension:?}");
    }
    // And an allow-listed extension is accepted
    rewards.reward_mint =
        env.create_reward_mint(&token_2022, &[MintExtension::MetadataPointer]).await;
    env.initialize_rewards(&rewards, rewards.initialize_args())
        .await
        .expect("metadata pointer is allowed");
}

#[tokio::test]
async fn initialize_mint_of_another_token_program() {
    // Given a Token-2022 mint passed with the SPL Token program
    let (mut env, mut rewards) = prepared().await;
    rewards.reward_mint = env.create_reward_mint(&anchor_spl::token_2022::ID, &[]).await;
    // Then Anchor's mint token-program constraint fails
    let result = env.initialize_rewards(&rewards, rewards.initialize_args()).await;
    assert_error(result, ErrorCode::ConstraintMintTokenProgram as u32);
}

#[tokio::test]
async fn initialize_reward_mint_with_supply() {
    // Given a reward mint that minted 1 base unit before its authorities moved to the PDA
    use spl_token_2022_interface::instruction::{set_authority, AuthorityType};
    let (mut env, mut rewards) = prepared().await;
    let token_program = rewards.token_program;
    let early = env.funded_keypair(100_000_000).await;
    let mint = env.create_mint(&token_program, &early.pubkey(), 6, &[]).await;
    let holder = env.create_ata(&mint, &early.pubkey(), &token_program).await;
    env.mint_to(&mint, &token_program, &early, &holder, 1).await;
    let pda = sdk::mint_authority_pda().0;
    let ixs: Vec<Ix> = [AuthorityType::MintTokens, AuthorityType::FreezeAccount]
        .into_iter()
        .map(|kind| {
            set_authority(&token_program, &mint, Some(&pda), kind, &early.pubkey(), &[]).unwrap()
        })
        .collect();
    env.send(&ixs, &[&early]).await.expect("hand the mint to the PDA");
    assert_eq!(env.mint_supply(&mint).await, 1);
    rewards.reward_mint = mint;

    // When it is used at initialize, Then RewardMintHasSupply
    assert_error(
        env.initialize_rewards(&rewards, rewards.initialize_args()).await,
        E::RewardMintHasSupply,
    );
}
