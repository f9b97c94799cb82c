//! The oracle process as `serve` builds it: the config through `Config::load` (the same
//! layering as the binary), ingest through `serve::build` (store opened from the URL,
//! bindings from a file), the epoch engine through `serve::oracle`, every route through
//! `serve::app`, served by axum on a free port. Only the epoch loop task is not started: the
//! phases drive the close themselves.

use std::path::Path;
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use gridmint_oracle::config::Config;
use gridmint_oracle::driver::Oracle;
use gridmint_oracle::ingest::bindings_file::FileBinding;
use gridmint_oracle::ingest::Ingest;
use gridmint_oracle::leader::Leadership;
use gridmint_oracle::metrics::Metrics;
use gridmint_oracle::serve;
use gridmint_protocol::crediting::BindingInput;
use gridmint_sdk::chain::Chain;
use gridmint_sdk::rewards as rw;
use tokio::sync::oneshot;

use crate::world;

pub struct Server {
    pub base: String,
    pub ingest: Arc<Ingest>,
    pub oracle: Arc<Oracle>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Writes `bindings` as a bindings file (`bindings.file`).
pub fn write_bindings(path: &Path, bindings: &[BindingInput]) -> anyhow::Result<()> {
    let list: Vec<FileBinding> = bindings.iter().map(FileBinding::from_input).collect();
    std::fs::write(path, serde_json::to_vec(&list)?)?;
    Ok(())
}

/// The config of a bench oracle: production defaults but for the store, the clock and the
/// binding source.
pub fn config(database_url: &str, bindings_file: &Path) -> anyhow::Result<Config> {
    let env = [
        ("DATABASE_URL", database_url.to_string()),
        ("LISTEN", "127.0.0.1:0".to_string()),
        ("GENESIS_TIME", world::GENESIS.to_string()),
        ("EPOCH_SECONDS", world::EPOCH_SECONDS.to_string()),
        ("BINDINGS__FILE", bindings_file.display().to_string()),
    ];
    let env =
        env.into_iter().map(|(k, v)| (format!("{}{k}", gridmint_oracle::config::ENV_PREFIX), v));
    Config::load(None, env)
}

impl Server {
    pub async fn start(config: &Config, chain: Arc<dyn Chain>) -> anyhow::Result<Self> {
        let ingest = serve::build(config, Arc::new(Metrics::new())).await?;
        let oracle =
            serve::oracle(config, Arc::clone(&ingest), chain, Arc::new(Leadership::single()))?;
        let router = serve::app(Arc::clone(&ingest), Some(Arc::clone(&oracle)));
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let base = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(Self { base, ingest, oracle, stop: Some(stop), task })
    }

    /// Drains requests, stops serving and closes the store.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await??;
        self.ingest.store.close().await;
        Ok(())
    }
}

/// The rewards config the chain holds: the bench's clock and parameters; `claimable` (when
/// set) the newest claimable root.
pub fn rewards_config(claimable: Option<rw::ClaimableRoot>) -> rw::Config {
    let emission = 1_000_000_000_000_000;
    let mut ring = rw::RootRing::default();
    if let Some(root) = claimable {
        ring.push(root);
    }
    rw::Config {
        authority: Pubkey::new_from_array([1; 32]),
        pending_authority: None,
        paused: false,
        reward_mint: Pubkey::new_from_array([2; 32]),
        token_program: Pubkey::new_from_array([3; 32]),
        genesis_time: world::GENESIS,
        epoch_seconds: world::EPOCH_SECONDS,
        min_challenge_period_seconds: 60,
        params: rw::Params {
            report_grace_seconds: 60,
            challenge_period_seconds: 60,
            emission: rw::EmissionParams {
                initial_per_epoch: emission,
                decay_bps: 0,
                decay_interval_epochs: 1,
                floor_per_epoch: emission,
            },
            hard_cap_per_epoch: emission,
            reward_formula: rw::RewardFormulaParams {
                compute_pool_bps: 0,
                green_bonus_bps: 0,
                work_per_staked_token: 10,
                wh_per_staked_token: 10,
                max_capacity_factor_bps: 10_000,
                max_work_per_wh: 1,
            },
        },
        scheduled_params: None,
        oracles: rw::OracleSet::default(),
        next_epoch: world::EPOCH + 1,
        last_final_total: claimable.map_or(0, |r| r.cumulative_total),
        last_final_root: claimable.map_or([0; 32], |r| r.root),
        pending_root: None,
        claimable: ring,
        total_claimed: 0,
        bump: 255,
        mint_authority_bump: 255,
        challenge: rw::ChallengeSettings::default(),
        reserved: [0; 116],
    }
}

/// Puts `config` on `chain` at the rewards config address.
pub fn set_rewards_config(chain: &crate::chain::FixtureChain, config: &rw::Config) {
    chain.set(rw::config_address(), rw::PROGRAM_ID, config);
}
