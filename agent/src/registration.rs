//! `gridmint-agent sign-registration`: the device key's signature on `register_node` (or
//! `rotate_device_key`, to this key), made where the key lives, for the operator to
//! complete and send (`gridmint_sdk::offline::complete`, the CLI's `node register
//! --signed <file>`). The transaction uses a durable nonce, so it does not expire on the
//! way; see `gridmint_sdk::offline`.
//!
//! Everything the transaction names can be given on the command line, so signing needs no
//! network; what is missing is read from `rpc_url` (the nonce value, the next node id, the
//! stake mint and token program).

use anchor_lang::prelude::Pubkey;
use gridmint_sdk::chain::{ChainExt, RpcChain};
use gridmint_sdk::node_staking::{self as ns, Capacity, NodeKind, RegisterNodeArgs, StakeTokens};
use gridmint_sdk::offline::{self, DurableNonce};
use serde_json::{json, Value};
use solana_commitment_config::CommitmentConfig;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// What to sign.
#[derive(Clone, Debug)]
pub enum Request {
    Register(Box<RegisterRequest>),
    /// Rotate the node's device key from `old_device` to this agent's key.
    Rotate {
        node_id: u64,
        old_device: Pubkey,
    },
}

#[derive(Clone, Debug)]
pub struct RegisterRequest {
    /// `None`: the config's `next_node_id`, read over RPC.
    pub node_id: Option<u64>,
    pub kind: NodeKind,
    pub capacity: Capacity,
    pub region: u16,
    pub metadata_uri: String,
    pub reward_recipient: Option<Pubkey>,
    /// Raw token units.
    pub stake: u64,
    /// `None`: read from node-staking's config.
    pub stake_mint: Option<Pubkey>,
    pub token_program: Option<Pubkey>,
    /// `None`: the operator's associated token account of the stake mint.
    pub operator_token: Option<Pubkey>,
}

/// The nonce account and, optionally, its value (read over RPC when absent).
#[derive(Clone, Copy, Debug)]
pub struct NonceArgs {
    pub account: Pubkey,
    pub authority: Option<Pubkey>,
    pub value: Option<Hash>,
}

/// Builds the transaction and signs it with `device`; answers the JSON handed to the
/// operator: `{transaction (base64), device, node_id, nonce_account, nonce, missing}`.
pub async fn sign(
    device: &Keypair,
    operator: Pubkey,
    nonce: NonceArgs,
    request: Request,
    rpc_url: Option<&str>,
) -> anyhow::Result<Value> {
    let chain = rpc_url.map(|u| RpcChain::from_url(u.to_string(), CommitmentConfig::confirmed()));
    let need_rpc = |what: &str| {
        anyhow::anyhow!("{what} is not given: pass it on the command line or set rpc_url (-u)")
    };
    let value = match nonce.value {
        Some(v) => v,
        None => {
            let url = rpc_url.ok_or_else(|| need_rpc("--nonce"))?;
            nonce_value(url, &nonce.account).await?
        }
    };
    let durable = DurableNonce {
        account: nonce.account,
        authority: nonce.authority.unwrap_or(operator),
        value,
    };
    let (ix, node_id) = match request {
        Request::Rotate { node_id, old_device } => {
            (ns::rotate_device_key(&operator, node_id, &old_device, &device.pubkey()), node_id)
        }
        Request::Register(r) => {
            let config = match (&chain, r.node_id, r.stake_mint, r.token_program) {
                (_, Some(_), Some(_), Some(_)) => None,
                (Some(chain), ..) => Some(
                    chain
                        .node_staking_config()
                        .await?
                        .account
                        .ok_or_else(|| anyhow::anyhow!("node-staking is not initialised"))?,
                ),
                (None, ..) => return Err(need_rpc("--node-id, --stake-mint or --token-program")),
            };
            let pick = |given: Option<Pubkey>, read: fn(&ns::Config) -> Pubkey| {
                given.or_else(|| config.as_ref().map(read)).unwrap_or_default()
            };
            let stake_mint = pick(r.stake_mint, |c| c.stake_mint);
            let token_program = pick(r.token_program, |c| c.stake_token_program);
            let node_id = r.node_id.or(config.as_ref().map(|c| c.next_node_id)).unwrap_or_default();
            let operator_token = r.operator_token.unwrap_or_else(|| {
                spl_associated_token_account_interface::address::get_associated_token_address_with_program_id(
                    &operator,
                    &stake_mint,
                    &token_program,
                )
            });
            let tokens = StakeTokens { stake_mint, token_program, operator_token };
            let args = RegisterNodeArgs {
                kind: r.kind,
                capacity: r.capacity,
                region: r.region,
                metadata_uri: r.metadata_uri,
                reward_recipient: r.reward_recipient,
                stake: r.stake,
            };
            (ns::register_node(&operator, &device.pubkey(), node_id, &tokens, args), node_id)
        }
    };
    let mut tx = offline::durable_transaction(&operator, &durable, &[ix]);
    offline::sign_partial(&mut tx, device)?;
    let missing: Vec<String> =
        offline::missing_signers(&tx).iter().map(ToString::to_string).collect();
    Ok(json!({
        "transaction": offline::encode(&tx),
        "device": device.pubkey().to_string(),
        "node_id": node_id,
        "nonce_account": durable.account.to_string(),
        "nonce": durable.value.to_string(),
        "missing": missing,
    }))
}

/// The value stored in a durable nonce account.
pub async fn nonce_value(rpc_url: &str, account: &Pubkey) -> anyhow::Result<Hash> {
    use solana_rpc_client_nonce_utils::nonblocking::{
        data_from_account, get_account_with_commitment,
    };
    let rpc = solana_client::nonblocking::rpc_client::RpcClient::new(rpc_url.to_string());
    let account_data = get_account_with_commitment(&rpc, account, CommitmentConfig::confirmed())
        .await
        .map_err(|e| anyhow::anyhow!("nonce account {account}: {e}"))?;
    let data = data_from_account(&account_data)
        .map_err(|e| anyhow::anyhow!("nonce account {account}: {e}"))?;
    Ok(data.blockhash())
}
