//! `report_fraud`: anyone proves a node's fraud from two readings its device key signed, and
//! is paid a bounty out of the slashed stake. `docs/PROTOCOL.md` §7.
//!
//! The two readings arrive as Ed25519 precompile instructions of the same transaction (at
//! the indices given in the args; usually 0 and 1); the runtime has verified both signatures
//! before this runs. The handler reads them back through the instructions sysvar, checks that
//! they are attributable to the node ([`check_attribution`]), classifies the pair
//! ([`classify`]), refuses evidence that was used before (its PDA exists), a node that is
//! already jailed and evidence entirely older than its last unjailing, then slashes `slash_bps` of the node's stake (active first, then pending),
//! pays `reporter_bounty_bps` of it to the reporter and the rest to the treasury, jails the
//! node and records the evidence. Works while the program is paused.
//!
//! The business rules need the decoded readings, so they run in the handler (through the pure
//! functions of `crate::fraud`) rather than in an `#[access_control]` validate.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use gridmint_protocol::fraud::evidence_hash;

use crate::errors::NodeStakingError;
use crate::events::FraudProven;
use crate::fraud::{check_after_unjail, check_attribution, classify, load_signed_reading};
use crate::state::{apply_slash, seeds, Config, DeviceBinding, FraudEvidence, Node};
use crate::utils::pda_account::{create_pda_account, write_account};
use crate::utils::token::{reload_and_check_vault, transfer_from_vault};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct ReportFraudArgs {
    /// Index in this transaction of the Ed25519 instruction with the first reading of the
    /// canonical pair (lower sequence number; for equal sequence numbers, lower bytes).
    pub first_ix: u16,
    /// Index of the Ed25519 instruction with the second reading.
    pub second_ix: u16,
}

#[event_cpi]
#[derive(Accounts)]
pub struct ReportFraud<'info> {
    /// Anyone; pays for the evidence record and receives the bounty.
    #[account(mut)]
    pub reporter: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = stake_mint,
        has_one = vault,
        has_one = treasury,
    )]
    pub config: Box<Account<'info, Config>>,
    #[account(
        mut,
        seeds = [seeds::NODE, config.key().as_ref(), &node.node_id.to_le_bytes()],
        bump = node.bump,
        has_one = config,
    )]
    pub node: Box<Account<'info, Node>>,
    /// The binding of the key that signed the readings (checked against the signer and the
    /// node in `check_attribution`).
    #[account(
        seeds = [seeds::DEVICE, config.key().as_ref(), device_binding.device_key.as_ref()],
        bump = device_binding.bump,
        has_one = config,
    )]
    pub device_binding: Box<Account<'info, DeviceBinding>>,
    /// The evidence PDA `[EVIDENCE, config, evidence_hash]`. The hash comes from the
    /// readings, so the handler derives the address and compares (`EvidenceAccountMismatch`),
    /// refuses an existing record (`EvidenceAlreadyUsed`) and creates it.
    /// CHECK: address and existence checked in the handler.
    #[account(mut)]
    pub evidence: UncheckedAccount<'info>,
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut)]
    pub treasury: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The reporter's own token account of the stake mint, credited with the bounty.
    #[account(
        mut,
        token::mint = stake_mint,
        token::authority = reporter,
        token::token_program = token_program,
    )]
    pub reporter_token: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(address = config.stake_token_program)]
    pub token_program: Interface<'info, TokenInterface>,
    /// The instructions sysvar, read for the Ed25519 attestations.
    /// CHECK: address checked here and again by `load_instruction_at_checked`.
    #[account(address = solana_instructions_sysvar::ID)]
    pub instructions: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn handler<'info>(
    mut ctx: Context<'info, ReportFraud<'info>>,
    args: ReportFraudArgs,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &mut ctx.accounts;
    let config_key = accounts.config.key();
    let node_key = accounts.node.key();

    // 1. The two readings, exactly as the precompile verified them.
    let instructions = accounts.instructions.to_account_info();
    let a = load_signed_reading(&instructions, args.first_ix)?;
    let b = load_signed_reading(&instructions, args.second_ix)?;

    // 2. Attributable to this node, and proving something.
    check_attribution(&config_key, &node_key, &accounts.node, &accounts.device_binding, &a, &b)?;
    let kind = classify(&accounts.node, &a.reading, &b.reading)?;

    // 3. Never the same evidence twice, never a node that is already jailed, never an
    //    incident already punished (both readings before the last unjailing).
    let hash = evidence_hash(&a.signer.to_bytes(), &a.reading, &b.reading);
    let (evidence_key, evidence_bump) =
        Pubkey::find_program_address(&[seeds::EVIDENCE, config_key.as_ref(), &hash], &crate::ID);
    require_keys_eq!(
        accounts.evidence.key(),
        evidence_key,
        NodeStakingError::EvidenceAccountMismatch
    );
    require!(
        accounts.evidence.owner != &crate::ID && accounts.evidence.data_is_empty(),
        NodeStakingError::EvidenceAlreadyUsed
    );
    require!(!accounts.node.jailed, NodeStakingError::NodeJailed);
    check_after_unjail(&accounts.node, &a.reading, &b.reading)?;

    // 4. Slash, pay, jail.
    let clock = accounts.config.clock();
    let config = &mut accounts.config;
    let (penalty, from_active, from_pending) = accounts.node.apply_change(&clock, now, |node| {
        let stake = node
            .active_stake
            .checked_add(node.pending_stake)
            .ok_or(NodeStakingError::ArithmeticOverflow)?;
        let penalty = config.fraud_penalty(stake)?;
        if penalty.slashed > 0 {
            let outcome = apply_slash(node, config, penalty.slashed, now)?;
            Ok((penalty, outcome.from_active, outcome.from_pending))
        } else {
            // Too little stake for a non-zero share: nothing to take, but the node is jailed.
            node.jailed = true;
            node.jailed_at = now;
            Ok((penalty, 0, 0))
        }
    })?;
    for (to, amount) in [
        (accounts.reporter_token.to_account_info(), penalty.bounty),
        (accounts.treasury.to_account_info(), penalty.to_treasury),
    ] {
        if amount > 0 {
            transfer_from_vault(
                &accounts.token_program.to_account_info(),
                &accounts.vault.to_account_info(),
                &accounts.stake_mint,
                &to,
                &accounts.config.to_account_info(),
                accounts.config.bump,
                amount,
            )?;
        }
    }
    reload_and_check_vault(&mut accounts.vault, &accounts.config)?;

    // 5. The permanent evidence record.
    let bump = [evidence_bump];
    let evidence_seeds: &[&[u8]] = &[seeds::EVIDENCE, config_key.as_ref(), &hash, &bump];
    create_pda_account(
        &accounts.reporter.to_account_info(),
        &accounts.evidence.to_account_info(),
        &accounts.system_program.to_account_info(),
        FraudEvidence::DISCRIMINATOR.len().saturating_add(FraudEvidence::INIT_SPACE),
        evidence_seeds,
    )?;
    let record = FraudEvidence {
        config: config_key,
        node: node_key,
        node_id: accounts.node.node_id,
        device_key: a.signer,
        kind,
        evidence_hash: hash,
        sequence_a: a.reading.sequence,
        sequence_b: b.reading.sequence,
        reporter: accounts.reporter.key(),
        slashed: penalty.slashed,
        bounty: penalty.bounty,
        reported_at: now,
        bump: evidence_bump,
        reserved: [0; 32],
    };
    write_account(&accounts.evidence.to_account_info(), &record)?;

    let event = FraudProven {
        node: node_key,
        node_id: record.node_id,
        kind,
        device_key: a.signer,
        evidence: evidence_key,
        evidence_hash: hash,
        sequence_a: record.sequence_a,
        sequence_b: record.sequence_b,
        reporter: record.reporter,
        slashed: penalty.slashed,
        bounty: penalty.bounty,
        to_treasury: penalty.to_treasury,
        from_active,
        from_pending,
        jailed_at: now,
    };
    emit_cpi!(event);
    Ok(())
}
