// Anchor's deploy hook. GridMint programs are initialised by the deployment admin key fixed at
// build time (GRIDMINT_DEPLOY_ADMIN), with the parameters reviewed for the target cluster:
// see docs/node-staking.md and docs/rewards.md for each `initialize` argument and its bounds.
// The Rust SDK (crates/sdk) builds the same instructions for scripted deployments.
import * as anchor from "@coral-xyz/anchor";

module.exports = async function (provider: anchor.AnchorProvider) {
  anchor.setProvider(provider);
};
