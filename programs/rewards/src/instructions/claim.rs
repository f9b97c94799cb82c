//! `claim`: pays a recipient what it has earned and not yet been paid. Anyone may send it (the
//! recipient need not sign); the tokens are minted by the program's PDA straight into a token
//! account the recipient owns.
//!
//! The proof is checked against the claimable roots (finalized, challenge period over). It
//! pays `cumulative − claimed_total` (nothing for a replay or an older, smaller amount), and
//! the sum of everything ever paid may not exceed the `cumulative_total` of the root used —
//! the program cannot see the tree, so that is what caps what a root can mint.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, MintToChecked, TokenAccount, TokenInterface};
use gridmint_protocol::merkle::{leaf_hash, root_from_proof, MAX_PROOF_LEN};

use crate::errors::RewardsError;
use crate::events::{Claimed, RootClaimable};
use crate::state::{seeds, ClaimStatus, Config};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct ClaimArgs {
    /// The recipient's cumulative amount in the tree.
    pub cumulative: u64,
    /// Sibling hashes from the leaf up (at most 32).
    pub proof: Vec<[u8; 32]>,
}

#[event_cpi]
#[derive(Accounts)]
pub struct Claim<'info> {
    /// Pays the rent of a new claim status; need not be the recipient.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The leaf's recipient: any account, only its address is used. It must own
    /// `recipient_token_account`.
    /// CHECK: the proof is checked in the handler, ownership by the token account's constraint.
    pub recipient: UncheckedAccount<'info>,
    #[account(mut, seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Box<Account<'info, Config>>,
    #[account(
        init_if_needed,
        payer = payer,
        space = 8 + ClaimStatus::INIT_SPACE,
        seeds = [seeds::CLAIM, config.key().as_ref(), recipient.key().as_ref()],
        bump,
    )]
    pub claim_status: Box<Account<'info, ClaimStatus>>,
    #[account(mut, address = config.reward_mint @ RewardsError::WrongRewardMint)]
    pub reward_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(
        mut,
        constraint = recipient_token_account.mint == reward_mint.key()
            @ RewardsError::TokenAccountMintMismatch,
        constraint = recipient_token_account.owner == recipient.key()
            @ RewardsError::TokenAccountOwnerMismatch,
    )]
    pub recipient_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The reward mint's mint authority (checked at initialize); it holds nothing and signs
    /// the mint.
    /// CHECK: seeds and the stored bump checked here.
    #[account(seeds = [seeds::MINT_AUTHORITY, config.key().as_ref()], bump = config.mint_authority_bump)]
    pub mint_authority: UncheckedAccount<'info>,
    #[account(address = config.token_program @ RewardsError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

impl Claim<'_> {
    pub fn validate(&self, args: &ClaimArgs) -> Result<()> {
        require!(!self.config.paused, RewardsError::Paused);
        require!(args.proof.len() <= MAX_PROOF_LEN, RewardsError::ProofTooLong);
        Ok(())
    }
}

pub fn handler(ctx: Context<Claim>, args: ClaimArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let recipient = ctx.accounts.recipient.key();
    let config_key = ctx.accounts.config.key();

    let claim_status = &mut ctx.accounts.claim_status;
    if claim_status.is_new() {
        claim_status.config = config_key;
        claim_status.recipient = recipient;
        claim_status.bump = ctx.bumps.claim_status;
    }

    let config = &mut ctx.accounts.config;
    let promoted = config.promote_matured_root(now);
    let root = root_from_proof(leaf_hash(&recipient.to_bytes(), args.cumulative), &args.proof);
    let used = match config.claimable.find(&root) {
        Some(used) => used,
        None if config.pending_root.is_some_and(|p| p.root.root == root) => {
            return err!(RewardsError::RootInChallengePeriod)
        }
        None => return err!(RewardsError::InvalidProof),
    };

    let amount = claim_status.payout(args.cumulative);
    if amount > 0 {
        config.record_claim(amount, used.cumulative_total)?;
        claim_status.record(args.cumulative, now)?;
        let bump = [config.mint_authority_bump];
        let signer: &[&[&[u8]]] = &[&[seeds::MINT_AUTHORITY, config_key.as_ref(), &bump]];
        token_interface::mint_to_checked(
            CpiContext::new_with_signer(
                ctx.accounts.token_program.key(),
                MintToChecked {
                    mint: ctx.accounts.reward_mint.to_account_info(),
                    to: ctx.accounts.recipient_token_account.to_account_info(),
                    authority: ctx.accounts.mint_authority.to_account_info(),
                },
                signer,
            ),
            amount,
            ctx.accounts.reward_mint.decimals,
        )?;
    }

    let claimed_total = ctx.accounts.claim_status.claimed_total;
    let program_total_claimed = ctx.accounts.config.total_claimed;
    if let Some(root) = promoted {
        emit_cpi!(RootClaimable { root });
    }
    emit_cpi!(Claimed {
        recipient,
        token_account: ctx.accounts.recipient_token_account.key(),
        root_epoch: used.epoch,
        cumulative: args.cumulative,
        amount,
        claimed_total,
        program_total_claimed,
    });
    Ok(())
}
