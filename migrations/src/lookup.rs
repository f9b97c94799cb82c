//! The address lookup table for claims: the accounts every claim names, so a version-0
//! transaction carrying a 32-level proof still fits. Found again on a rerun by its authority
//! (the deploying key) and contents; created and extended otherwise.

use anchor_lang::prelude::Pubkey;
use gridmint_sdk::rewards as rw;
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_address_lookup_table_interface::instruction::{
    create_lookup_table, extend_lookup_table,
};
use solana_address_lookup_table_interface::state::AddressLookupTable;
use solana_client::rpc_config::{RpcAccountInfoConfig, RpcProgramAccountsConfig};
use solana_client::rpc_filter::{Memcmp, RpcFilterType};
use solana_signer::Signer;

use crate::mints::ReadyMint;
use crate::{Deployer, Step};

/// The accounts shared by every claim, in a fixed order.
pub fn claim_accounts(reward: &ReadyMint) -> Vec<Pubkey> {
    vec![
        rw::PROGRAM_ID,
        rw::config_address(),
        reward.address,
        rw::mint_authority_pda().0,
        reward.token_program,
        solana_sdk_ids::system_program::ID,
        rw::event_authority_pda().0,
        spl_associated_token_account_interface::program::ID,
    ]
}

/// Offset of the authority's `Option` tag in a lookup table account (after the 4-byte type,
/// deactivation slot, last extended slot and its start index).
const AUTHORITY_OFFSET: usize = 21;

/// Lookup tables whose authority is `authority`, with their addresses.
async fn tables_of(d: &Deployer, authority: &Pubkey) -> anyhow::Result<Vec<(Pubkey, Vec<Pubkey>)>> {
    let mut tag_and_key = vec![1u8];
    tag_and_key.extend_from_slice(authority.as_ref());
    let config = RpcProgramAccountsConfig {
        filters: Some(vec![RpcFilterType::Memcmp(Memcmp::new_raw_bytes(
            AUTHORITY_OFFSET,
            tag_and_key,
        ))]),
        account_config: RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            commitment: Some(d.rpc.commitment()),
            ..RpcAccountInfoConfig::default()
        },
        ..RpcProgramAccountsConfig::default()
    };
    let found = d
        .rpc
        .get_program_ui_accounts_with_config(&solana_sdk_ids::address_lookup_table::ID, config)
        .await?;
    Ok(found
        .into_iter()
        .filter_map(|(address, account)| {
            let data = account.data.decode()?;
            let table = AddressLookupTable::deserialize(&data).ok()?;
            Some((address, table.addresses.to_vec()))
        })
        .collect())
}

pub async fn ensure(
    d: &Deployer,
    reward: &ReadyMint,
    steps: &mut Vec<Step>,
) -> anyhow::Result<Pubkey> {
    let wanted = claim_accounts(reward);
    let authority = d.admin.pubkey();
    if let Some((address, _)) =
        tables_of(d, &authority).await?.into_iter().find(|(_, addresses)| *addresses == wanted)
    {
        steps.push(Step::unchanged("lookup_table", address.to_string()));
        return Ok(address);
    }
    let slot = d
        .rpc
        .get_slot_with_commitment(solana_commitment_config::CommitmentConfig::finalized())
        .await?;
    let (create, address) = create_lookup_table(authority, authority, slot);
    let extend = extend_lookup_table(address, authority, Some(authority), wanted.clone());
    d.send(&[create, extend], &[]).await?;
    steps.push(Step::changed(
        "lookup_table",
        format!("created {address} ({} claim accounts)", wanted.len()),
    ));
    Ok(address)
}
