//! The whole system in one process (`gridmint-localnet --demo DIR`): the demo deployment,
//! three `gridmint-oracle` servers (SQLite files in `DIR`, the first with its watchtower on),
//! the honest node's `gridmint-agent` (a simulated roof), and a cheating device that signs two
//! different readings with one sequence number. Each finalized epoch is claimed for the
//! operator through the CLI's own path (`gridmint claim --all`) and printed as a table row;
//! after the requested epochs the run checks what a skeptic would: the reward mint's supply
//! equals what was claimed, replaying the oracles' manifests gives the chain's roots, and the
//! cheater is jailed with its evidence on chain — the watchtower reported it, not this code.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use gridmint_oracle::ingest::wire;
use gridmint_protocol::crediting::SignedReading;
use gridmint_protocol::messages::EnergyReading;
use gridmint_sdk::chain::{ChainExt, RpcChain};
use gridmint_sdk::fraud;
use gridmint_sdk::node_staking as ns;
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_signer::Signer;
use spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::demo::{self, Demo, DemoOptions};
use crate::Localnet;

mod compute;
mod report;

use report::{epoch_row, verify};
pub use report::{EpochRow, Outcome};

#[derive(Clone, Debug)]
pub struct ShowcaseOptions {
    /// Oracle configs, databases, keys and the agent's journal go here.
    pub dir: PathBuf,
    pub epoch_seconds: i64,
    /// Finalized (and claimed) epochs to show before checking and stopping.
    pub epochs: u64,
    /// First of the three oracles' ports (`None`: free ports).
    pub first_port: Option<u16>,
}

/// A running oracle or agent, stopped by the shared shutdown signal.
type Task = JoinHandle<Result<()>>;

/// The cheater's two readings with one sequence number (the pair the watchtower reports).
pub struct Cheat {
    pub node_id: u64,
    pub pair: (SignedReading, SignedReading),
}

async fn start_oracles(
    d: &Demo,
    o: &ShowcaseOptions,
    url: &str,
    stop: &watch::Receiver<bool>,
) -> Result<(Vec<String>, Vec<Task>)> {
    let mut listeners = Vec::new();
    for i in 0..3u16 {
        let port = o.first_port.map_or(0, |p| p.saturating_add(i));
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .with_context(|| format!("bind 127.0.0.1:{port}"))?;
        listeners.push(listener);
    }
    let listen: Vec<String> = listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.to_string()))
        .collect::<std::io::Result<_>>()?;
    let configs = d.write_oracle_files(&o.dir, url, &listen)?;
    // The first oracle watches for fraud: its key signs and pays the reports.
    let watch_config = format!(
        "\n[watchtower]\nenabled = true\nkeypair = \"{}\"\ninterval = \"2s\"\n",
        o.dir.join("oracle-0.json").display()
    );
    let mut text = std::fs::read_to_string(&configs[0])?;
    text.push_str(&watch_config);
    std::fs::write(&configs[0], text)?;
    let mut tasks = Vec::new();
    for (listener, path) in listeners.into_iter().zip(&configs) {
        let config = gridmint_oracle::config::Config::load(Some(path), std::iter::empty())?;
        tasks.push(tokio::spawn(gridmint_oracle::serve::run_on(
            listener,
            config,
            stopped(stop.clone()),
        )));
    }
    Ok((listen, tasks))
}

/// Resolves when the shutdown signal is raised.
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Registers the cheater's node, waits for epoch 0 and posts a baseline and two different
/// readings with sequence 2 to every oracle.
async fn cheat(
    rpc: &RpcClient,
    localnet: &Localnet,
    d: &Demo,
    oracles: &[String],
) -> Result<Cheat> {
    let (operator, device) = (Keypair::new(), Keypair::new());
    let node_id = d.register_energy_node(rpc, &localnet.faucet, &operator, &device).await?;
    let chain = RpcChain::from_url(rpc.url(), CommitmentConfig::confirmed());
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut now = chain.clock().await?.unix_timestamp;
    while now < d.genesis_time + 2 {
        if Instant::now() > deadline {
            bail!("the chain clock did not reach epoch 0");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        now = chain.clock().await?.unix_timestamp;
    }
    // Signed after the key was bound (a reading from before its binding proves nothing).
    let t = now;
    let base = demo::signed_reading(&device, node_id, 1, t, 1_000);
    let honest = demo::signed_reading(&device, node_id, 2, t + 1, 1_100);
    let forked = demo::signed_reading(&device, node_id, 2, t + 1, 9_100);
    let http = reqwest::Client::new();
    for oracle in oracles {
        let mut body = Vec::new();
        for r in [&base, &honest, &forked] {
            wire::reading_record(r, &mut body);
        }
        http.post(format!("http://{oracle}/v1/readings"))
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
            .await
            .context("post the cheater's readings")?;
    }
    Ok(Cheat { node_id, pair: (honest, forked) })
}

/// Runs the showcase until `epochs` epochs are finalized and claimed and the cheater is
/// jailed, then checks the outcome. Any failure is an error (the binary exits non-zero).
pub async fn run(localnet: &Localnet, o: &ShowcaseOptions) -> Result<Outcome> {
    let url = localnet.rpc_url();
    let rpc = RpcClient::new_with_commitment(url.clone(), CommitmentConfig::confirmed());
    let options = DemoOptions {
        epoch_seconds: o.epoch_seconds,
        oracle_count: 3,
        threshold: 2,
        challenge_period_seconds: None,
    };
    let d = demo::deploy(&rpc, &localnet.faucet, options).await.context("deploy the demo")?;
    // The watchtower's bounty goes to the first oracle's token account of the stake mint.
    let reporter = d.oracles[0].pubkey();
    let ata = create_associated_token_account_idempotent(
        &localnet.faucet.pubkey(),
        &reporter,
        &d.stake_mint,
        &d.token_program,
    );
    demo::send(&rpc, &localnet.faucet, &[ata], &[]).await.context("reporter token account")?;
    let side = demo::compute::enable(&rpc, &localnet.faucet, &d).await.context("compute side")?;
    let (stop_tx, stop) = watch::channel(false);
    let (listen, mut tasks) = start_oracles(&d, o, &url, &stop).await?;
    let agent_config = d.write_agent_config(&o.dir, &url, &listen)?;
    let agent = gridmint_agent::config::Config::load(Some(&agent_config), std::iter::empty())?;
    tasks.push(tokio::spawn(gridmint_agent::run::run(agent, stopped(stop.clone()))));
    let agents = compute::start_agents(&d, &side, &o.dir, &url, &listen, &stop, &mut tasks).await?;
    let requester = compute::write_requester_key(&side, &o.dir)?;
    let busy =
        vec![(agents[0].clone(), side.compute.node_id), (agents[1].clone(), side.hybrid.node_id)];
    let jobs = compute::requester_loop(busy, requester, url.clone(), stop.clone());
    tasks.push(tokio::spawn(async move {
        jobs.await;
        Ok(())
    }));
    println!(
        "demo: epochs of {} s; oracles at {}; files in {}",
        o.epoch_seconds,
        listen.join(", "),
        o.dir.display()
    );
    let result = watch_epochs(&rpc, localnet, &d, o, &listen).await;
    let _ = stop_tx.send(true);
    for task in tasks {
        match tokio::time::timeout(Duration::from_secs(20), task).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => eprintln!("a demo service stopped with an error: {e:#}"),
            Ok(Err(e)) => eprintln!("a demo service panicked: {e}"),
            Err(_) => eprintln!("a demo service did not stop within 20 s"),
        }
    }
    result
}

async fn watch_epochs(
    rpc: &RpcClient,
    localnet: &Localnet,
    d: &Demo,
    o: &ShowcaseOptions,
    listen: &[String],
) -> Result<Outcome> {
    let cheat = cheat(rpc, localnet, d, listen).await?;
    let chain = RpcChain::from_url(rpc.url(), CommitmentConfig::confirmed());
    let oracle = format!("http://{}", listen[1]);
    let operator_key = o.dir.join("operator.json");
    let ctx = gridmint_cli::context::Context {
        rpc_url: rpc.url(),
        keypair_path: operator_key,
        commitment: CommitmentConfig::confirmed(),
    };
    // Generous: each epoch, its report grace and challenge period, on two busy cores.
    let budget = u64::try_from(o.epoch_seconds)
        .unwrap_or(30)
        .saturating_mul(o.epochs.saturating_add(2))
        .saturating_mul(3);
    let deadline = Instant::now() + Duration::from_secs(budget.max(180));
    let mut rows: Vec<EpochRow> = Vec::new();
    // The newest epoch whose rewards the operator claimed.
    let mut claimed_through: Option<u64> = None;
    println!("{}", EpochRow::header());
    loop {
        if Instant::now() > deadline {
            bail!(
                "the demo did not finalize and claim {} epochs in time ({} done)",
                o.epochs,
                rows.len()
            );
        }
        let config = chain.rewards_config().await?.account.context("rewards config")?;
        let next = u64::try_from(rows.len()).unwrap_or(u64::MAX);
        if next < config.next_epoch {
            if let Some(row) = epoch_row(&chain, &oracle, next).await? {
                println!("{row}");
                rows.push(row);
            }
        }
        // A finalized root is claimable once its challenge period is over; until then the
        // oracle serves the previous one and there is nothing new.
        if let Ok(answer) = gridmint_cli::claim::claim_all(&ctx, &oracle).await {
            for claim in answer["claims"].as_array().into_iter().flatten() {
                if let (Some(epoch), Some(amount)) =
                    (claim["epoch"].as_u64(), claim["claimed"].as_u64())
                {
                    println!("      claimed {:.6} for the operator with `gridmint claim --all` (through epoch {epoch})", amount as f64 / 1e6);
                    claimed_through = claimed_through.max(Some(epoch));
                }
            }
        }
        let cheater = ns::node_pda(&ns::config_address(), cheat.node_id).0;
        let jailed = chain
            .fetch::<ns::Node>(cheater, ns::PROGRAM_ID, "node")
            .await?
            .account
            .is_some_and(|n| n.jailed);
        let last = o.epochs.saturating_sub(1);
        let claimed = claimed_through.is_some_and(|e| e >= last);
        if rows.len() as u64 >= o.epochs && jailed && claimed && report::computed(&rows) {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let (a, b) = &cheat.pair;
    let decode = |r: &SignedReading| {
        EnergyReading::decode(&r.message).map_err(|e| anyhow::anyhow!("reading: {e:?}"))
    };
    let hash = gridmint_protocol::fraud::evidence_hash(&a.device_key, &decode(a)?, &decode(b)?);
    let evidence = fraud::evidence_pda(&ns::config_address(), &hash).0;
    let outcome = verify(&chain, rpc, &oracle, &rows, cheat.node_id, evidence).await?;
    println!("{outcome}");
    println!("manifests: {oracle}/v1/epochs/<e>/manifest  explanations: {oracle}/v1/epochs/<e>/nodes/<node>/explain");
    Ok(outcome)
}

/// Where the showcase keeps its files by default.
pub fn default_dir() -> &'static Path {
    Path::new("target/localnet/demo")
}
