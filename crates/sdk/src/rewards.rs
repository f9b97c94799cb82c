//! Client side of the rewards program: PDAs, one instruction builder per instruction
//! (wrapping Anchor's generated `accounts::X` and `instruction::X`, with the event-CPI
//! accounts filled in), the claim transaction's instructions, and account decoding.
//!
//! Builders derive every PDA themselves; callers pass only the keys a PDA cannot give
//! (signers, the reward mint, token accounts, the token program).

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{AccountDeserialize, InstructionData, ToAccountMetas};
use rewards::state::seeds;
use spl_associated_token_account_interface::{
    address::get_associated_token_address_with_program_id,
    instruction::create_associated_token_account_idempotent,
};

pub use gridmint_protocol::merkle::{CumulativeTree, Hash32};
pub use rewards::errors::RewardsError;
pub use rewards::events;
pub use rewards::instructions::{
    ClaimArgs, CloseEpochArgs, InitializeArgs, OpenRoundArgs, SetOraclesArgs, SetParamsArgs,
    SubmitReportArgs, TransferAuthorityArgs, VetoEpochArgs,
};
pub use rewards::state::{
    ClaimStatus, ClaimableRoot, Config, EmissionParams, EpochState, EpochStatus, OracleSet, Params,
    PendingRoot, Report, RewardFormulaParams, RootRing, ScheduledParams, MAX_ORACLES,
    ROOT_RING_LEN,
};
pub use rewards::ID as PROGRAM_ID;

use rewards::{accounts, instruction};

mod beacons;
pub use beacons::*;

// ---------------------------------------------------------------------------------------------
// PDAs

/// The config singleton `[CONFIG]`.
pub fn config_pda() -> (Pubkey, u8) {
    Pubkey::find_program_address(&[seeds::CONFIG], &PROGRAM_ID)
}

/// The config address.
pub fn config_address() -> Pubkey {
    config_pda().0
}

/// The reward mint's mint authority `[MINT_AUTHORITY, config]`: create the reward mint with
/// this as mint authority (and no freeze authority) before `initialize`.
pub fn mint_authority_pda() -> (Pubkey, u8) {
    Pubkey::find_program_address(&[seeds::MINT_AUTHORITY, config_address().as_ref()], &PROGRAM_ID)
}

/// An epoch's state `[EPOCH, config, epoch (u64 LE)]`.
pub fn epoch_pda(epoch: u64) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[seeds::EPOCH, config_address().as_ref(), &epoch.to_le_bytes()],
        &PROGRAM_ID,
    )
}

/// A recipient's claim status `[CLAIM, config, recipient]`.
pub fn claim_status_pda(recipient: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[seeds::CLAIM, config_address().as_ref(), recipient.as_ref()],
        &PROGRAM_ID,
    )
}

/// Anchor's event-CPI authority of this program.
pub fn event_authority_pda() -> (Pubkey, u8) {
    crate::events::event_authority_pda(&PROGRAM_ID)
}

fn event_authority() -> Pubkey {
    event_authority_pda().0
}

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    crate::events::build_instruction(PROGRAM_ID, accounts, data)
}

// ---------------------------------------------------------------------------------------------
// Instruction builders

/// `initialize`, signed by the deployment admin (who pays for the config).
pub fn initialize(
    deploy_admin: &Pubkey,
    reward_mint: &Pubkey,
    token_program: &Pubkey,
    args: InitializeArgs,
) -> Instruction {
    build(
        accounts::Initialize {
            deploy_admin: *deploy_admin,
            config: config_address(),
            mint_authority: mint_authority_pda().0,
            reward_mint: *reward_mint,
            token_program: *token_program,
            system_program: solana_sdk_ids::system_program::ID,
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::Initialize { args },
    )
}

/// `transfer_authority`: propose `new_authority`, or cancel with `None`.
pub fn transfer_authority(authority: &Pubkey, new_authority: Option<Pubkey>) -> Instruction {
    build(
        accounts::TransferAuthority {
            authority: *authority,
            config: config_address(),
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::TransferAuthority { args: TransferAuthorityArgs { new_authority } },
    )
}

/// `accept_authority`, signed by the proposed authority.
pub fn accept_authority(new_authority: &Pubkey) -> Instruction {
    build(
        accounts::AcceptAuthority {
            new_authority: *new_authority,
            config: config_address(),
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::AcceptAuthority {},
    )
}

/// `set_params`: schedule `params` for the epochs from `effective_epoch` on (see
/// [`earliest_effective_epoch`] for the first epoch the program accepts).
pub fn set_params(authority: &Pubkey, params: Params, effective_epoch: u64) -> Instruction {
    build(
        accounts::SetParams {
            authority: *authority,
            config: config_address(),
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::SetParams { args: SetParamsArgs { params, effective_epoch } },
    )
}

/// The earliest `effective_epoch` `set_params` accepts for `new` at `now`: after
/// `config.next_epoch`, and for a set that may raise emission the first epoch starting at
/// least `epoch_seconds + max(old, new challenge period)` after `now`. It does not check
/// the other rules (bounds, another set already scheduled). `None` on overflow.
pub fn earliest_effective_epoch(config: &Config, new: &Params, now: i64) -> Option<u64> {
    let current = config.due_params(now).map_or(config.params, |due| due.params);
    let after_next = config.next_epoch.checked_add(1)?;
    if !current.may_increase_emission(new) {
        return Some(after_next);
    }
    let challenge = current.challenge_period_seconds.max(new.challenge_period_seconds);
    let earliest = now.checked_add(config.epoch_seconds)?.checked_add(challenge)?;
    // The first epoch whose start `genesis + e × epoch_seconds` is at or after `earliest`.
    let offset = u64::try_from(earliest.checked_sub(config.genesis_time)?.max(0)).ok()?;
    let first = offset.div_ceil(u64::try_from(config.epoch_seconds).ok()?);
    Some(first.max(after_next))
}

/// `set_oracles`: replace the oracle set (bumps its version).
pub fn set_oracles(authority: &Pubkey, oracles: Vec<Pubkey>, threshold: u8) -> Instruction {
    build(
        accounts::SetOracles {
            authority: *authority,
            config: config_address(),
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::SetOracles { args: SetOraclesArgs { oracles, threshold } },
    )
}

/// `pause`.
pub fn pause(authority: &Pubkey) -> Instruction {
    build(
        accounts::Pause {
            authority: *authority,
            config: config_address(),
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::Pause {},
    )
}

/// `unpause`.
pub fn unpause(authority: &Pubkey) -> Instruction {
    build(
        accounts::Unpause {
            authority: *authority,
            config: config_address(),
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::Unpause {},
    )
}

/// `submit_report`, signed by an oracle (who pays for the epoch account on the first vote).
pub fn submit_report(oracle: &Pubkey, args: SubmitReportArgs) -> Instruction {
    build(
        accounts::SubmitReport {
            oracle: *oracle,
            config: config_address(),
            epoch_state: epoch_pda(args.epoch).0,
            system_program: solana_sdk_ids::system_program::ID,
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::SubmitReport { args },
    )
}

/// `open_round`: start the next round of `epoch` after a split vote.
pub fn open_round(authority: &Pubkey, epoch: u64) -> Instruction {
    build(
        accounts::OpenRound {
            authority: *authority,
            config: config_address(),
            epoch_state: epoch_pda(epoch).0,
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::OpenRound { args: OpenRoundArgs { epoch } },
    )
}

/// `veto_epoch`: reject the last finalized epoch within its challenge period.
pub fn veto_epoch(authority: &Pubkey, epoch: u64, reason: [u8; 32]) -> Instruction {
    build(
        accounts::VetoEpoch {
            authority: *authority,
            config: config_address(),
            epoch_state: epoch_pda(epoch).0,
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::VetoEpoch { args: VetoEpochArgs { epoch, reason } },
    )
}

/// `close_epoch`: return a superseded epoch account's rent to `rent_payer` (its creator).
pub fn close_epoch(epoch: u64, rent_payer: &Pubkey) -> Instruction {
    build(
        accounts::CloseEpoch {
            config: config_address(),
            epoch_state: epoch_pda(epoch).0,
            rent_payer: *rent_payer,
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::CloseEpoch { args: CloseEpochArgs { epoch } },
    )
}

/// `claim` into `token_account` (which `recipient` must own). `payer` signs and pays the
/// claim status's rent on a first claim; the recipient does not sign.
pub fn claim(
    payer: &Pubkey,
    recipient: &Pubkey,
    token_account: &Pubkey,
    reward_mint: &Pubkey,
    token_program: &Pubkey,
    cumulative: u64,
    proof: Vec<Hash32>,
) -> Instruction {
    build(
        accounts::Claim {
            payer: *payer,
            recipient: *recipient,
            config: config_address(),
            claim_status: claim_status_pda(recipient).0,
            reward_mint: *reward_mint,
            recipient_token_account: *token_account,
            mint_authority: mint_authority_pda().0,
            token_program: *token_program,
            system_program: solana_sdk_ids::system_program::ID,
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::Claim { args: ClaimArgs { cumulative, proof } },
    )
}

/// The recipient's associated token account for the reward mint.
pub fn recipient_ata(recipient: &Pubkey, reward_mint: &Pubkey, token_program: &Pubkey) -> Pubkey {
    get_associated_token_address_with_program_id(recipient, reward_mint, token_program)
}

/// The two instructions of a complete claim: create the recipient's associated token account
/// if missing (idempotent), then `claim` into it.
pub fn claim_to_ata(
    payer: &Pubkey,
    recipient: &Pubkey,
    reward_mint: &Pubkey,
    token_program: &Pubkey,
    cumulative: u64,
    proof: Vec<Hash32>,
) -> [Instruction; 2] {
    let ata = recipient_ata(recipient, reward_mint, token_program);
    [
        create_associated_token_account_idempotent(payer, recipient, reward_mint, token_program),
        claim(payer, recipient, &ata, reward_mint, token_program, cumulative, proof),
    ]
}

/// The claim instructions for `recipient` from a tree (`None` if it is not in the tree).
pub fn claim_from_tree(
    tree: &CumulativeTree,
    payer: &Pubkey,
    recipient: &Pubkey,
    reward_mint: &Pubkey,
    token_program: &Pubkey,
) -> Option<[Instruction; 2]> {
    let (cumulative, proof) = tree.proof_for(&recipient.to_bytes())?;
    Some(claim_to_ata(payer, recipient, reward_mint, token_program, cumulative, proof))
}

// ---------------------------------------------------------------------------------------------
// Account decoding

/// Decodes the config (checking its discriminator).
pub fn decode_config(data: &[u8]) -> anchor_lang::Result<Config> {
    Config::try_deserialize(&mut &data[..])
}

/// Decodes an epoch state (checking its discriminator).
pub fn decode_epoch_state(data: &[u8]) -> anchor_lang::Result<EpochState> {
    EpochState::try_deserialize(&mut &data[..])
}

/// Decodes a claim status (checking its discriminator).
pub fn decode_claim_status(data: &[u8]) -> anchor_lang::Result<ClaimStatus> {
    ClaimStatus::try_deserialize(&mut &data[..])
}

/// What `recipient` can still claim with a leaf of `cumulative`, given its claim status
/// account data (`None` if it has never claimed).
pub fn claimable_amount(
    cumulative: u64,
    claim_status_data: Option<&[u8]>,
) -> anchor_lang::Result<u64> {
    let claimed = match claim_status_data {
        Some(data) => decode_claim_status(data)?.claimed_total,
        None => 0,
    };
    Ok(cumulative.saturating_sub(claimed))
}
