//! Fixtures for the rewards program: an initialized deployment with oracles, and shortcuts to
//! report, finalize and claim epochs.

use anchor_lang::prelude::Pubkey;
use gridmint_protocol::merkle::CumulativeTree;
use gridmint_sdk::rewards as sdk;
use gridmint_sdk::rewards::{
    EmissionParams, InitializeArgs, Params, RewardFormulaParams, SubmitReportArgs,
};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

use crate::{deploy_admin, Env, MintExtension};

/// Epoch length of the default deployment (one day).
pub const EPOCH_SECONDS: i64 = 86_400;
/// Report grace of the default deployment.
pub const REPORT_GRACE_SECONDS: i64 = 3_600;
/// Challenge period of the default deployment.
pub const CHALLENGE_SECONDS: i64 = 43_200;
/// Minimum challenge period of the default deployment. Test value: a production deployment
/// uses at least one day; tests and demos with short epochs need small values.
pub const MIN_CHALLENGE_SECONDS: i64 = 3_600;
/// How far after `prepare_rewards` genesis is.
pub const GENESIS_DELAY_SECONDS: i64 = 600;
/// Initial per-epoch emission of the default deployment.
pub const INITIAL_EMISSION: u64 = 1_000_000_000;

/// Parameters of the default deployment: 1,000 tokens (6 decimals) per epoch, decaying 10%
/// every 4 epochs down to 100 tokens, hard cap 2,000 tokens.
pub fn default_params() -> Params {
    Params {
        report_grace_seconds: REPORT_GRACE_SECONDS,
        challenge_period_seconds: CHALLENGE_SECONDS,
        emission: EmissionParams {
            initial_per_epoch: INITIAL_EMISSION,
            decay_bps: 1_000,
            decay_interval_epochs: 4,
            floor_per_epoch: 100_000_000,
        },
        hard_cap_per_epoch: 2_000_000_000,
        reward_formula: RewardFormulaParams {
            compute_pool_bps: 6_000,
            green_bonus_bps: 2_500,
            work_per_staked_token: 10,
            wh_per_staked_token: 1_000,
            max_capacity_factor_bps: 5_000,
            max_work_per_wh: 100,
        },
    }
}

/// A deployment of the rewards program as the tests see it.
pub struct Rewards {
    pub authority: Keypair,
    pub oracles: Vec<Keypair>,
    pub threshold: u8,
    pub reward_mint: Pubkey,
    pub token_program: Pubkey,
    pub genesis_time: i64,
    pub epoch_seconds: i64,
    pub min_challenge_period_seconds: i64,
    pub params: Params,
}

/// What to set up; [`RewardsInit::default`] is 5 oracles with threshold 3 on SPL Token.
pub struct RewardsInit {
    pub oracle_count: usize,
    pub threshold: u8,
    pub token_program: Pubkey,
    pub extensions: Vec<MintExtension>,
    pub params: Params,
}

impl Default for RewardsInit {
    fn default() -> Self {
        Self {
            oracle_count: 5,
            threshold: 3,
            token_program: anchor_spl::token::ID,
            extensions: vec![],
            params: default_params(),
        }
    }
}

impl Rewards {
    /// The initialize args this deployment was (or would be) created with.
    pub fn initialize_args(&self) -> InitializeArgs {
        InitializeArgs {
            authority: self.authority.pubkey(),
            genesis_time: self.genesis_time,
            epoch_seconds: self.epoch_seconds,
            min_challenge_period_seconds: self.min_challenge_period_seconds,
            params: self.params,
            oracles: self.oracles.iter().map(|o| o.pubkey()).collect(),
            threshold: self.threshold,
        }
    }

    /// End of `epoch` plus the report grace: the earliest time it can be reported.
    pub fn report_time(&self, epoch: u64) -> i64 {
        let epochs = i64::try_from(epoch).expect("small epoch").checked_add(1).expect("epoch");
        self.genesis_time
            .checked_add(epochs.checked_mul(self.epoch_seconds).expect("time"))
            .and_then(|t| t.checked_add(self.params.report_grace_seconds))
            .expect("time")
    }

    /// A vote for `epoch` in `round` with the tree's root, total and count.
    pub fn report_args(
        &self,
        epoch: u64,
        round: u32,
        tree: &CumulativeTree,
        manifest_hash: [u8; 32],
    ) -> SubmitReportArgs {
        SubmitReportArgs {
            epoch,
            round,
            root: tree.root(),
            cumulative_total: tree.total(),
            recipient_count: u64::try_from(tree.len()).expect("count"),
            manifest_hash,
        }
    }
}

impl Env {
    /// Moves the clock forward to `time` (no-op if it is already later).
    pub async fn advance_to(&mut self, time: i64) {
        let now = self.now().await;
        if time > now {
            self.warp_seconds(time.checked_sub(now).expect("time")).await;
        }
    }

    /// A reward mint (mint and freeze authority = the program's PDA) with `extensions`.
    pub async fn create_reward_mint(
        &mut self,
        token_program: &Pubkey,
        extensions: &[MintExtension],
    ) -> Pubkey {
        let authority = sdk::mint_authority_pda().0;
        self.create_mint(token_program, &authority, 6, extensions).await
    }

    /// Creates the reward mint and the keys (funded), without initializing; genesis is
    /// [`GENESIS_DELAY_SECONDS`] from now.
    pub async fn prepare_rewards(&mut self, init: RewardsInit) -> Rewards {
        let reward_mint = self.create_reward_mint(&init.token_program, &init.extensions).await;
        let rewards = Rewards {
            authority: Keypair::new(),
            oracles: (0..init.oracle_count).map(|_| Keypair::new()).collect(),
            threshold: init.threshold,
            reward_mint,
            token_program: init.token_program,
            // A little ahead, so the clock moving between here and `initialize` cannot put
            // genesis in the past.
            genesis_time: self.now().await.checked_add(GENESIS_DELAY_SECONDS).expect("time"),
            epoch_seconds: EPOCH_SECONDS,
            min_challenge_period_seconds: MIN_CHALLENGE_SECONDS,
            params: init.params,
        };
        for oracle in &rewards.oracles {
            self.fund(&oracle.pubkey(), 1_000_000_000).await;
        }
        self.fund(&rewards.authority.pubkey(), 1_000_000_000).await;
        self.fund(&deploy_admin().pubkey(), 1_000_000_000).await;
        rewards
    }

    /// Sends `initialize` for a prepared deployment with `args`, signed by the deploy admin.
    pub async fn initialize_rewards(
        &mut self,
        rewards: &Rewards,
        args: InitializeArgs,
    ) -> Result<(), TransactionError> {
        let admin = deploy_admin();
        let ix =
            sdk::initialize(&admin.pubkey(), &rewards.reward_mint, &rewards.token_program, args);
        self.send(&[ix], &[&admin]).await
    }

    /// Creates the reward mint and initializes the program.
    pub async fn init_rewards(&mut self, init: RewardsInit) -> Rewards {
        let rewards = self.prepare_rewards(init).await;
        self.initialize_rewards(&rewards, rewards.initialize_args())
            .await
            .expect("initialize rewards");
        rewards
    }

    /// The authority schedules `params` for the epochs from `effective_epoch` on.
    pub async fn schedule_params(
        &mut self,
        rewards: &Rewards,
        params: Params,
        effective_epoch: u64,
    ) -> Result<(), TransactionError> {
        let ix = sdk::set_params(&rewards.authority.pubkey(), params, effective_epoch);
        self.send(&[ix], &[&rewards.authority]).await
    }

    /// One oracle's vote.
    pub async fn submit_report(
        &mut self,
        oracle: &Keypair,
        args: SubmitReportArgs,
    ) -> Result<(), TransactionError> {
        let ix = sdk::submit_report(&oracle.pubkey(), args);
        self.send(&[ix], &[oracle]).await
    }

    /// Moves to the epoch's report time and lets the first `threshold` oracles vote for the
    /// tree in the epoch's current round, which finalizes it.
    pub async fn finalize_epoch(&mut self, rewards: &Rewards, epoch: u64, tree: &CumulativeTree) {
        self.advance_to(rewards.report_time(epoch)).await;
        let round = self.epoch_state(epoch).await.map_or(0, |e| e.round);
        let args = rewards.report_args(epoch, round, tree, [epoch as u8; 32]);
        for oracle in rewards.oracles.iter().take(usize::from(rewards.threshold)) {
            self.submit_report(oracle, args.clone()).await.expect("vote");
        }
        let state = self.epoch_state(epoch).await.expect("epoch account");
        assert_eq!(state.status, sdk::EpochStatus::Final, "epoch {epoch} did not finalize");
    }

    /// Finalizes `epoch` and waits out its challenge period, so its root is claimable (it
    /// enters the ring at the next claim or report).
    pub async fn finalize_claimable(
        &mut self,
        rewards: &Rewards,
        epoch: u64,
        tree: &CumulativeTree,
    ) {
        self.finalize_epoch(rewards, epoch, tree).await;
        let state = self.epoch_state(epoch).await.expect("epoch account");
        self.advance_to(state.claimable_at).await;
    }

    pub async fn rewards_config(&mut self) -> sdk::Config {
        self.anchor_account(&sdk::config_address()).await
    }

    /// The epoch's state, if its account exists.
    pub async fn epoch_state(&mut self, epoch: u64) -> Option<sdk::EpochState> {
        let address = sdk::epoch_pda(epoch).0;
        let account = self.account(&address).await?;
        Some(sdk::decode_epoch_state(&account.data).expect("epoch state decodes"))
    }

    /// What `recipient` has been paid so far (0 before its first claim).
    pub async fn claimed_total(&mut self, recipient: &Pubkey) -> u64 {
        let address = sdk::claim_status_pda(recipient).0;
        match self.account(&address).await {
            Some(account) => {
                sdk::decode_claim_status(&account.data).expect("claim status").claimed_total
            }
            None => 0,
        }
    }

    /// Claims `recipient`'s leaf of `tree` into its associated token account (created if
    /// missing), paid by the env's payer.
    pub async fn claim_from_tree(
        &mut self,
        rewards: &Rewards,
        tree: &CumulativeTree,
        recipient: &Pubkey,
    ) -> Result<(), TransactionError> {
        let payer = self.payer().pubkey();
        let ixs = sdk::claim_from_tree(
            tree,
            &payer,
            recipient,
            &rewards.reward_mint,
            &rewards.token_program,
        )
        .expect("recipient is in the tree");
        self.send(&ixs, &[]).await
    }

    /// Claims with explicit amount and proof into the recipient's associated token account.
    pub async fn claim_with(
        &mut self,
        rewards: &Rewards,
        recipient: &Pubkey,
        cumulative: u64,
        proof: Vec<[u8; 32]>,
    ) -> Result<(), TransactionError> {
        let payer = self.payer().pubkey();
        let ixs = sdk::claim_to_ata(
            &payer,
            recipient,
            &rewards.reward_mint,
            &rewards.token_program,
            cumulative,
            proof,
        );
        self.send(&ixs, &[]).await
    }

    /// Balance of `recipient`'s associated reward-token account.
    pub async fn reward_balance(&mut self, rewards: &Rewards, recipient: &Pubkey) -> u64 {
        let ata = sdk::recipient_ata(recipient, &rewards.reward_mint, &rewards.token_program);
        self.token_balance(&ata).await
    }
}

/// A tree over `(recipient, cumulative)` pairs in any order.
pub fn tree(entries: &[(Pubkey, u64)]) -> CumulativeTree {
    CumulativeTree::from_unsorted(entries.iter().map(|(k, a)| (k.to_bytes(), *a)).collect())
        .expect("valid tree")
}
