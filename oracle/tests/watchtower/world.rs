//! Harness of the watchtower tests: a real Bank with node-staking, registered nodes whose
//! device keys sign real readings, the oracle's keypair with its token account of the stake
//! mint, and a SQLite store in a temp dir.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use gridmint_oracle::store::{NewReading, Store};
use gridmint_oracle::watchtower::Watchtower;
use gridmint_protocol::crediting::SignedReading as StoredReading;
use gridmint_protocol::emission::EpochClock;
use gridmint_sdk::chain::{
    Account, BanksChain, Chain, ChainError, DataSlice, InnerInstruction, Keypair, ReadAt, Scan,
    Signature,
};
use gridmint_sdk::fraud::SignedReading;
use gridmint_sdk::node_staking::{Node, NodeKind};
use gridmint_test_support::fraud::{reading, report_ixs, sign};
use gridmint_test_support::node_staking::{Operator, Staking, TestNode};
use gridmint_test_support::Env;
use solana_signer::Signer;

/// Stake of every node: a report slashes 10 % (1,000) and pays 2 % (200) to the reporter.
pub const STAKE: u64 = 10_000;
pub const BOUNTY: u64 = 200;
/// Bound on every wait for a condition.
pub const DEADLINE: Duration = Duration::from_secs(30);

pub struct World {
    pub env: Env,
    pub staking: Staking,
    pub operator: Operator,
    /// An energy node (5 kWp) under test.
    pub node: TestNode,
    /// The oracle: its keypair signs and pays reports; `oracle.token` receives bounties.
    pub oracle: Operator,
    pub store: Arc<Store>,
    pub bank: Arc<BanksChain>,
    /// When the first node's key was bound: readings are timestamped after it.
    pub t0: i64,
    pub dir: tempfile::TempDir,
}

impl World {
    pub async fn new() -> World {
        let mut env = Env::start().await;
        let staking = Staking::start(&mut env).await;
        let operator = staking.operator(&mut env, 1_000_000).await;
        let node = staking.register(&mut env, &operator, NodeKind::Energy, STAKE).await;
        let oracle = staking.operator(&mut env, 0).await;
        let t0 = staking.binding_state(&mut env, &node.device.pubkey()).await.bound_at;
        let dir = tempfile::tempdir().expect("tempdir");
        let store =
            Store::open(&Store::sqlite_url(&dir.path().join("oracle.db"))).await.expect("store");
        let bank = Arc::new(BanksChain::new(env.ctx.banks_client.clone()));
        World { env, staking, operator, node, oracle, store: Arc::new(store), bank, t0, dir }
    }

    /// Another energy node of the same operator.
    pub async fn register(&mut self) -> TestNode {
        self.staking.register(&mut self.env, &self.operator, NodeKind::Energy, STAKE).await
    }

    /// The node under test as seen through another device key.
    pub fn same_node(&self, device: Keypair) -> TestNode {
        TestNode { node_id: self.node.node_id, address: self.node.address, device }
    }

    /// The watchtower over the Bank, paid into `reporter_token`.
    pub fn watchtower_paying(&self, reporter_token: Pubkey) -> Watchtower {
        let chain: Arc<dyn Chain> = self.bank.clone();
        Watchtower::new(
            Arc::clone(&self.store),
            chain,
            self.oracle.keypair.insecure_clone(),
            reporter_token,
        )
    }

    pub fn watchtower(&self) -> Watchtower {
        self.watchtower_paying(self.oracle.token)
    }

    /// A reading of `node` at `t0 + dt`, signed by its device key.
    pub fn signed(
        &self,
        node: &TestNode,
        sequence: u64,
        dt: i64,
        produced_wh: u64,
    ) -> SignedReading {
        let r = reading(&self.staking, node.node_id, sequence, self.t0 + dt, produced_wh);
        sign(&node.device, r)
    }

    /// Stores `readings` as ingest would, received at `received_at`.
    pub async fn store_readings(&self, readings: &[SignedReading], received_at: i64) {
        let clock = EpochClock {
            genesis_time: self.staking.genesis_time,
            epoch_seconds: self.staking.epoch_seconds,
        };
        let rows: Vec<NewReading> = readings
            .iter()
            .map(|s| {
                let stored = StoredReading {
                    device_key: s.device_key.to_bytes(),
                    message: s.reading.encode(),
                    signature: s.signature,
                };
                NewReading::new(stored, &clock).expect("decodes")
            })
            .collect();
        self.store.insert_readings(&rows, received_at).await.expect("insert");
    }

    /// Honest readings of `node`: one a minute at about 1 kW, from `t0 + 1000`.
    pub fn honest(&self, node: &TestNode, sequences: std::ops::Range<u64>) -> Vec<SignedReading> {
        sequences
            .map(|s| self.signed(node, s, 1_000 + i64::try_from(s).expect("small") * 60, s * 16))
            .collect()
    }

    pub async fn node_state(&mut self, node_id: u64) -> Node {
        self.staking.node_state(&mut self.env, node_id).await
    }

    pub async fn oracle_lamports(&mut self) -> u64 {
        let key = self.oracle.pubkey();
        self.env.lamports(&key).await
    }

    pub async fn token_balance(&mut self, account: Pubkey) -> u64 {
        self.env.token_balance(&account).await
    }

    /// A funded reporter competing with the oracle.
    pub async fn rival(&mut self) -> Operator {
        self.staking.operator(&mut self.env, 0).await
    }

    /// The rival's `report_fraud` transaction for `node_id` and the pair `(x, y)`.
    pub fn rival_report(
        &self,
        rival: &Operator,
        node_id: u64,
        x: &SignedReading,
        y: &SignedReading,
    ) -> RivalReport {
        let ixs = report_ixs(&self.staking, rival, node_id, x, y).to_vec();
        RivalReport { instructions: ixs, payer: rival.keypair.insecure_clone() }
    }
}

/// A transaction of a rival reporter.
pub struct RivalReport {
    instructions: Vec<Instruction>,
    payer: Keypair,
}

/// The real Bank, where a rival's report lands between the watchtower's checks and its own
/// report: a race the watchtower loses, staged deterministically.
pub struct RivalFirst {
    pub bank: Arc<BanksChain>,
    pub rival: Mutex<Option<RivalReport>>,
}

#[async_trait::async_trait]
impl Chain for RivalFirst {
    async fn read_accounts(
        &self,
        addresses: &[Pubkey],
        slice: Option<DataSlice>,
    ) -> Result<ReadAt<Vec<Option<Account>>>, ChainError> {
        self.bank.read_accounts(addresses, slice).await
    }

    async fn scan(&self, scan: Scan) -> Result<Vec<Pubkey>, ChainError> {
        self.bank.scan(scan).await
    }

    async fn send_transaction(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<Signature, ChainError> {
        let rival = self.rival.lock().expect("rival").take();
        if let Some(r) = rival {
            self.bank.send_transaction(&r.instructions, &r.payer, &[]).await.expect("rival lands");
        }
        self.bank.send_transaction(instructions, payer, signers).await
    }

    async fn inner_instructions(
        &self,
        signature: &Signature,
    ) -> Result<Option<Vec<InnerInstruction>>, ChainError> {
        self.bank.inner_instructions(signature).await
    }
}
