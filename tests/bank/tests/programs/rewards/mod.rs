//! rewards: one module per instruction (happy path and every failure with its exact error),
//! the pure state functions, a seeded randomized run over many epochs and recipients, and
//! the size/cost table.

mod accept_authority;
mod challenge_params;
mod claim;
mod close_epoch;
mod create_beacons;
mod initialize;
mod open_round;
mod params_schedule;
mod pause;
mod randomized;
mod record_beacon;
mod set_oracles;
mod set_params;
mod set_params_rejects;
mod size_and_cost;
mod state_math;
mod submit_report;
mod transfer_authority;
mod unpause;
mod veto_epoch;

/// What every test module uses.
mod prelude {
    pub use anchor_lang::error::ErrorCode;
    pub use anchor_lang::prelude::Pubkey;
    pub use anchor_lang::{AnchorDeserialize, Discriminator};
    pub use gridmint_protocol::merkle::CumulativeTree;
    pub use gridmint_sdk::rewards as sdk;
    pub use gridmint_sdk::rewards::events::*;
    pub use gridmint_sdk::rewards::{EpochStatus, Params, SubmitReportArgs};
    pub use gridmint_test_support::rewards::*;
    pub use gridmint_test_support::{assert_error, custom_error, Env, MintExtension};
    pub use rewards::errors::RewardsError as E;
    pub use solana_keypair::Keypair;
    pub use solana_signer::Signer;

    pub type Ix = anchor_lang::solana_program::instruction::Instruction;

    /// Events of type `T` in the data of inner instructions.
    pub fn events_of<T: AnchorDeserialize + Discriminator>(inner: &[Vec<u8>]) -> Vec<T> {
        inner.iter().filter_map(|data| gridmint_sdk::events::decode_event::<T>(data)).collect()
    }

    /// Simulates `ixs` (to read their events from the inner instructions), then sends them
    /// and requires success. Returns the events of type `T`.
    pub async fn send_with_events<T: AnchorDeserialize + Discriminator>(
        env: &mut Env,
        ixs: &[Ix],
        signers: &[&Keypair],
    ) -> Vec<T> {
        let inner = env.simulate_inner_data(ixs, signers).await.expect("simulation");
        env.send(ixs, signers).await.expect("transaction");
        events_of::<T>(&inner)
    }

    /// A started env with the default deployment (5 oracles, threshold 3, SPL Token).
    pub async fn setup() -> (Env, Rewards) {
        let mut env = Env::start().await;
        let rewards = env.init_rewards(RewardsInit::default()).await;
        (env, rewards)
    }

    /// `n` fresh recipient keys.
    pub fn recipients(n: usize) -> Vec<Pubkey> {
        (0..n).map(|_| Pubkey::new_unique()).collect()
    }

    /// A manifest hash that names the epoch (the program only compares it).
    pub fn manifest(epoch: u64) -> [u8; 32] {
        [u8::try_from(epoch % 251).unwrap(); 32]
    }
}
