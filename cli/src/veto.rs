//! `gridmint admin veto`: a correction document (PROTOCOL.md §9.7) stored at the oracles,
//! then `veto_epoch` with its hash as the reason. The document goes first: oracles recompute
//! the epoch only from a document they hold, so a veto whose document reached none of them
//! would leave the epoch without a quorum.

use std::path::PathBuf;

use clap::Args;
use gridmint_protocol::crediting::corrections::{
    CorrectionAction, CorrectionDocument, Exclusion, ExclusionReason, CORRECTION_VERSION,
};
use gridmint_sdk::chain::ChainExt;
use gridmint_sdk::node_staking as ns;
use gridmint_sdk::rewards as rw;
use serde_json::{json, Value};
use solana_signer::Signer;

use crate::context::Context;
use crate::hex;

#[derive(Args, Debug)]
pub struct VetoArgs {
    pub epoch: u64,
    /// Exclude a node (id or address), optionally with a reason:
    /// `<node>[:other|fraud|compromised-device|self-dealing|data-error]`. Repeatable.
    #[arg(long = "exclude")]
    pub exclude: Vec<String>,
    /// Declare the epoch empty: nobody is paid for it.
    #[arg(long, conflicts_with = "exclude")]
    pub empty: bool,
    /// Oracle base URL to store the correction document at (repeatable; every one must
    /// accept it before the veto is sent).
    #[arg(long = "oracle")]
    pub oracles: Vec<String>,
    /// Also write the document's Borsh bytes to this file.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn reason_code(text: &str) -> anyhow::Result<ExclusionReason> {
    Ok(match text {
        "other" => ExclusionReason::Other,
        "fraud" => ExclusionReason::Fraud,
        "compromised-device" => ExclusionReason::CompromisedDevice,
        "self-dealing" => ExclusionReason::SelfDealing,
        "data-error" => ExclusionReason::DataError,
        _ => anyhow::bail!(
            "unknown exclusion reason {text:?}: use other, fraud, compromised-device, \
             self-dealing or data-error"
        ),
    })
}

/// `<node>[:<reason>]`, the node as an id or an address.
fn exclusion(text: &str) -> anyhow::Result<Exclusion> {
    let (node, reason) = text.split_once(':').unwrap_or((text, "other"));
    let address = match node.parse::<u64>() {
        Ok(id) => ns::node_pda(&ns::config_address(), id).0,
        Err(_) => crate::pubkey("node", node)?,
    };
    Ok(Exclusion { node: address.to_bytes(), reason: reason_code(reason)? })
}

/// The document the arguments describe; `None` for a plain "recompute" veto.
pub fn document(args: &VetoArgs) -> anyhow::Result<Option<CorrectionDocument>> {
    let action = if args.empty {
        CorrectionAction::EmptyEpoch
    } else if args.exclude.is_empty() {
        return Ok(None);
    } else {
        let mut nodes =
            args.exclude.iter().map(|e| exclusion(e)).collect::<anyhow::Result<Vec<_>>>()?;
        nodes.sort_by_key(|e| e.node);
        if let Some(pair) = nodes.windows(2).find(|w| w[0].node == w[1].node) {
            let node = anchor_lang::prelude::Pubkey::new_from_array(pair[0].node);
            anyhow::bail!("node {node} is excluded twice: name it once");
        }
        CorrectionAction::ExcludeNodes(nodes)
    };
    Ok(Some(CorrectionDocument {
        version: CORRECTION_VERSION,
        rewards_program: rw::PROGRAM_ID.to_bytes(),
        epoch: args.epoch,
        action,
    }))
}

/// Stores `bytes` at every oracle, or says which refused.
async fn store_at_oracles(oracles: &[String], hash: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    for base in oracles {
        let url = format!("{}/v1/corrections/{hash}", base.trim_end_matches('/'));
        let response = client.put(&url).body(bytes.to_vec()).send().await.map_err(|e| {
            anyhow::anyhow!("oracle {base} did not take the correction document: {e}")
        })?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() || body["well_formed"] != json!(true) {
            anyhow::bail!(
                "oracle {base} refused the correction document ({status}: {body}); the veto was \
                 not sent"
            );
        }
    }
    Ok(())
}

pub async fn veto(ctx: &Context, args: &VetoArgs) -> anyhow::Result<Value> {
    let document = document(args)?;
    let (reason, bytes) = match &document {
        Some(doc) => (doc.hash(), borsh::to_vec(doc)?),
        None => ([0u8; 32], Vec::new()),
    };
    if document.is_some() {
        if args.oracles.is_empty() && args.out.is_none() {
            anyhow::bail!(
                "the oracles need the correction document to recompute the epoch: pass \
                 --oracle <url> (repeatable), or --out <file> to publish it yourself"
            );
        }
        if let Some(path) = &args.out {
            std::fs::write(path, &bytes)
                .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
        }
        store_at_oracles(&args.oracles, &hex(&reason), &bytes).await?;
    }
    let signer = ctx.signer()?.pubkey();
    let signature = ctx.send(&[rw::veto_epoch(&signer, args.epoch, reason)]).await?;
    let state = ctx.chain().epoch_state(args.epoch).await?.account;
    Ok(json!({
        "signature": signature,
        "epoch": args.epoch,
        "reason": hex(&reason),
        "document": document.map(|d| format!("{:?}", d.action)),
        "stored_at": args.oracles,
        "round": state.map(|s| s.round),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(exclude: &[&str], empty: bool) -> VetoArgs {
        VetoArgs {
            epoch: 4,
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
            empty,
            oracles: Vec::new(),
            out: None,
        }
    }

    #[test]
    fn documents_sort_exclusions_and_refuse_bad_ones() {
        assert_eq!(document(&args(&[], false)).unwrap(), None, "a plain recompute veto");
        let empty = document(&args(&[], true)).unwrap().unwrap();
        assert_eq!((empty.epoch, empty.action), (4, CorrectionAction::EmptyEpoch));
        let doc = document(&args(&["2:fraud", "1"], false)).unwrap().unwrap();
        let CorrectionAction::ExcludeNodes(nodes) = doc.action else { panic!("exclusions") };
        assert!(nodes.windows(2).all(|w| w[0].node < w[1].node), "strictly increasing");
        let node_2 = ns::node_pda(&ns::config_address(), 2).0.to_bytes();
        let two = nodes.iter().find(|e| e.node == node_2).expect("node 2 by id");
        assert_eq!(two.reason, ExclusionReason::Fraud);
        let twice = document(&args(&["1", "1:fraud"], false)).unwrap_err().to_string();
        let node_1 = ns::node_pda(&ns::config_address(), 1).0;
        assert_eq!(twice, format!("node {node_1} is excluded twice: name it once"));
        let reason = document(&args(&["1:theft"], false)).unwrap_err().to_string();
        assert!(reason.starts_with("unknown exclusion reason \"theft\": use other, fraud"));
        let node = document(&args(&["not-a-key"], false)).unwrap_err().to_string();
        assert_eq!(node, "node: \"not-a-key\" is not a base58 address");
    }
}
