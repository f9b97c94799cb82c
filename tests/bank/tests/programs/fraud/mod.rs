//! Fraud proofs (issue #4): `report_fraud` (each proof kind, its effects, every failure with
//! its exact error) and the Ed25519 precompile's acceptance rule compared with the off-chain
//! `verify_strict`.

mod precompile;
mod report_fraud;
mod report_fraud_rejects;
mod report_fraud_unjail;

/// What every fraud test module uses.
mod prelude {
    pub use anchor_lang::error::ErrorCode;
    pub use anchor_lang::prelude::Pubkey;
    pub use gridmint_protocol::messages::EnergyReading;
    pub use gridmint_sdk::fraud::{self as fraud_sdk, FraudEvidence, FraudKind, SignedReading};
    pub use gridmint_sdk::node_staking as sdk;
    pub use gridmint_sdk::node_staking::events::FraudProven;
    pub use gridmint_sdk::node_staking::{Capacity, Config, Node, NodeKind};
    pub use gridmint_test_support::fraud::*;
    pub use gridmint_test_support::node_staking::*;
    pub use gridmint_test_support::{assert_error, Env};
    pub use node_staking::errors::NodeStakingError as E;
    pub use solana_instruction::error::InstructionError;
    pub use solana_keypair::Keypair;
    pub use solana_signer::Signer;

    pub type Ix = anchor_lang::solana_program::instruction::Instruction;

    /// Stake of the node under test: slash 10 % = 1,000, bounty 2 % = 200, treasury 800.
    pub const STAKE: u64 = 10_000;

    /// A deployment with one staked node, its device key, and a reporter with an empty
    /// token account of the stake mint.
    pub struct World {
        pub env: Env,
        pub s: Staking,
        pub op: Operator,
        pub node: TestNode,
        pub reporter: Operator,
        /// When the node's device key was bound (readings must not be older).
        pub t0: i64,
    }

    impl World {
        pub async fn new(kind: NodeKind) -> World {
            World::on(kind, spl_token()).await
        }

        /// Like [`World::new`] with the stake mint on `token_program`.
        pub async fn on(kind: NodeKind, token_program: Pubkey) -> World {
            let mut env = Env::start().await;
            let s = Staking::start_with(&mut env, token_program).await;
            let op = s.operator(&mut env, 100_000).await;
            let node = s.register(&mut env, &op, kind, STAKE).await;
            let reporter = s.operator(&mut env, 0).await;
            let t0 = s.binding_state(&mut env, &node.device.pubkey()).await.bound_at;
            World { env, s, op, node, reporter, t0 }
        }

        /// A reading of the node under test at `t0 + dt`.
        pub fn reading(&self, sequence: u64, dt: i64, produced_wh: u64) -> EnergyReading {
            reading(&self.s, self.node.node_id, sequence, self.t0 + dt, produced_wh)
        }

        /// A reading signed by the node's device key.
        pub fn signed(&self, sequence: u64, dt: i64, produced_wh: u64) -> SignedReading {
            sign(&self.node.device, self.reading(sequence, dt, produced_wh))
        }

        /// Two readings with the same sequence number and different counters.
        pub fn equivocation(&self) -> (SignedReading, SignedReading) {
            (self.signed(5, 60, 100), self.signed(5, 60, 200))
        }

        /// A later reading with a smaller counter.
        pub fn regression(&self) -> (SignedReading, SignedReading) {
            (self.signed(1, 60, 500), self.signed(2, 120, 499))
        }

        pub fn ixs(&self, x: &SignedReading, y: &SignedReading) -> [Ix; 3] {
            report_ixs(&self.s, &self.reporter, self.node.node_id, x, y)
        }

        pub async fn report(
            &mut self,
            x: &SignedReading,
            y: &SignedReading,
        ) -> Result<(), TransactionError> {
            let ixs = self.ixs(x, y);
            self.env.send(&ixs, &[&self.reporter.keypair]).await
        }

        pub async fn send(&mut self, ixs: &[Ix]) -> Result<(), TransactionError> {
            self.env.send(ixs, &[&self.reporter.keypair]).await
        }

        pub async fn node_state(&mut self) -> Node {
            self.s.node_state(&mut self.env, self.node.node_id).await
        }

        pub async fn config_state(&mut self) -> Config {
            self.s.config_state(&mut self.env).await
        }

        /// Reporter, treasury and vault balances.
        pub async fn balances(&mut self) -> (u64, u64, u64) {
            let reporter = self.env.token_balance(&self.reporter.token).await;
            let treasury = self.env.token_balance(&self.s.treasury).await;
            let vault = self.s.vault_balance(&mut self.env).await;
            (reporter, treasury, vault)
        }

        /// Asserts that nothing was slashed, jailed or recorded.
        pub async fn assert_untouched(&mut self, x: &SignedReading, y: &SignedReading) {
            let node = self.node_state().await;
            assert_eq!((node.active_stake, node.pending_stake, node.jailed), (STAKE, 0, false));
            let (reporter, treasury, vault) = self.balances().await;
            assert_eq!((reporter, treasury), (0, 0));
            let config = self.config_state().await;
            assert_eq!(config.total_slashed, 0);
            assert_eq!(vault, config.total_active + config.total_pending);
            let evidence = evidence_address(&self.s, x, y);
            assert!(self.env.account(&evidence).await.is_none(), "no evidence recorded");
        }
    }
}
