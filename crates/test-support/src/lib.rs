//! Test fixtures for GridMint's programs running natively inside a real Solana Bank.
//!
//! The runtime itself (entry wrappers, syscall stubs, log routing) is `gridmint-native-runtime`,
//! shared with the localnet. Everything around the programs is real: account loading, rent,
//! signer and writable checks, PDAs, sysvars, precompiles and CPIs into the bundled SPL Token,
//! Token-2022 and Associated Token Account programs.
//!
//! [`Env`] wraps a started `ProgramTestContext` with the few operations every test needs.

mod env;
pub mod fraud;
pub mod log_probe;
mod mint;
pub mod node_staking;
pub mod rewards;

pub use env::{assert_error, custom_error, Env};
pub use gridmint_native_runtime::{native_programs, NativeProgram};
pub use mint::MintExtension;

use solana_keypair::Keypair;

/// The localnet deployment-admin keypair (`keys/localnet/deploy-admin.json`): the only key
/// that may call `initialize` on a build without `GRIDMINT_DEPLOY_ADMIN`.
pub fn deploy_admin() -> Keypair {
    keypair_from_json(include_str!("../../../keys/localnet/deploy-admin.json"))
}

/// Parses a Solana CLI keypair file (a JSON array of 64 bytes).
pub fn keypair_from_json(json: &str) -> Keypair {
    let bytes: Vec<u8> = serde_json::from_str(json).expect("keypair file is a JSON byte array");
    Keypair::try_from(bytes.as_slice()).expect("keypair file holds 64 bytes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::prelude::Pubkey;
    use solana_signer::Signer;

    // The committed localnet keypairs must match what the programs were built with, or
    // `initialize` and program registration silently target the wrong keys.
    #[test]
    fn localnet_keys_match_declared_ids() {
        let admin = deploy_admin().pubkey();
        assert_eq!(
            admin,
            Pubkey::from_str_const(gridmint_protocol::deployment::LOCALNET_DEPLOY_ADMIN)
        );
        let staking =
            keypair_from_json(include_str!("../../../keys/localnet/node_staking-keypair.json"));
        assert_eq!(staking.pubkey(), ::node_staking::ID);
        let rewards =
            keypair_from_json(include_str!("../../../keys/localnet/rewards-keypair.json"));
        assert_eq!(rewards.pubkey(), ::rewards::ID);
        let anchor_toml = include_str!("../../../Anchor.toml");
        for (name, id) in [("node_staking", ::node_staking::ID), ("rewards", ::rewards::ID)] {
            assert!(anchor_toml.contains(&format!("{name} = \"{id}\"")), "Anchor.toml: {name}");
        }
    }
}
