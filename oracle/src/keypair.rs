//! Solana CLI keypair files (a JSON array of the 64 secret-key bytes).

use std::path::Path;

use gridmint_sdk::chain::Keypair;

/// Reads a Solana CLI JSON keypair; the error names the file and never its contents.
pub fn read_keypair_file(path: &Path) -> anyhow::Result<Keypair> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        anyhow::anyhow!(
            "cannot read keypair {}: {e} (create one with `gridmint-oracle keygen`)",
            path.display()
        )
    })?;
    let bytes: Vec<u8> = serde_json::from_str(&text).map_err(|_| {
        anyhow::anyhow!(
            "{} is not a Solana CLI keypair (a JSON array of 64 numbers)",
            path.display()
        )
    })?;
    Keypair::try_from(bytes.as_slice())
        .map_err(|_| anyhow::anyhow!("{} does not hold a valid 64-byte keypair", path.display()))
}
