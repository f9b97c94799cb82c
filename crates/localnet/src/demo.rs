//! A demo deployment on a running localnet: both programs initialized on one short epoch
//! clock (genesis a few seconds ahead of the *chain* clock), an Energy node with its device
//! key, and the oracle keys — plus the files three `gridmint-oracle serve` processes need.
//! Used by `gridmint-localnet --demo` and by the JSON-RPC epoch test.

pub mod compute;

use std::path::{Path, PathBuf};

use anchor_lang::prelude::Pubkey;
use anyhow::{Context, Result};
use gridmint_protocol::crediting::SignedReading;
use gridmint_protocol::messages::EnergyReading;
use gridmint_sdk::chain::{ChainExt, RpcChain};
use gridmint_sdk::node_staking::{
    self as staking, Capacity, NodeKind, RegisterNodeArgs, StakeTokens,
};
use gridmint_sdk::rewards::{self as rw, EmissionParams, Params, RewardFormulaParams};
use solana_client::nonblocking::rpc_client::RpcClient;
use solana_commitment_config::CommitmentConfig;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;
use spl_associated_token_account_interface::address::get_associated_token_address;
use spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent;
use spl_token_2022_interface::instruction as token_ix;

/// 100 stake tokens (6 decimals) behind the demo node.
pub const DEMO_STAKE: u64 = 100_000_000;
/// The demo node's id (the first node of a fresh deployment).
pub const DEMO_NODE_ID: u64 = 1;
/// The demo node's registered energy capacity, Wp.
pub const DEMO_CAPACITY_WP: u64 = 100_000_000;

#[derive(Clone, Copy, Debug)]
pub struct DemoOptions {
    pub epoch_seconds: i64,
    pub oracle_count: usize,
    pub threshold: u8,
    /// How long a finalized root can be vetoed [default: a sixth of the epoch].
    pub challenge_period_seconds: Option<i64>,
}

/// The keys and addresses of a demo deployment.
pub struct Demo {
    pub admin: Keypair,
    pub operator: Keypair,
    pub device: Keypair,
    pub oracles: Vec<Keypair>,
    pub stake_mint: Pubkey,
    pub reward_mint: Pubkey,
    pub token_program: Pubkey,
    pub genesis_time: i64,
    pub epoch_seconds: i64,
}

/// Sends `ixs` paid by `payer`, signed also by `signers`, and waits for confirmation.
pub async fn send(
    rpc: &RpcClient,
    payer: &Keypair,
    ixs: &[Instruction],
    signers: &[&Keypair],
) -> Result<()> {
    let blockhash = rpc.get_latest_blockhash().await?;
    let mut all = vec![payer];
    all.extend_from_slice(signers);
    let tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &all, blockhash);
    rpc.send_and_confirm_transaction(&tx).await?;
    Ok(())
}

fn create_mint(
    payer: &Pubkey,
    mint: &Pubkey,
    authority: &Pubkey,
    rent: u64,
) -> Result<[Instruction; 2]> {
    let token_program = anchor_spl_token_id();
    Ok([
        solana_system_interface::instruction::create_account(payer, mint, rent, 82, &token_program),
        token_ix::initialize_mint2(&token_program, mint, authority, None, 6)?,
    ])
}

/// SPL Token's program id.
fn anchor_spl_token_id() -> Pubkey {
    gridmint_test_support::node_staking::spl_token()
}

/// The rewards parameters of the demo: 1,000 tokens per epoch, half to compute (green work
/// weighing 1.5×), a report grace and (unless `options` say otherwise) a challenge period of
/// a sixth of the epoch.
pub fn demo_params(options: &DemoOptions) -> Params {
    let short = (options.epoch_seconds / 6).max(1);
    Params {
        report_grace_seconds: short,
        challenge_period_seconds: options.challenge_period_seconds.unwrap_or(short),
        emission: EmissionParams {
            initial_per_epoch: 1_000_000_000,
            decay_bps: 0,
            decay_interval_epochs: 1,
            floor_per_epoch: 1_000_000_000,
        },
        hard_cap_per_epoch: 1_000_000_000,
        reward_formula: RewardFormulaParams {
            compute_pool_bps: 5_000,
            green_bonus_bps: 5_000,
            work_per_staked_token: 10,
            wh_per_staked_token: 1_000,
            max_capacity_factor_bps: 10_000,
            max_work_per_wh: 1,
        },
    }
}

/// Deploys the demo with SOL from `faucet` (the localnet's mint keypair).
pub async fn deploy(rpc: &RpcClient, faucet: &Keypair, options: DemoOptions) -> Result<Demo> {
    let (admin, operator, device) =
        (gridmint_test_support::deploy_admin(), Keypair::new(), Keypair::new());
    let oracles: Vec<Keypair> = (0..options.oracle_count).map(|_| Keypair::new()).collect();
    let (stake_mint, reward_mint) = (Keypair::new(), Keypair::new());
    let token_program = anchor_spl_token_id();
    let rent = rpc.get_minimum_balance_for_rent_exemption(82).await?;
    let funded: Vec<Pubkey> = [admin.pubkey(), operator.pubkey()]
        .into_iter()
        .chain(oracles.iter().map(Signer::pubkey))
        .collect();
    let mut ixs: Vec<Instruction> = funded
        .iter()
        .map(|to| {
            solana_system_interface::instruction::transfer(&faucet.pubkey(), to, 10_000_000_000)
        })
        .collect();
    ixs.extend(create_mint(&faucet.pubkey(), &stake_mint.pubkey(), &faucet.pubkey(), rent)?);
    ixs.extend(create_mint(
        &faucet.pubkey(),
        &reward_mint.pubkey(),
        &rw::mint_authority_pda().0,
        rent,
    )?);
    for owner in [operator.pubkey(), faucet.pubkey()] {
        ixs.push(create_associated_token_account_idempotent(
            &faucet.pubkey(),
            &owner,
            &stake_mint.pubkey(),
            &token_program,
        ));
    }
    send(rpc, faucet, &ixs, &[&stake_mint, &reward_mint]).await.context("fund and create mints")?;
    let operator_token = get_associated_token_address(&operator.pubkey(), &stake_mint.pubkey());
    let treasury = get_associated_token_address(&faucet.pubkey(), &stake_mint.pubkey());
    let mint_to = token_ix::mint_to(
        &token_program,
        &stake_mint.pubkey(),
        &operator_token,
        &faucet.pubkey(),
        &[],
        DEMO_STAKE,
    )?;
    send(rpc, faucet, &[mint_to], &[]).await.context("mint stake tokens")?;

    // The in-process validator's clock does not follow the wall clock exactly.
    let chain = RpcChain::from_url(rpc.url(), CommitmentConfig::confirmed());
    let genesis_time = chain.clock().await?.unix_timestamp + 4;
    let epoch_seconds = options.epoch_seconds;
    let init_staking = staking::initialize(
        &admin.pubkey(),
        &stake_mint.pubkey(),
        &treasury,
        &token_program,
        staking::InitializeArgs {
            authority: admin.pubkey(),
            slash_authority: admin.pubkey(),
            genesis_time,
            epoch_seconds,
            min_stake: [1_000_000; 3],
            max_capacity: Capacity {
                energy_wp: 1_000_000_000,
                compute_units_per_hour: 1_000_000_000,
            },
            unbonding_seconds: 14 * 86_400,
            slash_bps: 1_000,
            reporter_bounty_bps: 500,
        },
    );
    let init_rewards = rw::initialize(
        &admin.pubkey(),
        &reward_mint.pubkey(),
        &token_program,
        rw::InitializeArgs {
            authority: admin.pubkey(),
            genesis_time,
            epoch_seconds,
            min_challenge_period_seconds: 1,
            params: demo_params(&options),
            oracles: oracles.iter().map(Signer::pubkey).collect(),
            threshold: options.threshold,
        },
    );
    send(rpc, &admin, &[init_staking, init_rewards], &[]).await.context("initialize programs")?;
    let tokens = StakeTokens { stake_mint: stake_mint.pubkey(), token_program, operator_token };
    let register = staking::register_node(
        &operator.pubkey(),
        &device.pubkey(),
        DEMO_NODE_ID,
        &tokens,
        RegisterNodeArgs {
            kind: NodeKind::Energy,
            capacity: Capacity { energy_wp: DEMO_CAPACITY_WP, compute_units_per_hour: 0 },
            region: 276,
            metadata_uri: "https://example.org/demo-node.json".into(),
            reward_recipient: None,
            stake: DEMO_STAKE,
        },
    );
    send(rpc, &operator, &[register], &[&device]).await.context("register the demo node")?;
    Ok(Demo {
        admin,
        operator,
        device,
        oracles,
        stake_mint: stake_mint.pubkey(),
        reward_mint: reward_mint.pubkey(),
        token_program,
        genesis_time,
        epoch_seconds,
    })
}

/// An Energy reading of node `node_id` signed by `device`.
pub fn signed_reading(
    device: &Keypair,
    node_id: u64,
    sequence: u64,
    timestamp: i64,
    produced_wh: u64,
) -> SignedReading {
    let message = EnergyReading {
        deployment: staking::config_address().to_bytes(),
        node_id,
        sequence,
        timestamp,
        produced_wh,
        consumed_wh: 0,
    }
    .encode();
    let signature = device.sign_message(&message).as_ref().try_into().unwrap_or([0u8; 64]);
    SignedReading { device_key: device.pubkey().to_bytes(), message, signature }
}

/// The simulated roof's time offset that puts "now" at 07:00 of a simulated day (×48), so a
/// demo started at any hour sees the sun rise and about 15 minutes of daylight.
pub(crate) fn morning_offset() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let simulated = now.saturating_mul(48).rem_euclid(86_400);
    (7 * 3_600 - simulated).rem_euclid(86_400)
}

/// A Solana CLI keypair file's text.
pub fn keypair_json(k: &Keypair) -> String {
    let items: Vec<String> = k.to_bytes().iter().map(u8::to_string).collect();
    format!("[{}]", items.join(","))
}

impl Demo {
    /// A reading of the demo node signed by its device key.
    pub fn reading(&self, sequence: u64, timestamp: i64, produced_wh: u64) -> SignedReading {
        signed_reading(&self.device, DEMO_NODE_ID, sequence, timestamp, produced_wh)
    }

    /// Registers one more Energy node for `operator` (funded with SOL and stake here) with
    /// `device` as its device key; its node id.
    pub async fn register_energy_node(
        &self,
        rpc: &RpcClient,
        faucet: &Keypair,
        operator: &Keypair,
        device: &Keypair,
    ) -> Result<u64> {
        let capacity = Capacity { energy_wp: DEMO_CAPACITY_WP, compute_units_per_hour: 0 };
        self.register_node(rpc, faucet, (operator, device), NodeKind::Energy, capacity).await
    }

    /// Registers one more node of `kind` and `capacity` for `operator` (funded with SOL and
    /// stake here) with `device` as its device key; its node id.
    pub async fn register_node(
        &self,
        rpc: &RpcClient,
        faucet: &Keypair,
        (operator, device): (&Keypair, &Keypair),
        kind: NodeKind,
        capacity: Capacity,
    ) -> Result<u64> {
        let token_program = self.token_program;
        let operator_token = get_associated_token_address(&operator.pubkey(), &self.stake_mint);
        let fund = [
            solana_system_interface::instruction::transfer(
                &faucet.pubkey(),
                &operator.pubkey(),
                10_000_000_000,
            ),
            create_associated_token_account_idempotent(
                &faucet.pubkey(),
                &operator.pubkey(),
                &self.stake_mint,
                &token_program,
            ),
            token_ix::mint_to(
                &token_program,
                &self.stake_mint,
                &operator_token,
                &faucet.pubkey(),
                &[],
                DEMO_STAKE,
            )?,
        ];
        send(rpc, faucet, &fund, &[]).await.context("fund the node's operator")?;
        let chain = RpcChain::from_url(rpc.url(), CommitmentConfig::confirmed());
        let config = chain.node_staking_config().await?.account.context("node-staking config")?;
        let tokens = StakeTokens { stake_mint: self.stake_mint, token_program, operator_token };
        let args = RegisterNodeArgs {
            kind,
            capacity,
            region: 276,
            metadata_uri: String::new(),
            reward_recipient: None,
            stake: DEMO_STAKE,
        };
        let register = staking::register_node(
            &operator.pubkey(),
            &device.pubkey(),
            config.next_node_id,
            &tokens,
            args,
        );
        send(rpc, operator, &[register], &[device]).await.context("register the node")?;
        Ok(config.next_node_id)
    }

    /// Writes `oracle-<i>.json` (keypair) and `oracle-<i>.toml` for each oracle into `dir`,
    /// oracle `i` listening on `bases[i]` (`host:port`) and peering with the others.
    pub fn write_oracle_files(
        &self,
        dir: &Path,
        rpc_url: &str,
        listen: &[String],
    ) -> Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
        let mut configs = Vec::new();
        for (i, key) in self.oracles.iter().enumerate() {
            let key_path = dir.join(format!("oracle-{i}.json"));
            std::fs::write(&key_path, keypair_json(key))?;
            let peers: Vec<String> = listen
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, a)| format!("http://{a}"))
                .collect();
            let db = dir.join(format!("oracle-{i}.db"));
            let toml = format!(
                "listen = \"{listen}\"\ndatabase_url = \"sqlite://{db}?mode=rwc\"\n\
                 rpc_url = \"{rpc_url}\"\ncommitment = \"confirmed\"\n\n[oracle]\n\
                 keypair = \"{key}\"\npeers = {peers:?}\ntick_interval = \"500ms\"\n\
                 sync_attempts = 1000\n\n[bindings]\nmissing_retry = \"0s\"\n",
                listen = listen.get(i).map_or("127.0.0.1:0", String::as_str),
                db = db.display(),
                key = key_path.display(),
            );
            let path = dir.join(format!("oracle-{i}.toml"));
            std::fs::write(&path, toml)?;
            configs.push(path);
        }
        std::fs::write(dir.join("operator.json"), keypair_json(&self.operator))?;
        std::fs::write(dir.join("device.json"), keypair_json(&self.device))?;
        Ok(configs)
    }

    /// Writes `agent.toml`: the demo node's `gridmint-agent`, a simulated roof (a day of sun
    /// every 30 minutes of wall time, starting at 07:00, far below the node's registered
    /// capacity) delivering a
    /// reading every 3 s to every oracle in `listen`. Needs `write_oracle_files` first (the
    /// device key).
    pub fn write_agent_config(
        &self,
        dir: &Path,
        rpc_url: &str,
        listen: &[String],
    ) -> Result<PathBuf> {
        let oracles: Vec<String> = listen.iter().map(|a| format!("http://{a}")).collect();
        let toml = format!(
            "device_keypair = \"{key}\"\ndata_dir = \"{data}\"\nnode_id = {DEMO_NODE_ID}\n\
             kind = \"energy\"\ncapacity_wp = {DEMO_CAPACITY_WP}\noracles = {oracles:?}\n\
             interval = \"3s\"\nrpc_url = \"{rpc_url}\"\ngenesis_time = {genesis}\n\
             epoch_seconds = {epoch}\n# The in-process validator's clock lags the wall clock.\n\
             max_clock_skew = \"1h\"\n\n[delivery]\nretry_max = \"5s\"\n\n\
             [source]\nkind = \"simulated\"\nseed = 7\ncapacity_w = 100000\nspeedup = 48\n\
             offset_seconds = {offset}\n",
            offset = morning_offset(),
            key = dir.join("device.json").display(),
            data = dir.join("agent").display(),
            genesis = self.genesis_time,
            epoch = self.epoch_seconds,
        );
        let path = dir.join("agent.toml");
        std::fs::write(&path, toml)?;
        Ok(path)
    }
}
