//! node-staking: one module per instruction (happy path and every failure with its exact
//! error), the Token-2022 path, and a seeded randomized run over many operations.

mod accept_authority;
mod close_node;
mod initialize;
mod pause;
mod randomized;
mod register_node;
mod register_node_epochs;
mod register_requester;
mod request_unstake;
mod retire_requester;
mod rotate_device_key;
mod set_params;
mod slash;
mod stake;
mod token_2022;
mod transfer_authority;
mod unjail;
mod unpause;
mod update_node;
mod views;
mod withdraw;

/// What every test module uses.
mod prelude {
    pub use anchor_lang::error::ErrorCode;
    pub use anchor_lang::prelude::Pubkey;
    pub use anchor_lang::{AnchorDeserialize, Discriminator};
    pub use gridmint_sdk::node_staking as sdk;
    pub use gridmint_sdk::node_staking::events::*;
    pub use gridmint_sdk::node_staking::{Capacity, NodeKind, SetParamsArgs, UpdateNodeArgs};
    pub use gridmint_test_support::node_staking::*;
    pub use gridmint_test_support::{assert_error, custom_error, Env, MintExtension};
    pub use node_staking::errors::NodeStakingError as E;
    pub use solana_keypair::Keypair;
    pub use solana_signer::Signer;

    pub type Ix = anchor_lang::solana_program::instruction::Instruction;
    pub use anchor_lang::solana_program::instruction::error::InstructionError;

    /// Asserts that the first instruction failed with exactly `expected` (a non-custom
    /// error, e.g. one returned by the token program before our constraints run).
    #[track_caller]
    pub fn assert_instruction_error<E: std::fmt::Debug>(
        result: Result<(), E>,
        expected: InstructionError,
    ) {
        let got = format!("{result:?}");
        assert_eq!(got, format!("Err(InstructionError(0, {expected:?}))"));
    }

    /// Simulates `ix` (to read its events from the inner instructions), then sends it and
    /// requires success. Returns the events of type `T`.
    pub async fn send_with_events<T: AnchorDeserialize + Discriminator>(
        env: &mut Env,
        ix: Ix,
        signers: &[&Keypair],
    ) -> Vec<T> {
        let inner =
            env.simulate_inner_data(std::slice::from_ref(&ix), signers).await.expect("simulation");
        env.send(&[ix], signers).await.expect("transaction");
        events_of::<T>(&inner)
    }

    /// A copy of the real config at a new, non-PDA address owned by the program, with
    /// `authority` and `slash_authority` both set to `attacker`.
    pub async fn fake_config(env: &mut Env, s: &Staking, attacker: &Pubkey) -> Pubkey {
        let mut config = s.config_state(env).await;
        config.authority = *attacker;
        config.slash_authority = *attacker;
        let fake = Pubkey::new_unique();
        env.set_anchor_account(&fake, &config, &node_staking::ID).await;
        fake
    }

    /// A copy of a node at a new, non-PDA address owned by the program, run by `operator`.
    pub async fn fake_node(env: &mut Env, s: &Staking, node_id: u64, operator: &Pubkey) -> Pubkey {
        let mut node = s.node_state(env, node_id).await;
        node.operator = *operator;
        let fake = Pubkey::new_unique();
        env.set_anchor_account(&fake, &node, &node_staking::ID).await;
        fake
    }

    /// A token account of the stake mint owned by `owner` that is not the vault.
    pub async fn other_token_account(env: &mut Env, s: &Staking, owner: &Pubkey) -> Pubkey {
        env.create_token_account(&s.stake_mint, owner, &s.token_program).await
    }

    /// A second mint on the same token program and `owner`'s funded account of it.
    pub async fn other_mint(
        env: &mut Env,
        s: &Staking,
        owner: &Pubkey,
        amount: u64,
    ) -> (Pubkey, Pubkey) {
        let mint =
            env.create_mint(&s.token_program, &s.mint_authority.pubkey(), DECIMALS, &[]).await;
        let account = env.create_ata(&mint, owner, &s.token_program).await;
        if amount > 0 {
            env.mint_to(&mint, &s.token_program, &s.mint_authority, &account, amount).await;
        }
        (mint, account)
    }

    /// The other token program (for wrong-token-program tests).
    pub fn other_token_program(s: &Staking) -> Pubkey {
        if s.token_program == spl_token() {
            token_2022()
        } else {
            spl_token()
        }
    }

    /// Pauses the deployment.
    pub async fn pause(env: &mut Env, s: &Staking) {
        env.send(&[sdk::pause(&s.authority.pubkey())], &[&s.authority]).await.expect("pause");
    }

    /// Slashes `amount` from a node (which jails it).
    pub async fn slash(env: &mut Env, s: &Staking, node_id: u64, amount: u64) {
        let ix = sdk::slash(&s.slash_authority.pubkey(), node_id, &s.slash_tokens(), amount, 1);
        env.send(&[ix], &[&s.slash_authority]).await.expect("slash");
    }

    /// Requests an unstake of `amount`.
    pub async fn request_unstake(env: &mut Env, op: &Operator, node_id: u64, amount: u64) {
        let ix = sdk::request_unstake(&op.pubkey(), node_id, amount);
        env.send(&[ix], &[&op.keypair]).await.expect("request_unstake");
    }
}
