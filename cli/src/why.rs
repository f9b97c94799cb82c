//! `gridmint why <node> --epoch N --oracle URL`: why a node earned what it did. The oracle's
//! explanation says which inputs counted and why others did not; the reward itself is
//! recomputed here from the published manifest (Borsh, its hash checked against the one the
//! chain finalized), so the answer does not rest on the oracle's word.

use gridmint_protocol::rewards::{compute_epoch_rewards, EpochManifest};
use gridmint_sdk::chain::ChainExt;
use gridmint_sdk::node_staking as ns;
use gridmint_sdk::rewards::EpochStatus;
use serde_json::{json, Value};

use crate::context::Context;
use crate::hex;

/// Status and body of a GET to the oracle.
async fn get(url: &str) -> anyhow::Result<(reqwest::StatusCode, Vec<u8>)> {
    let response = reqwest::Client::new()
        .get(url)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("GET {url}: {e}: is the oracle running?"))?;
    let status = response.status();
    Ok((status, response.bytes().await?.to_vec()))
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

pub async fn why(ctx: &Context, node_id: u64, epoch: u64, oracle: &str) -> anyhow::Result<Value> {
    let base = oracle.trim_end_matches('/');
    let node = ns::node_pda(&ns::config_address(), node_id).0;
    let state = ctx.chain().epoch_state(epoch).await?.account;
    let finalized =
        state.filter(|s| s.status == EpochStatus::Final).map(|s| s.report.manifest_hash);

    // The manifest: the finalized one when there is one, else the oracle's latest result.
    let mut url = format!("{base}/v1/epochs/{epoch}/manifest?format=borsh");
    if let Some(hash) = finalized {
        url.push_str(&format!("&hash={}", hex(&hash)));
    }
    let (status, body) = get(&url).await?;
    if !status.is_success() {
        let reason = json_of(&body)["error"].as_str().unwrap_or("?").to_string();
        anyhow::bail!("the oracle has no manifest of epoch {epoch} ({status}: {reason})");
    }
    let manifest: EpochManifest =
        borsh::from_slice(&body).map_err(|e| anyhow::anyhow!("GET {url}: not a manifest: {e}"))?;
    let hash = manifest.hash();
    if finalized.is_some_and(|h| h != hash) {
        anyhow::bail!(
            "the oracle's manifest of epoch {epoch} hashes to {}, not the finalized {}: ask \
             another oracle",
            hex(&hash),
            finalized.map(|h| hex(&h)).unwrap_or_default()
        );
    }
    let listed = manifest.nodes.iter().find(|n| n.node == node.to_bytes()).copied();
    let reward = match &listed {
        Some(input) => {
            let rewards = compute_epoch_rewards(
                &manifest.params,
                manifest.stake_decimals,
                manifest.emission,
                &manifest.nodes,
            )
            .map_err(|e| anyhow::anyhow!("the manifest does not compute: {e:?}"))?;
            let r = rewards
                .node_reward(input)
                .map_err(|e| anyhow::anyhow!("the node's reward does not compute: {e:?}"))?;
            json!({
                "compute_pool": rewards.compute_pool,
                "energy_pool": rewards.energy_pool,
                "creditable_work": r.creditable_work,
                "green_work": r.green_work,
                "creditable_energy": r.creditable_energy,
                "compute_reward": r.compute_reward,
                "energy_reward": r.energy_reward,
                "total": r.total(),
            })
        }
        None => Value::Null,
    };
    let (_, explained) = get(&format!("{base}/v1/epochs/{epoch}/nodes/{node}/explain")).await?;
    let explained = json_of(&explained);
    let agrees = explained["reward"]["total"] == reward["total"];
    Ok(json!({
        "epoch": epoch,
        "node_id": node_id,
        "node": node.to_string(),
        "manifest_hash": hex(&hash),
        "finalized": finalized.is_some(),
        "listed": listed.is_some(),
        "inputs": listed.map(|n| json!({
            "stake": n.stake, "work_units": n.work_units, "energy_wh": n.energy_wh,
            "consumed_wh": n.consumed_wh, "matched_wh": n.matched_wh,
            "challenges_issued": n.challenges_issued, "challenges_passed": n.challenges_passed,
        })),
        "reward": reward,
        "oracle_agrees": agrees,
        "credit": explained["credit"],
        "excluded_by_correction": explained["excluded_by_correction"],
    }))
}

#[cfg(test)]
mod tests {
    use crate::hex;

    #[test]
    fn hashes_print_as_lowercase_hex() {
        assert_eq!(hex(&[0xAB, 0x01]), "ab01");
        assert_eq!(crate::claim::unhex32(&hex(&[7; 32])), Some([7; 32]));
    }
}
