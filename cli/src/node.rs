//! `gridmint node show | register --signed | rotate-key --signed | update`.

use std::path::PathBuf;

use clap::Subcommand;
use gridmint_sdk::chain::{ChainExt, Fetched};
use gridmint_sdk::node_staking::{self as ns, Node};
use gridmint_sdk::offline;
use serde_json::{json, Value};
use solana_signer::Signer;

use crate::context::Context;

#[derive(Subcommand, Debug)]
pub enum NodeCommand {
    /// A node's registration, capacity, stake and unbonding.
    Show { node_id: u64 },
    /// Complete and send a registration (or device-key rotation) that the device key signed
    /// offline (`gridmint-agent sign-registration --out <file>`): the signer is the operator.
    Register {
        #[arg(long)]
        signed: PathBuf,
    },
    /// Complete a device-key rotation the new device key signed offline
    /// (`gridmint-agent sign-registration --rotate …`): the signer is the operator.
    RotateKey {
        #[arg(long)]
        signed: PathBuf,
    },
    /// Change what the operator may change; only the named fields change.
    Update {
        node_id: u64,
        #[arg(long)]
        metadata_uri: Option<String>,
        /// Owner of the token account rewards are paid to.
        #[arg(long)]
        recipient: Option<String>,
        /// ISO 3166-1 numeric country code.
        #[arg(long)]
        region: Option<u16>,
        /// New capacity (both fields; in force from a later epoch, see `node show`).
        #[arg(long, requires = "compute_units_per_hour")]
        energy_wp: Option<u64>,
        #[arg(long, requires = "energy_wp")]
        compute_units_per_hour: Option<u64>,
    },
}

pub async fn run(ctx: &Context, command: NodeCommand) -> anyhow::Result<Value> {
    match command {
        NodeCommand::Show { node_id } => show(ctx, node_id).await,
        NodeCommand::Register { signed } | NodeCommand::RotateKey { signed } => {
            register(ctx, &signed).await
        }
        NodeCommand::Update {
            node_id,
            metadata_uri,
            recipient,
            region,
            energy_wp,
            compute_units_per_hour,
        } => {
            let reward_recipient =
                recipient.map(|r| crate::pubkey("--recipient", &r)).transpose()?;
            let capacity =
                energy_wp.zip(compute_units_per_hour).map(|(energy_wp, compute_units_per_hour)| {
                    ns::Capacity { energy_wp, compute_units_per_hour }
                });
            let args = ns::UpdateNodeArgs { metadata_uri, reward_recipient, region, capacity };
            update(ctx, node_id, args).await
        }
    }
}

/// A node as JSON (amounts in base units).
pub fn node_json(node: &Node) -> Value {
    json!({
        "node_id": node.node_id,
        "operator": node.operator.to_string(),
        "kind": format!("{:?}", node.kind),
        "device_key": node.device_key.to_string(),
        "reward_recipient": node.reward_recipient.to_string(),
        "region": node.region,
        "energy_wp": node.capacity.energy_wp,
        "compute_units_per_hour": node.capacity.compute_units_per_hour,
        "active_stake": node.active_stake,
        "pending_stake": node.pending_stake,
        "unlock_at": node.unlock_at,
    })
}

pub async fn fetch_node(ctx: &Context, node_id: u64) -> anyhow::Result<Fetched<Option<Node>>> {
    let address = ns::node_pda(&ns::config_address(), node_id).0;
    Ok(ctx.chain().fetch(address, ns::PROGRAM_ID, "node").await?)
}

async fn show(ctx: &Context, node_id: u64) -> anyhow::Result<Value> {
    let fetched = fetch_node(ctx, node_id).await?;
    let node = fetched
        .account
        .ok_or_else(|| anyhow::anyhow!("node {node_id} does not exist on {}", ctx.rpc_url))?;
    let mut out = node_json(&node);
    out["address"] = json!(fetched.address.to_string());
    Ok(out)
}

async fn update(ctx: &Context, node_id: u64, args: ns::UpdateNodeArgs) -> anyhow::Result<Value> {
    let operator = ctx.signer()?.pubkey();
    let signature = ctx.send(&[ns::update_node(&operator, node_id, args)]).await?;
    let mut out = show(ctx, node_id).await?;
    out["signature"] = json!(signature);
    Ok(out)
}

async fn register(ctx: &Context, signed: &std::path::Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(signed)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", signed.display()))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!("{} is not sign-registration output: {e}", signed.display())
    })?;
    let encoded = doc["transaction"].as_str().ok_or_else(|| {
        anyhow::anyhow!(
            "{} has no \"transaction\": is it sign-registration output?",
            signed.display()
        )
    })?;
    let mut tx = offline::decode(encoded)?;
    let operator = ctx.signer()?;
    if tx.message.account_keys.first() != Some(&operator.pubkey()) {
        anyhow::bail!(
            "this transaction is paid by {}, not by the signer {}: pass that operator's keypair \
             with -k",
            tx.message.account_keys.first().map(ToString::to_string).unwrap_or_default(),
            operator.pubkey()
        );
    }
    offline::complete(&mut tx, &operator)?;
    let instructions = decompiled(&tx);
    let rpc = solana_client_rpc(ctx);
    let signature = rpc.send_and_confirm_transaction(&tx).await.map_err(|e| {
        match e.get_transaction_error() {
            Some(err) => {
                crate::explain(gridmint_sdk::chain::ChainError::transaction(err, &instructions))
            }
            None => anyhow::anyhow!("sending the registration: {e}"),
        }
    })?;
    Ok(json!({
        "signature": signature.to_string(),
        "node_id": doc["node_id"],
        "device": doc["device"],
    }))
}

/// The program ids of a transaction's instructions (enough to name their errors).
fn decompiled(tx: &solana_transaction::Transaction) -> Vec<solana_instruction::Instruction> {
    tx.message
        .instructions
        .iter()
        .map(|ix| solana_instruction::Instruction {
            program_id: tx.message.account_keys[usize::from(ix.program_id_index)],
            accounts: Vec::new(),
            data: ix.data.clone(),
        })
        .collect()
}

pub fn solana_client_rpc(ctx: &Context) -> solana_client::nonblocking::rpc_client::RpcClient {
    solana_client::nonblocking::rpc_client::RpcClient::new_with_commitment(
        ctx.rpc_url.clone(),
        ctx.commitment,
    )
}
