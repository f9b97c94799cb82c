//! Facts fixed at build time for a deployment.

/// The key allowed to call `initialize` on both programs when no other key is given at
/// build time. This is the *localnet test key* committed in `keys/localnet/deploy-admin.json`;
/// a real deployment builds with `GRIDMINT_DEPLOY_ADMIN=<base58 pubkey>` so that nobody can
/// front-run `initialize` between deploy and initialisation (natively there is no
/// ProgramData account whose upgrade authority could be checked instead).
pub const LOCALNET_DEPLOY_ADMIN: &str = "Gs84M3CArifctZ1EEK9RWTwpmLdNZ7SUWKZHxNKYNcxJ";

/// The deployment admin key as base58, taking `GRIDMINT_DEPLOY_ADMIN` at build time if set.
pub const DEPLOY_ADMIN: &str = match option_env!("GRIDMINT_DEPLOY_ADMIN") {
    Some(key) => key,
    None => LOCALNET_DEPLOY_ADMIN,
};

/// Basis-point denominator used by every share in the protocol.
pub const BPS_DENOMINATOR: u64 = 10_000;
