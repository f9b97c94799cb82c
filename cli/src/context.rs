//! Where to send and who signs, as the Solana CLI decides it: `-u/--url` (URL or moniker) and
//! `-k/--keypair` first, then `~/.config/solana/cli/config.yml` (`-C/--config` for another
//! file), then the Solana CLI defaults (localhost, `~/.config/solana/id.json`).

use std::path::{Path, PathBuf};

use gridmint_sdk::chain::{Chain, ChainExt, Keypair, RpcChain};
use gridmint_sdk::node_staking as ns;
use gridmint_sdk::rewards as rw;
use solana_commitment_config::CommitmentConfig;
use solana_instruction::Instruction;

/// The Solana CLI's config values this tool uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SolanaConfig {
    pub json_rpc_url: Option<String>,
    pub keypair_path: Option<String>,
    pub commitment: Option<String>,
}

/// Reads the top-level `key: value` lines of a Solana CLI `config.yml` (the file is flat
/// YAML written by `solana config set`; nested maps such as `address_labels` are skipped).
pub fn parse_solana_config(text: &str) -> SolanaConfig {
    let mut out = SolanaConfig::default();
    for line in text.lines() {
        if line.starts_with(' ') || line.starts_with('-') || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else { continue };
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
        if value.is_empty() {
            continue;
        }
        match key.trim() {
            "json_rpc_url" => out.json_rpc_url = Some(value),
            "keypair_path" => out.keypair_path = Some(value),
            "commitment" => out.commitment = Some(value),
            _ => {}
        }
    }
    out
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."))
}

/// The default Solana CLI config file.
pub fn default_config_path() -> PathBuf {
    home().join(".config/solana/cli/config.yml")
}

/// Resolved connection and signer settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    pub rpc_url: String,
    pub keypair_path: PathBuf,
    pub commitment: CommitmentConfig,
}

impl Context {
    /// Flags over the config file (`path`, or the default one if it exists) over defaults.
    pub fn resolve(
        url: Option<&str>,
        keypair: Option<&Path>,
        config: Option<&Path>,
    ) -> anyhow::Result<Self> {
        let file = match config {
            Some(p) => Some(std::fs::read_to_string(p).map_err(|e| {
                anyhow::anyhow!("reading the Solana CLI config {}: {e}", p.display())
            })?),
            None => std::fs::read_to_string(default_config_path()).ok(),
        };
        let solana = file.as_deref().map(parse_solana_config).unwrap_or_default();
        let rpc_url = url
            .map(gridmint_ops::cli::rpc_url)
            .or(solana.json_rpc_url)
            .unwrap_or_else(|| gridmint_ops::cli::rpc_url("localhost"));
        let keypair_path = keypair
            .map(Path::to_path_buf)
            .or(solana.keypair_path.map(PathBuf::from))
            .unwrap_or_else(|| home().join(".config/solana/id.json"));
        let commitment = match solana.commitment.as_deref() {
            Some(c) => c.parse().map_err(|_| anyhow::anyhow!("commitment {c:?} is not valid"))?,
            None => CommitmentConfig::confirmed(),
        };
        Ok(Self { rpc_url, keypair_path, commitment })
    }

    pub fn chain(&self) -> RpcChain {
        RpcChain::from_url(self.rpc_url.clone(), self.commitment)
    }

    pub fn signer(&self) -> anyhow::Result<Keypair> {
        gridmint_ops::read_keypair_file(&self.keypair_path)
    }

    /// Sends `ixs` paid and signed by the `-k` keypair; the signature, or the program error
    /// by name.
    pub async fn send(&self, ixs: &[Instruction]) -> anyhow::Result<String> {
        let signer = self.signer()?;
        let signature =
            self.chain().send_transaction(ixs, &signer, &[]).await.map_err(crate::explain)?;
        Ok(signature.to_string())
    }

    pub async fn staking_config(&self) -> anyhow::Result<ns::Config> {
        self.chain().node_staking_config().await?.account.ok_or_else(|| {
            anyhow::anyhow!("node-staking is not initialised on {}: check -u", self.rpc_url)
        })
    }

    pub async fn rewards_config(&self) -> anyhow::Result<rw::Config> {
        self.chain().rewards_config().await?.account.ok_or_else(|| {
            anyhow::anyhow!("the rewards program is not initialised on {}: check -u", self.rpc_url)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_solana_config_set_writes() {
        let text = "---\njson_rpc_url: \"https://api.devnet.solana.com\"\nwebsocket_url: \"\"\n\
                    keypair_path: /home/op/.config/solana/id.json\naddress_labels:\n  \
                    \"11111111111111111111111111111111\": System Program\ncommitment: finalized\n";
        let c = parse_solana_config(text);
        assert_eq!(c.json_rpc_url.as_deref(), Some("https://api.devnet.solana.com"));
        assert_eq!(c.keypair_path.as_deref(), Some("/home/op/.config/solana/id.json"));
        assert_eq!(c.commitment.as_deref(), Some("finalized"));
    }

    #[test]
    fn flags_win_over_the_file_and_monikers_expand() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.yml");
        std::fs::write(&path, "json_rpc_url: http://10.0.0.1:8899\nkeypair_path: /k.json\n")
            .expect("write");
        let c = Context::resolve(None, None, Some(&path)).expect("resolve");
        assert_eq!(
            (c.rpc_url.as_str(), c.keypair_path.as_path()),
            ("http://10.0.0.1:8899", Path::new("/k.json"))
        );
        let c = Context::resolve(Some("d"), Some(Path::new("/other.json")), Some(&path))
            .expect("resolve");
        assert_eq!(c.rpc_url, "https://api.devnet.solana.com");
        assert_eq!(c.keypair_path, Path::new("/other.json"));
        let missing = Context::resolve(None, None, Some(&dir.path().join("none.yml")));
        assert!(missing
            .expect_err("missing")
            .to_string()
            .starts_with("reading the Solana CLI config"));
    }
}
