//! Which cluster the deploy talks to, and the one key it must never use off the localnet.

use solana_signer::Signer;

use crate::Deployer;

/// Genesis hashes of the public clusters.
pub const PUBLIC_CLUSTERS: [(&str, &str); 3] = [
    ("5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d", "mainnet-beta"),
    ("EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG", "devnet"),
    ("4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zQawwpjk2NsNY", "testnet"),
];

/// A localnet: not a public cluster's genesis, reached on a loopback address. (A private
/// cluster elsewhere is not a localnet either: the test key's secret is public.)
pub fn is_localnet(genesis_hash: &str, rpc_url: &str) -> bool {
    let public = PUBLIC_CLUSTERS.iter().any(|(hash, _)| *hash == genesis_hash);
    let host =
        rpc_url.split("://").nth(1).unwrap_or(rpc_url).split(['/', '?']).next().unwrap_or_default();
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    let loopback =
        host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    !public && loopback
}

/// The cluster's name (or genesis hash); refuses the localnet test admin key off the localnet.
pub async fn check(d: &Deployer) -> anyhow::Result<String> {
    let genesis = d.rpc.get_genesis_hash().await?.to_string();
    let name = PUBLIC_CLUSTERS
        .iter()
        .find(|(hash, _)| *hash == genesis)
        .map_or_else(|| format!("genesis {genesis}"), |(_, name)| (*name).to_string());
    if d.admin.pubkey() == crate::localnet_test_admin()
        && !is_localnet(&genesis, d.rpc.url().as_str())
    {
        anyhow::bail!(
            "refusing the localnet test admin key on {name} ({}): its secret is in the repository. \
             Build the programs with GRIDMINT_DEPLOY_ADMIN=<your key> and deploy with -k <that keypair>",
            d.rpc.url()
        );
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::is_localnet;

    #[test]
    fn only_loopback_non_public_clusters_are_localnets() {
        let local = "11111111111111111111111111111111";
        assert!(is_localnet(local, "http://127.0.0.1:8899"));
        assert!(is_localnet(local, "http://localhost:8899/"));
        assert!(is_localnet(local, "http://[::1]:8899"));
        assert!(!is_localnet(local, "http://10.0.0.7:8899"));
        assert!(!is_localnet(local, "https://rpc.example.org"));
        // A public cluster's genesis is never a localnet, even through a local proxy.
        assert!(!is_localnet(
            "EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG",
            "http://127.0.0.1:8899"
        ));
    }
}
