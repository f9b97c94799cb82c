//! `register_requester`: the config authority registers a compute-work requester key. Work
//! receipts it signs count for rewards from `first_epoch` on, which must be at least the next
//! epoch (never retroactive: epochs already under way or over keep the requesters they had).
//! The record is never closed, so registering a key twice fails.

use anchor_lang::prelude::*;

use crate::errors::NodeStakingError;
use crate::events::RequesterRegistered;
use crate::state::{check_first_epoch, seeds, Config, Requester, REQUESTER_LABEL_LEN};
use crate::utils::pda_account::{create_pda_account, write_account};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct RegisterRequesterArgs {
    /// The key that signs work receipts as requester.
    pub key: Pubkey,
    /// Informational name (UTF-8, zero-padded).
    pub label: [u8; REQUESTER_LABEL_LEN],
    /// First epoch the requester counts in; at least the next epoch (0 before genesis).
    pub first_epoch: u64,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: RegisterRequesterArgs)]
pub struct RegisterRequester<'info> {
    /// Pays for the record.
    #[account(mut)]
    pub authority: Signer<'info>,
    #[account(
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = authority @ NodeStakingError::NotAuthority,
    )]
    pub config: Box<Account<'info, Config>>,
    /// The requester PDA of `args.key`. `validate` refuses it with
    /// `RequesterAlreadyRegistered` if it exists; the handler creates it.
    /// CHECK: address checked by `seeds`; existence checked by `validate`.
    #[account(
        mut,
        seeds = [seeds::REQUESTER, config.key().as_ref(), args.key.as_ref()],
        bump,
    )]
    pub requester: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

impl RegisterRequester<'_> {
    pub fn validate(&self, args: &RegisterRequesterArgs) -> Result<()> {
        require_keys_neq!(args.key, Pubkey::default(), NodeStakingError::InvalidRequesterKey);
        let now = Clock::get()?.unix_timestamp;
        check_first_epoch(args.first_epoch, self.config.next_epoch(now))?;
        let record = &self.requester;
        require!(
            record.owner != &crate::ID && record.data_is_empty(),
            NodeStakingError::RequesterAlreadyRegistered
        );
        Ok(())
    }
}

pub fn handler(ctx: Context<RegisterRequester>, args: RegisterRequesterArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &ctx.accounts;
    let config_key = accounts.config.key();
    let bump = [ctx.bumps.requester];
    let record_seeds: &[&[u8]] = &[seeds::REQUESTER, config_key.as_ref(), args.key.as_ref(), &bump];
    create_pda_account(
        &accounts.authority.to_account_info(),
        &accounts.requester.to_account_info(),
        &accounts.system_program.to_account_info(),
        Requester::DISCRIMINATOR.len().saturating_add(Requester::INIT_SPACE),
        record_seeds,
    )?;
    let record = Requester {
        config: config_key,
        key: args.key,
        label: args.label,
        first_epoch: args.first_epoch,
        retired_epoch: Requester::ACTIVE,
        registered_at: now,
        bump: ctx.bumps.requester,
        reserved: [0; 32],
    };
    write_account(&accounts.requester.to_account_info(), &record)?;
    emit_cpi!(RequesterRegistered {
        requester: accounts.requester.key(),
        key: args.key,
        label: args.label,
        first_epoch: args.first_epoch,
        authority: accounts.authority.key(),
        registered_at: now,
    });
    Ok(())
}
