//! Fixtures for node-staking tests: an initialized config with its mint, treasury and
//! authorities; funded operators; registered nodes.

use anchor_lang::prelude::Pubkey;
use anchor_lang::{AnchorDeserialize, Discriminator};
use gridmint_protocol::limits::UNBONDING_LOWER_BOUND_SECONDS;
use gridmint_sdk::node_staking as sdk;
use gridmint_sdk::node_staking::{
    Capacity, Config, DeviceBinding, InitializeArgs, Node, NodeKind, RegisterNodeArgs,
    RegisterRequesterArgs, Requester, SlashTokens, StakeTokens,
};
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

use crate::{deploy_admin, Env, MintExtension};

/// Decimals of the test stake mint.
pub const DECIMALS: u8 = 6;
/// Minimum stake per kind (Compute, Energy, Hybrid) in the default config.
pub const MIN_STAKE: [u64; 3] = [1_000, 2_000, 3_000];
/// Default unbonding period: one day above the lower bound.
pub const UNBONDING_SECONDS: i64 = UNBONDING_LOWER_BOUND_SECONDS + 86_400;
pub const SLASH_BPS: u16 = 1_000;
/// Epoch length of the default deployment (one day, as the rewards fixture's).
pub const EPOCH_SECONDS: i64 = 86_400;
/// How far after `Staking::prepare` genesis is (so the clock moving before `initialize`
/// cannot put it in the past).
pub const GENESIS_DELAY_SECONDS: i64 = 600;
/// Maximum capacity of the default deployment (far above every fixture capacity).
pub const MAX_CAPACITY: Capacity =
    Capacity { energy_wp: 1_000_000_000, compute_units_per_hour: 1_000_000_000 };
pub const BOUNTY_BPS: u16 = 200;
/// Lamports every fixture keypair gets.
pub const LAMPORTS: u64 = 10_000_000_000;

/// The SPL Token program id.
pub fn spl_token() -> Pubkey {
    anchor_spl::token::ID
}

/// The Token-2022 program id.
pub fn token_2022() -> Pubkey {
    anchor_spl::token_2022::ID
}

/// A capacity that fits `kind`.
pub fn capacity_for(kind: NodeKind) -> Capacity {
    match kind {
        NodeKind::Compute => Capacity { energy_wp: 0, compute_units_per_hour: 3_600 },
        NodeKind::Energy => Capacity { energy_wp: 5_000, compute_units_per_hour: 0 },
        NodeKind::Hybrid => Capacity { energy_wp: 5_000, compute_units_per_hour: 3_600 },
    }
}

/// Registration arguments for `kind` with `stake`, everything else defaulted.
pub fn register_args(kind: NodeKind, stake: u64) -> RegisterNodeArgs {
    RegisterNodeArgs {
        kind,
        capacity: capacity_for(kind),
        region: 276,
        metadata_uri: "https://example.invalid/node.json".to_string(),
        reward_recipient: None,
        stake,
    }
}

/// Replaces every occurrence of account `old` in `ix` by `new` (to pass a fake account).
pub fn replace_account(ix: &mut Instruction, old: &Pubkey, new: Pubkey) {
    let mut found = false;
    for meta in ix.accounts.iter_mut().filter(|m| m.pubkey == *old) {
        meta.pubkey = new;
        found = true;
    }
    assert!(found, "account {old} is not in the instruction");
}

/// Every event of type `E` in the inner-instruction data of a simulation.
pub fn events_of<E: AnchorDeserialize + Discriminator>(inner: &[Vec<u8>]) -> Vec<E> {
    inner.iter().filter_map(|data| gridmint_sdk::events::decode_event::<E>(data)).collect()
}

/// An operator with lamports and a funded token account of the stake mint.
pub struct Operator {
    pub keypair: Keypair,
    pub token: Pubkey,
}

impl Operator {
    pub fn pubkey(&self) -> Pubkey {
        self.keypair.pubkey()
    }
}

/// A registered node and the keys that control it.
pub struct TestNode {
    pub node_id: u64,
    pub address: Pubkey,
    pub device: Keypair,
}

/// A node-staking deployment inside an [`Env`].
pub struct Staking {
    pub admin: Keypair,
    pub authority: Keypair,
    pub slash_authority: Keypair,
    pub mint_authority: Keypair,
    pub stake_mint: Pubkey,
    pub token_program: Pubkey,
    pub treasury: Pubkey,
    pub config: Pubkey,
    pub vault: Pubkey,
    /// The epoch clock `init_args` uses (change before initializing for another one).
    pub genesis_time: i64,
    pub epoch_seconds: i64,
}

impl Staking {
    /// Mint, treasury and funded keys for `token_program` with `extensions`, not yet
    /// initialized.
    pub async fn prepare(
        env: &mut Env,
        token_program: Pubkey,
        extensions: &[MintExtension],
    ) -> Staking {
        let mint_authority = env.funded_keypair(LAMPORTS).await;
        let stake_mint =
            env.create_mint(&token_program, &mint_authority.pubkey(), DECIMALS, extensions).await;
        Staking::prepare_with_mint(env, token_program, mint_authority, stake_mint).await
    }

    /// Like [`Staking::prepare`] for an existing `stake_mint` whose mint authority is
    /// `mint_authority`.
    pub async fn prepare_with_mint(
        env: &mut Env,
        token_program: Pubkey,
        mint_authority: Keypair,
        stake_mint: Pubkey,
    ) -> Staking {
        let admin = deploy_admin();
        env.fund(&admin.pubkey(), LAMPORTS).await;
        let authority = env.funded_keypair(LAMPORTS).await;
        let slash_authority = env.funded_keypair(LAMPORTS).await;
        let treasury_owner = Pubkey::new_unique();
        let treasury = env.create_ata(&stake_mint, &treasury_owner, &token_program).await;
        let config = sdk::config_address();
        let vault = sdk::vault_pda(&config).0;
        let genesis_time = env.now().await.checked_add(GENESIS_DELAY_SECONDS).expect("time");
        Staking {
            admin,
            authority,
            slash_authority,
            mint_authority,
            stake_mint,
            token_program,
            treasury,
            config,
            vault,
            genesis_time,
            epoch_seconds: EPOCH_SECONDS,
        }
    }

    /// The default `initialize` arguments of the fixture.
    pub fn init_args(&self) -> InitializeArgs {
        InitializeArgs {
            authority: self.authority.pubkey(),
            slash_authority: self.slash_authority.pubkey(),
            genesis_time: self.genesis_time,
            epoch_seconds: self.epoch_seconds,
            min_stake: MIN_STAKE,
            max_capacity: MAX_CAPACITY,
            unbonding_seconds: UNBONDING_SECONDS,
            slash_bps: SLASH_BPS,
            reporter_bounty_bps: BOUNTY_BPS,
        }
    }

    /// The `initialize` instruction with the fixture's accounts and `args`.
    pub fn initialize_ix(&self, args: InitializeArgs) -> Instruction {
        sdk::initialize(
            &self.admin.pubkey(),
            &self.stake_mint,
            &self.treasury,
            &self.token_program,
            args,
        )
    }

    /// Sends `initialize` with the default arguments.
    pub async fn initialize(&self, env: &mut Env) -> Result<(), TransactionError> {
        let ix = self.initialize_ix(self.init_args());
        env.send(&[ix], &[&self.admin]).await
    }

    /// A deployment on `token_program`, initialized with the default arguments.
    pub async fn start_with(env: &mut Env, token_program: Pubkey) -> Staking {
        let staking = Staking::prepare(env, token_program, &[]).await;
        staking.initialize(env).await.expect("initialize");
        staking
    }

    /// A deployment on SPL Token, initialized with the default arguments.
    pub async fn start(env: &mut Env) -> Staking {
        Staking::start_with(env, spl_token()).await
    }

    /// A new operator with lamports and `balance` stake tokens.
    pub async fn operator(&self, env: &mut Env, balance: u64) -> Operator {
        let keypair = env.funded_keypair(LAMPORTS).await;
        let token = env.create_ata(&self.stake_mint, &keypair.pubkey(), &self.token_program).await;
        if balance > 0 {
            env.mint_to(
                &self.stake_mint,
                &self.token_program,
                &self.mint_authority,
                &token,
                balance,
            )
            .await;
        }
        Operator { keypair, token }
    }

    /// The token accounts `register_node`, `stake` and `withdraw` use for `operator`.
    pub fn tokens(&self, operator: &Operator) -> StakeTokens {
        StakeTokens {
            stake_mint: self.stake_mint,
            token_program: self.token_program,
            operator_token: operator.token,
        }
    }

    /// The accounts `slash` uses.
    pub fn slash_tokens(&self) -> SlashTokens {
        SlashTokens {
            stake_mint: self.stake_mint,
            token_program: self.token_program,
            treasury: self.treasury,
        }
    }

    /// The `register_node` instruction for the config's next node id with a new device key.
    pub async fn register_ix(
        &self,
        env: &mut Env,
        operator: &Operator,
        device: &Keypair,
        args: RegisterNodeArgs,
    ) -> (u64, Instruction) {
        let node_id = self.config_state(env).await.next_node_id;
        let ix = sdk::register_node(
            &operator.pubkey(),
            &device.pubkey(),
            node_id,
            &self.tokens(operator),
            args,
        );
        (node_id, ix)
    }

    /// Registers a node with `args` and a fresh device key.
    pub async fn register_with(
        &self,
        env: &mut Env,
        operator: &Operator,
        args: RegisterNodeArgs,
    ) -> Result<TestNode, TransactionError> {
        let device = Keypair::new();
        let (node_id, ix) = self.register_ix(env, operator, &device, args).await;
        env.send(&[ix], &[&operator.keypair, &device]).await?;
        Ok(TestNode { node_id, address: sdk::node_pda(&self.config, node_id).0, device })
    }

    /// Registers a node of `kind` with `stake`.
    pub async fn register(
        &self,
        env: &mut Env,
        operator: &Operator,
        kind: NodeKind,
        stake: u64,
    ) -> TestNode {
        self.register_with(env, operator, register_args(kind, stake)).await.expect("register")
    }

    pub async fn config_state(&self, env: &mut Env) -> Config {
        env.anchor_account::<Config>(&self.config).await
    }

    pub async fn node_state(&self, env: &mut Env, node_id: u64) -> Node {
        env.anchor_account::<Node>(&sdk::node_pda(&self.config, node_id).0).await
    }

    pub async fn binding_state(&self, env: &mut Env, device_key: &Pubkey) -> DeviceBinding {
        env.anchor_account::<DeviceBinding>(&sdk::device_binding_pda(&self.config, device_key).0)
            .await
    }

    /// Overwrites the config (e.g. to inject totals near `u64::MAX`).
    pub async fn set_config(&self, env: &mut Env, config: &Config) {
        env.set_anchor_account(&self.config, config, &node_staking::ID).await;
    }

    /// Overwrites a node.
    pub async fn set_node(&self, env: &mut Env, node_id: u64, node: &Node) {
        let address = sdk::node_pda(&self.config, node_id).0;
        env.set_anchor_account(&address, node, &node_staking::ID).await;
    }

    pub async fn vault_balance(&self, env: &mut Env) -> u64 {
        env.token_balance(&self.vault).await
    }

    /// Start of `epoch` on this deployment's clock.
    pub fn epoch_start(&self, epoch: u64) -> i64 {
        let epoch = i64::try_from(epoch).expect("small epoch");
        epoch
            .checked_mul(self.epoch_seconds)
            .and_then(|offset| offset.checked_add(self.genesis_time))
            .expect("time")
    }

    /// Moves the clock forward to exactly `offset` seconds into `epoch`.
    pub async fn warp_into_epoch(&self, env: &mut Env, epoch: u64, offset: i64) {
        let time = self.epoch_start(epoch).checked_add(offset).expect("time");
        env.warp_to_timestamp(time).await;
    }

    /// The requester record of `key`.
    pub async fn requester_state(&self, env: &mut Env, key: &Pubkey) -> Requester {
        env.anchor_account::<Requester>(&sdk::requester_pda(&self.config, key).0).await
    }

    /// Registers `key` as requester from `first_epoch` on, labelled "test".
    pub async fn register_requester(
        &self,
        env: &mut Env,
        key: &Pubkey,
        first_epoch: u64,
    ) -> Result<(), TransactionError> {
        let args =
            RegisterRequesterArgs { key: *key, label: sdk::requester_label("test"), first_epoch };
        let ix = sdk::register_requester(&self.authority.pubkey(), args);
        env.send(&[ix], &[&self.authority]).await
    }
}

/// Token-2022 mint extensions beyond [`MintExtension`], for the allow-list tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtraMintExtension {
    /// Not on the allow-list (confidential transfers).
    ConfidentialTransfer,
    /// On the allow-list (changes only the displayed amount).
    InterestBearing,
}

/// Creates a Token-2022 mint carrying one [`ExtraMintExtension`]; `authority` is mint and
/// freeze authority.
pub async fn create_mint_with_extra(
    env: &mut Env,
    authority: &Pubkey,
    extension: ExtraMintExtension,
) -> Pubkey {
    use spl_token_2022_interface::extension::{
        confidential_transfer, interest_bearing_mint, ExtensionType,
    };
    use spl_token_2022_interface::instruction as token_ix;
    use spl_token_2022_interface::state::Mint;

    let program = token_2022();
    let mint = Keypair::new();
    let (ext_type, init) = match extension {
        ExtraMintExtension::ConfidentialTransfer => (
            ExtensionType::ConfidentialTransferMint,
            confidential_transfer::instruction::initialize_mint(
                &program,
                &mint.pubkey(),
                Some(*authority),
                true,
                None,
            ),
        ),
        ExtraMintExtension::InterestBearing => (
            ExtensionType::InterestBearingConfig,
            interest_bearing_mint::instruction::initialize(
                &program,
                &mint.pubkey(),
                Some(*authority),
                500,
            ),
        ),
    };
    let space = ExtensionType::try_calculate_account_len::<Mint>(&[ext_type]).expect("size");
    let rent = env.ctx.banks_client.get_rent().await.expect("rent");
    let payer = env.payer();
    let ixs = [
        solana_system_interface::instruction::create_account(
            &payer.pubkey(),
            &mint.pubkey(),
            rent.minimum_balance(space),
            u64::try_from(space).expect("space fits u64"),
            &program,
        ),
        init.expect("extension instruction"),
        token_ix::initialize_mint2(&program, &mint.pubkey(), authority, Some(authority), DECIMALS)
            .expect("initialize_mint2"),
    ];
    env.send(&ixs, &[&mint]).await.expect("create mint");
    mint.pubkey()
}
