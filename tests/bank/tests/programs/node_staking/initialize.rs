//! `initialize`.

use super::prelude::*;
use anchor_lang::AccountDeserialize;
use anchor_spl::token_interface::TokenAccount;
use gridmint_protocol::limits::{
    MAX_EPOCH_SECONDS, MAX_UNBONDING_SECONDS, UNBONDING_LOWER_BOUND_SECONDS,
};

async fn prepared() -> (Env, Staking) {
    let mut env = Env::start().await;
    let s = Staking::prepare(&mut env, spl_token(), &[]).await;
    (env, s)
}

#[tokio::test]
async fn initialize_ok() {
    // Given a stake mint, a treasury and the deployment admin
    let (mut env, s) = prepared().await;

    // When the deployment admin initializes
    let events: Vec<ConfigInitialized> =
        send_with_events(&mut env, s.initialize_ix(s.init_args()), &[&s.admin]).await;

    // Then the config holds every parameter
    let c = s.config_state(&mut env).await;
    assert_eq!(c.authority, s.authority.pubkey());
    assert_eq!(c.pending_authority, None);
    assert_eq!(c.stake_mint, s.stake_mint);
    assert_eq!(c.stake_token_program, spl_token());
    assert_eq!(c.vault, s.vault);
    assert_eq!(c.treasury, s.treasury);
    assert_eq!(c.slash_authority, s.slash_authority.pubkey());
    assert_eq!((c.genesis_time, c.epoch_seconds), (s.genesis_time, EPOCH_SECONDS));
    // The minimum stake is in force from epoch 0, nothing scheduled
    assert_eq!((c.min_stake.current, c.min_stake.current_from), (MIN_STAKE, 0));
    assert_eq!((c.min_stake.next, c.min_stake.next_from), (MIN_STAKE, u64::MAX));
    assert_eq!(sdk::min_stake_for(&c, NodeKind::Energy, 0), Some(MIN_STAKE[1]));
    assert_eq!(c.max_capacity, MAX_CAPACITY);
    assert_eq!(c.unbonding_seconds, UNBONDING_SECONDS);
    assert_eq!((c.slash_bps, c.reporter_bounty_bps), (SLASH_BPS, BOUNTY_BPS));
    assert!(!c.paused);
    assert_eq!(c.next_node_id, 1);
    assert_eq!((c.total_active, c.total_pending, c.total_slashed), (0, 0, 0));
    assert_eq!(c.reserved, [0; 128]);
    assert_eq!(c.bump, sdk::config_pda().1);
    assert_eq!(c.vault_bump, sdk::vault_pda(&s.config).1);
    // And the vault is an empty token account of the stake mint owned by the config
    let vault = env.account(&s.vault).await.expect("vault exists");
    assert_eq!(vault.owner, spl_token());
    let vault = TokenAccount::try_deserialize(&mut vault.data.as_slice()).expect("token account");
    assert_eq!((vault.mint, vault.owner, vault.amount), (s.stake_mint, s.config, 0));
    // And one event carries the configuration
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].params, c.params());
    assert_eq!(events[0].vault, s.vault);
    assert_eq!((events[0].genesis_time, events[0].epoch_seconds), (s.genesis_time, EPOCH_SECONDS));
}

#[tokio::test]
async fn initialize_by_other_key_fails() {
    // Given a funded key that is not the deployment admin
    let (mut env, s) = prepared().await;
    let intruder = env.funded_keypair(LAMPORTS).await;
    let mut ix = s.initialize_ix(s.init_args());
    replace_account(&mut ix, &s.admin.pubkey(), intruder.pubkey());

    // When it tries to initialize (front-running the deployment)
    let result = env.send(&[ix], &[&intruder]).await;

    // Then it is refused and no config exists
    assert_error(result, E::NotDeployAdmin);
    assert!(env.account(&s.config).await.is_none());
}

#[tokio::test]
async fn initialize_twice_fails() {
    // Given an initialized deployment
    let (mut env, s) = prepared().await;
    s.initialize(&mut env).await.expect("first initialize");

    // When the admin initializes again
    let result = s.initialize(&mut env).await;

    // Then the system program refuses to create the config again (AccountAlreadyInUse = 0)
    assert_eq!(custom_error(&result), Some(0), "{result:?}");
}

#[tokio::test]
async fn initialize_rejects_each_bad_parameter() {
    type Case = (&'static str, fn(&mut gridmint_sdk::node_staking::InitializeArgs), E);
    let cases: Vec<Case> = vec![
        ("zero min stake", |a| a.min_stake[2] = 0, E::InvalidMinStake),
        ("zero epoch length", |a| a.epoch_seconds = 0, E::InvalidEpochLength),
        ("negative epoch length", |a| a.epoch_seconds = -1, E::InvalidEpochLength),
        (
            "epoch above the maximum",
            |a| a.epoch_seconds = MAX_EPOCH_SECONDS + 1,
            E::InvalidEpochLength,
        ),
        ("genesis in the past", |a| a.genesis_time -= 10_000, E::GenesisInPast),
        ("zero max energy", |a| a.max_capacity.energy_wp = 0, E::InvalidMaxCapacity),
        ("zero max compute", |a| a.max_capacity.compute_units_per_hour = 0, E::InvalidMaxCapacity),
        (
            "unbonding at the lower bound",
            |a| a.unbonding_seconds = UNBONDING_LOWER_BOUND_SECONDS,
            E::InvalidUnbondingPeriod,
        ),
        (
            "unbonding above the maximum",
            |a| a.unbonding_seconds = MAX_UNBONDING_SECONDS + 1,
            E::InvalidUnbondingPeriod,
        ),
        ("slash above 100%", |a| a.slash_bps = 10_001, E::InvalidSlashBps),
        ("bounty equal to slash", |a| a.reporter_bounty_bps = a.slash_bps, E::BountyNotBelowSlash),
        (
            "default slash authority",
            |a| a.slash_authority = Pubkey::default(),
            E::InvalidSlashAuthority,
        ),
        ("default authority", |a| a.authority = Pubkey::default(), E::InvalidAuthority),
    ];
    for (name, mutate, expected) in cases {
        // Given parameters with one value out of bounds
        let (mut env, s) = prepared().await;
        let mut args = s.init_args();
        mutate(&mut args);

        // When the admin initializes with them
        let result = env.send(&[s.initialize_ix(args)], &[&s.admin]).await;

        // Then that bound's error is returned
        assert_eq!(custom_error(&result), Some(u32::from(expected)), "{name}: {result:?}");
    }
}

#[tokio::test]
async fn initialize_accepts_the_bounds_themselves() {
    // Given the largest unbonding period and a 100% slash with a 99.99% bounty
    let (mut env, s) = prepared().await;
    let mut args = s.init_args();
    args.unbonding_seconds = MAX_UNBONDING_SECONDS;
    args.slash_bps = 10_000;
    args.reporter_bounty_bps = 9_999;
    // And the longest epoch, starting right now
    args.epoch_seconds = MAX_EPOCH_SECONDS;
    let now = env.now().await + 5;
    env.warp_to_timestamp(now).await;
    args.genesis_time = now;

    // When the admin initializes
    env.send(&[s.initialize_ix(args.clone())], &[&s.admin]).await.expect("initialize");

    // Then they are stored
    let c = s.config_state(&mut env).await;
    assert_eq!((c.unbonding_seconds, c.slash_bps), (MAX_UNBONDING_SECONDS, 10_000));
    assert_eq!((c.genesis_time, c.epoch_seconds), (args.genesis_time, MAX_EPOCH_SECONDS));
}

#[tokio::test]
async fn initialize_with_treasury_of_other_mint_fails() {
    // Given a treasury holding another mint
    let (mut env, s) = prepared().await;
    let (_, wrong_treasury) = other_mint(&mut env, &s, &Pubkey::new_unique(), 0).await;
    let mut ix = s.initialize_ix(s.init_args());
    replace_account(&mut ix, &s.treasury, wrong_treasury);

    // When the admin initializes
    let result = env.send(&[ix], &[&s.admin]).await;

    // Then the treasury's mint constraint fails
    assert_error(result, ErrorCode::ConstraintTokenMint as u32);
}

#[tokio::test]
async fn initialize_with_wrong_token_program_fails() {
    // Given an SPL Token mint but Token-2022 named as its program
    let (mut env, s) = prepared().await;
    let mut ix = s.initialize_ix(s.init_args());
    replace_account(&mut ix, &spl_token(), token_2022());

    // When the admin initializes
    let result = env.send(&[ix], &[&s.admin]).await;

    // Then creating the vault under the wrong program fails inside that program (Anchor runs
    // `init` before the mint's token-program constraint), and nothing is created
    assert_instruction_error(result, InstructionError::IncorrectProgramId);
    assert!(env.account(&s.config).await.is_none());
}

#[tokio::test]
async fn initialize_rejects_each_dangerous_token_2022_extension() {
    let cases = [
        (MintExtension::TransferFee, E::MintHasTransferFee),
        (MintExtension::TransferHook, E::MintHasTransferHook),
        (MintExtension::PermanentDelegate, E::MintHasPermanentDelegate),
        (MintExtension::Pausable, E::MintHasPausable),
        (MintExtension::NonTransferable, E::MintIsNonTransferable),
        (MintExtension::DefaultFrozen, E::MintHasDefaultAccountState),
        (MintExtension::MintCloseAuthority, E::MintHasCloseAuthority),
    ];
    for (extension, expected) in cases {
        // Given a Token-2022 stake mint with one dangerous extension
        let mut env = Env::start().await;
        let s = Staking::prepare(&mut env, token_2022(), &[extension]).await;

        // When the admin initializes with it
        let result = s.initialize(&mut env).await;

        // Then that extension's own error is returned and nothing is created
        assert_eq!(custom_error(&result), Some(u32::from(expected)), "{extension:?}: {result:?}");
        assert!(env.account(&s.config).await.is_none());
    }
}

#[tokio::test]
async fn initialize_rejects_extension_not_on_allow_list() {
    // Given a Token-2022 mint with confidential transfers (not on the allow-list)
    let mut env = Env::start().await;
    let mint_authority = env.funded_keypair(LAMPORTS).await;
    let mint = create_mint_with_extra(
        &mut env,
        &mint_authority.pubkey(),
        ExtraMintExtension::ConfidentialTransfer,
    )
    .await;
    let s = Staking::prepare_with_mint(&mut env, token_2022(), mint_authority, mint).await;

    // When the admin initializes with it
    let result = s.initialize(&mut env).await;

    // Then it is refused as not allowed
    assert_error(result, E::MintExtensionNotAllowed);
}

#[tokio::test]
async fn initialize_accepts_allow_listed_extensions() {
    // Given Token-2022 mints with MetadataPointer and InterestBearingConfig
    let mut env = Env::start().await;
    let s = Staking::prepare(&mut env, token_2022(), &[MintExtension::MetadataPointer]).await;
    // When / Then initialize succeeds
    s.initialize(&mut env).await.expect("metadata pointer is allowed");
    assert_eq!(s.config_state(&mut env).await.stake_token_program, token_2022());

    let mut env = Env::start().await;
    let mint_authority = env.funded_keypair(LAMPORTS).await;
    let mint = create_mint_with_extra(
        &mut env,
        &mint_authority.pubkey(),
        ExtraMintExtension::InterestBearing,
    )
    .await;
    let s = Staking::prepare_with_mint(&mut env, token_2022(), mint_authority, mint).await;
    s.initialize(&mut env).await.expect("interest-bearing is allowed");
}
