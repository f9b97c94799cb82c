//! The stake and reward mints: created from a keypair file (written on first use, so a
//! rerun finds the same address) or adopted, then checked against what the programs need.
//!
//! - Stake mint: no freeze authority (it could freeze the vault and lock all stake) and no
//!   Token-2022 extension the shared mint policy refuses, unless `allow_unsafe_mint`.
//! - Reward mint: mint authority handed to the rewards program's PDA (from the deploying
//!   key when it holds it); freeze authority none or that PDA.

use anchor_lang::prelude::Pubkey;
use gridmint_protocol::mint_policy::check_mint_extension;
use gridmint_sdk::rewards as rw;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use spl_token_2022_interface::extension::{BaseStateWithExtensions, StateWithExtensions};
use spl_token_2022_interface::instruction::{self as token_ix, AuthorityType};
use spl_token_2022_interface::state::Mint;

use crate::plan::{address, MintPlan};
use crate::{Deployer, Step};

/// Which mint: the checks differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Stake,
    Reward,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Stake => "stake_mint",
            Role::Reward => "reward_mint",
        }
    }
}

/// A mint as the programs will use it.
#[derive(Clone, Copy, Debug)]
pub struct ReadyMint {
    pub address: Pubkey,
    pub token_program: Pubkey,
    pub decimals: u8,
}

/// What a mint account holds that matters here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MintFacts {
    pub mint_authority: Option<Pubkey>,
    pub freeze_authority: Option<Pubkey>,
    pub decimals: u8,
    /// Token-2022 extension type codes.
    pub extensions: Vec<u16>,
}

pub fn parse_mint(data: &[u8]) -> anyhow::Result<MintFacts> {
    let state = StateWithExtensions::<Mint>::unpack(data)
        .map_err(|e| anyhow::anyhow!("not a token mint: {e}"))?;
    let extensions = state
        .get_extension_types()
        .map_err(|e| anyhow::anyhow!("unreadable mint extensions: {e}"))?
        .into_iter()
        .map(|t| t as u16)
        .collect();
    Ok(MintFacts {
        mint_authority: state.base.mint_authority.into(),
        freeze_authority: state.base.freeze_authority.into(),
        decimals: state.base.decimals,
        extensions,
    })
}

/// Why a mint cannot back its role (empty when it can). `pda` is the rewards mint authority.
pub fn refusals(role: Role, facts: &MintFacts, allow_unsafe: bool, pda: &Pubkey) -> Vec<String> {
    let mut why = Vec::new();
    match role {
        Role::Stake if !allow_unsafe => {
            if let Some(freeze) = facts.freeze_authority {
                why.push(format!(
                    "it has a freeze authority ({freeze}) that could freeze the stake vault; set \
                     allow_unsafe_mint = true to accept it"
                ));
            }
            for code in &facts.extensions {
                if let Err(refused) = check_mint_extension(*code) {
                    why.push(format!("Token-2022 extension {code} is refused: {refused:?}"));
                }
            }
        }
        Role::Stake => {}
        Role::Reward => {
            if facts.freeze_authority.is_some_and(|f| f != *pda) {
                why.push("its freeze authority must be none or the rewards PDA".into());
            }
            for code in &facts.extensions {
                if let Err(refused) = check_mint_extension(*code) {
                    why.push(format!("Token-2022 extension {code} is refused: {refused:?}"));
                }
            }
        }
    }
    why
}

/// The keypair in `path`, generated and written (owner-only) when the file does not exist.
fn mint_keypair(path: &std::path::Path) -> anyhow::Result<Keypair> {
    if !path.exists() {
        gridmint_ops::keypair::keygen(path, false)?;
    }
    gridmint_ops::keypair::read_keypair_file(path)
}

/// Creates, adopts and checks one mint; records what it did in `steps`.
pub async fn ensure(
    d: &Deployer,
    role: Role,
    plan: &MintPlan,
    steps: &mut Vec<Step>,
) -> anyhow::Result<ReadyMint> {
    let pda = rw::mint_authority_pda().0;
    let payer = d.admin.pubkey();
    let (mint, keypair) = match (&plan.address, &plan.keypair) {
        (Some(text), _) => (address(role.name(), text)?, None),
        (None, Some(path)) => {
            let k = mint_keypair(path)?;
            (k.pubkey(), Some(k))
        }
        (None, None) => anyhow::bail!("[{}]: give `address` or `keypair`", role.name()),
    };
    let account = d.rpc.get_account_with_commitment(&mint, d.rpc.commitment()).await?.value;
    let account = match (account, keypair) {
        (Some(account), _) => account,
        (None, None) => anyhow::bail!("{} {mint} does not exist on this cluster", role.name()),
        (None, Some(keypair)) => {
            let token_program = if plan.token_2022 {
                spl_token_2022_interface::ID
            } else {
                spl_token_interface::ID
            };
            let authority = if role == Role::Reward { pda } else { payer };
            let rent = d.rpc.get_minimum_balance_for_rent_exemption(82).await?;
            let ixs = [
                solana_system_interface::instruction::create_account(
                    &payer,
                    &mint,
                    rent,
                    82,
                    &token_program,
                ),
                token_ix::initialize_mint2(&token_program, &mint, &authority, None, plan.decimals)?,
            ];
            d.send(&ixs, &[&keypair]).await?;
            steps.push(Step::changed(
                role.name(),
                format!("created {mint} ({} decimals)", plan.decimals),
            ));
            return Ok(ReadyMint { address: mint, token_program, decimals: plan.decimals });
        }
    };
    let facts = parse_mint(&account.data)?;
    let why = refusals(role, &facts, plan.allow_unsafe_mint, &pda);
    if !why.is_empty() {
        anyhow::bail!("{} {mint} cannot be used: {}", role.name(), why.join("; "));
    }
    let ready = ReadyMint { address: mint, token_program: account.owner, decimals: facts.decimals };
    if role == Role::Reward && facts.mint_authority != Some(pda) {
        if facts.mint_authority != Some(payer) {
            anyhow::bail!(
                "reward_mint {mint}: its mint authority is {:?}; it must be the rewards PDA {pda}, \
                 or the deploying key {payer} so this tool can hand it over",
                facts.mint_authority
            );
        }
        d.send(&[hand_over(&ready, &payer, &pda)?], &[]).await?;
        steps.push(Step::changed(role.name(), format!("mint authority of {mint} handed to {pda}")));
        return Ok(ready);
    }
    steps.push(Step::unchanged(role.name(), format!("{mint} ({} decimals)", facts.decimals)));
    Ok(ready)
}

fn hand_over(mint: &ReadyMint, from: &Pubkey, to: &Pubkey) -> anyhow::Result<Instruction> {
    Ok(token_ix::set_authority(
        &mint.token_program,
        &mint.address,
        Some(to),
        AuthorityType::MintTokens,
        from,
        &[],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridmint_protocol::mint_policy::code;

    fn facts(freeze: Option<Pubkey>, extensions: Vec<u16>) -> MintFacts {
        MintFacts { mint_authority: None, freeze_authority: freeze, decimals: 6, extensions }
    }

    #[test]
    fn unsafe_mints_are_refused_with_the_reason() {
        let (pda, other) = (Pubkey::new_unique(), Pubkey::new_unique());
        assert!(refusals(Role::Stake, &facts(None, vec![code::METADATA_POINTER]), false, &pda)
            .is_empty());
        let frozen = refusals(Role::Stake, &facts(Some(other), vec![]), false, &pda);
        assert_eq!(frozen.len(), 1);
        assert!(frozen[0].starts_with(&format!("it has a freeze authority ({other})")));
        assert!(
            refusals(Role::Stake, &facts(Some(other), vec![code::PERMANENT_DELEGATE]), true, &pda)
                .is_empty(),
            "allow_unsafe_mint accepts both"
        );
        let hooked = refusals(Role::Stake, &facts(None, vec![code::TRANSFER_HOOK]), false, &pda);
        assert!(hooked[0].starts_with("Token-2022 extension 14 is refused"), "{hooked:?}");
        // The reward mint: its freeze authority may only be the rewards PDA.
        assert!(refusals(Role::Reward, &facts(Some(pda), vec![]), false, &pda).is_empty());
        assert_eq!(
            refusals(Role::Reward, &facts(Some(other), vec![]), false, &pda),
            vec!["its freeze authority must be none or the rewards PDA".to_string()]
        );
        let fee = refusals(Role::Reward, &facts(None, vec![code::TRANSFER_FEE_CONFIG]), true, &pda);
        assert!(fee[0].starts_with("Token-2022 extension 1 is refused"), "{fee:?}");
    }

    #[test]
    fn a_mint_account_is_parsed_or_refused() {
        assert!(parse_mint(&[0u8; 10]).unwrap_err().to_string().starts_with("not a token mint"));
    }
}
