//! Gauges the loop refreshes every tick: how far behind this oracle is, the balance of its
//! vote key and the unbonding period the backlog alert compares against (README: metrics).

use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountDeserialize;
use gridmint_sdk::node_staking as ns;
use gridmint_sdk::rewards as rw;
use solana_signer::Signer;

use super::Oracle;

/// Ended epochs (`0..current`) minus those whose finalized state the ledger holds (`0..next`
/// when it holds `next - 1`, else one fewer).
pub(super) fn epochs_behind(current: Option<u64>, next_epoch: u64, holds_last: bool) -> u64 {
    let held = if holds_last { next_epoch } else { next_epoch.saturating_sub(1) };
    current.unwrap_or(0).saturating_sub(held)
}

impl Oracle {
    /// Sets the per-tick gauges; a failed read only leaves the old values (RPC errors are
    /// counted by the chain client).
    pub(super) async fn observe(&self, config: &rw::Config, now: i64, holds_last: bool) {
        let metrics = &self.ingest.metrics;
        let current = config.clock().epoch_at(now).ok().flatten();
        metrics.epochs_behind(epochs_behind(current, config.next_epoch, holds_last));

        let staking = Pubkey::new_from_array(self.engine.deployment);
        let key = self.voter.as_ref().map(|v| v.keypair.pubkey());
        let addresses: Vec<Pubkey> = std::iter::once(staking).chain(key).collect();
        let Ok(read) = self.engine.chain.read_accounts(&addresses, None).await else { return };
        let mut accounts = read.value.into_iter();
        let unbonding = accounts
            .next()
            .flatten()
            .filter(|a| a.owner == ns::PROGRAM_ID)
            .and_then(|a| ns::Config::try_deserialize(&mut a.data.as_slice()).ok())
            .map(|c| c.unbonding_seconds);
        if let Some(seconds) = unbonding {
            metrics.unbonding_seconds(seconds);
        }
        if let Some(key) = key {
            let lamports = accounts.next().flatten().map_or(0, |a| a.lamports);
            metrics.balance(&key.to_string(), lamports);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::epochs_behind;

    #[test]
    fn behind_counts_ended_epochs_the_ledger_lacks() {
        // Before genesis and during epoch 0 nothing has ended.
        assert_eq!(epochs_behind(None, 0, true), 0);
        assert_eq!(epochs_behind(Some(0), 0, true), 0);
        // During epoch 1, epoch 0 ended and is not finalized yet: one behind.
        assert_eq!(epochs_behind(Some(1), 0, true), 1);
        // Epoch 0 finalized and held: caught up.
        assert_eq!(epochs_behind(Some(1), 1, true), 0);
        // Finalized on chain but missing from the ledger: still one behind.
        assert_eq!(epochs_behind(Some(1), 1, false), 1);
        // Ten epochs ended, the chain finalized three.
        assert_eq!(epochs_behind(Some(10), 3, true), 7);
    }
}
