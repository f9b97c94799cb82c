//! `gridmint requester`: the requester's side of work receipts, with the `-k` keypair as the
//! requester key (it must be registered by the deployment authority for receipts to count).
//!
//! - `run-job --agent URL (--kernel-size N | --command NAME)`: asks the node's agent to run a
//!   job, checks the device-signed receipt (device signature, deployment, that it names this
//!   requester and job, and the output: a kernel job's output is recomputed here up to
//!   `--verify-up-to`, a command's stdout is hashed), co-signs it and hands it back to the
//!   agent, which delivers it to the oracles;
//! - `cosign --receipt FILE`: the same checks and co-signature offline, for a receipt (or an
//!   agent's `/v1/jobs` answer) saved as JSON.

use std::path::PathBuf;

use base64::Engine;
use clap::Subcommand;
use gridmint_protocol::crediting::SignedReceipt;
use gridmint_protocol::messages::WorkReceipt;
use gridmint_sdk::jobs::{command_output_hash, job_seed, KernelJob};
use gridmint_sdk::node_staking as ns;
use gridmint_sdk::requester::{cosign_receipt, receipt_fields, Expected, ReceiptJson};
use serde_json::{json, Value};
use solana_signer::Signer as _;

use crate::context::Context;
use crate::hex;

#[derive(Subcommand, Debug)]
pub enum RequesterCommand {
    /// Run a job on a node's agent, check and co-sign its receipt, and hand it back.
    RunJob {
        /// The agent's base URL (its `listen` address).
        #[arg(long)]
        agent: String,
        /// The built-in kernel on N×N matrices (⌊N³/10⁶⌋ work units).
        #[arg(long, conflicts_with = "command", required_unless_present = "command")]
        kernel_size: Option<u32>,
        /// A job the node's operator configured under this name.
        #[arg(long)]
        command: Option<String>,
        /// Unique per requester [default: the current Unix time in milliseconds].
        #[arg(long)]
        job_id: Option<u64>,
        #[command(flatten)]
        expect: ExpectArgs,
        /// Recompute a kernel job's output here when N is at most this.
        #[arg(long, default_value_t = 512)]
        verify_up_to: u32,
    },
    /// Co-sign a device-signed receipt saved as JSON, after the same checks.
    Cosign {
        #[arg(long)]
        receipt: PathBuf,
        /// The output hash (hex) the requester expects.
        #[arg(long)]
        output_hash: Option<String>,
        /// The job id the requester expects.
        #[arg(long)]
        job_id: Option<u64>,
        #[command(flatten)]
        expect: ExpectArgs,
    },
}

#[derive(clap::Args, Debug)]
pub struct ExpectArgs {
    /// The deployment id (node-staking config address) [default: the SDK's].
    #[arg(long)]
    pub deployment: Option<String>,
    /// The node the receipt must name.
    #[arg(long)]
    pub node_id: Option<u64>,
}

pub async fn run(ctx: &Context, command: RequesterCommand) -> anyhow::Result<Value> {
    match command {
        RequesterCommand::RunJob { agent, kernel_size, command, job_id, expect, verify_up_to } => {
            let job = match (kernel_size, command) {
                (Some(n), _) => json!({"kernel": KernelJob::square(n)}),
                (None, Some(name)) => json!({"command": name}),
                (None, None) => anyhow::bail!("give --kernel-size N or --command NAME"),
            };
            let job_id = job_id.unwrap_or_else(now_millis);
            run_job(ctx, &agent, job, job_id, &expect, verify_up_to).await
        }
        RequesterCommand::Cosign { receipt, output_hash, job_id, expect } => {
            let text = std::fs::read_to_string(&receipt)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", receipt.display()))?;
            let value: Value = serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{} is not JSON: {e}", receipt.display()))?;
            let signed = receipt_of(&value)?;
            let output_hash = output_hash.map(|h| parse_hash(&h)).transpose()?;
            let expected = expected(&expect, job_id, output_hash)?;
            let cosigned = cosign_receipt(&ctx.signer()?, &signed, &expected)?;
            Ok(describe(&cosigned))
        }
    }
}

fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn parse_hash(text: &str) -> anyhow::Result<[u8; 32]> {
    let bad = || anyhow::anyhow!("--output-hash: {text:?} is not 64 hex digits");
    if text.len() != 64 {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        let pair = text.get(2 * i..2 * i + 2).ok_or_else(bad)?;
        *byte = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

fn expected(
    args: &ExpectArgs,
    job_id: Option<u64>,
    output_hash: Option<[u8; 32]>,
) -> anyhow::Result<Expected> {
    let deployment = match &args.deployment {
        Some(d) => crate::pubkey("--deployment", d)?,
        None => ns::config_address(),
    };
    Ok(Expected { deployment, node_id: args.node_id, job_id, output_hash })
}

/// The receipt in a JSON document: a receipt, or an agent answer holding one.
fn receipt_of(value: &Value) -> anyhow::Result<SignedReceipt> {
    let inner = value.get("receipt").unwrap_or(value);
    let json: ReceiptJson = serde_json::from_value(inner.clone()).map_err(|e| {
        anyhow::anyhow!(
            "not a receipt ({{device_key, message, device_signature, requester_signature}}): {e}"
        )
    })?;
    Ok(json.to_receipt()?)
}

/// The co-signed receipt as printed: its JSON (for the oracles), fields and identity.
fn describe(r: &SignedReceipt) -> Value {
    let fields = WorkReceipt::decode(&r.message).map(|w| receipt_fields(&w)).unwrap_or(Value::Null);
    json!({
        "receipt": ReceiptJson::from_receipt(r),
        "fields": fields,
        "identity": hex(&r.identity()),
    })
}

async fn post(url: &str, body: &Value) -> anyhow::Result<Value> {
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("POST {url}: {e}: is the agent running with `listen` set?"))?;
    let status = response.status();
    let answer: Value = serde_json::from_slice(&response.bytes().await?)
        .map_err(|e| anyhow::anyhow!("POST {url}: unreadable answer ({status}): {e}"))?;
    if !status.is_success() {
        let reason = answer.get("error").and_then(Value::as_str).unwrap_or("no reason given");
        anyhow::bail!("POST {url}: the agent answered {status}: {reason}");
    }
    Ok(answer)
}

async fn run_job(
    ctx: &Context,
    agent: &str,
    job: Value,
    job_id: u64,
    expect: &ExpectArgs,
    verify_up_to: u32,
) -> anyhow::Result<Value> {
    let requester = ctx.signer()?;
    let agent = agent.trim_end_matches('/');
    let request =
        json!({"requester": requester.pubkey().to_string(), "job_id": job_id, "job": job});
    let answer = post(&format!("{agent}/v1/jobs"), &request).await?;
    let signed = receipt_of(&answer)?;
    // The output hash this requester can vouch for, computed here, never taken on trust.
    let (output_hash, output) = if let Some(n) = job["kernel"]["n"].as_u64() {
        let job = KernelJob::square(u32::try_from(n)?);
        let hash = (job.n <= verify_up_to)
            .then(|| job.output_hash(&job_seed(&requester.pubkey().to_bytes(), job_id)))
            .transpose()?;
        (hash, Value::Null)
    } else {
        let b64 = base64::engine::general_purpose::STANDARD;
        match answer.get("output").and_then(Value::as_str) {
            Some(text) => {
                let bytes = b64
                    .decode(text)
                    .map_err(|_| anyhow::anyhow!("the agent's output is not base64"))?;
                let shown = String::from_utf8(bytes.clone()).map_or(Value::Null, Value::String);
                (Some(command_output_hash(&bytes)), shown)
            }
            None => (None, Value::Null),
        }
    };
    let expected = expected(expect, Some(job_id), output_hash)?;
    let cosigned = cosign_receipt(&requester, &signed, &expected)?;
    let body = serde_json::to_value(ReceiptJson::from_receipt(&cosigned))?;
    let handed = post(&format!("{agent}/v1/receipts"), &body).await?;
    let mut out = describe(&cosigned);
    out["output_verified"] = json!(output_hash.is_some());
    out["output"] = output;
    out["agent"] = handed;
    Ok(out)
}

#[cfg(test)]
#[path = "requester_tests.rs"]
mod tests;
