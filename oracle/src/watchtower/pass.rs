//! One watchtower pass: page through new readings, judge each device key against the chain,
//! report the first unreported provable pair.

use std::collections::{BTreeMap, BTreeSet};

use anchor_lang::prelude::Pubkey;
use gridmint_protocol::crediting::SignedReading as StoredReading;
use gridmint_sdk::chain::{Account, ChainError, ChainExt, MAX_READ_ACCOUNTS};
use gridmint_sdk::errors::ErrorSource;
use gridmint_sdk::fraud::{self as fraud_sdk, FraudTokens};
use gridmint_sdk::node_staking::{self as ns, DeviceBinding, Node};
use solana_signer::Signer;

use super::detect::{self, proof_cmp, Proof, Subject};
use super::{
    Failure, PassSummary, Report, WatchError, Watchtower, CURSOR_OVERLAP_SECONDS, PAGE_READINGS,
};
use crate::store::watch::ScannedReading;

/// Sequence numbers on each side of a new reading that it is compared with: a day of
/// readings at one a minute, so the capacity rule sees long spans.
pub const SEQUENCE_WINDOW: u64 = 1_440;
/// Widest spread of new sequence numbers of one key examined together (bounds one query).
pub const MAX_CLUSTER_SPREAD: u64 = 8 * SEQUENCE_WINDOW;

/// The program's errors that mean someone else reported first.
const LOST_RACE_ERRORS: [&str; 2] = ["EvidenceAlreadyUsed", "NodeJailed"];

/// What happened to one device key in a pass.
enum Outcome {
    Honest,
    Reported(Report),
    LostRace,
    Jailed,
    AlreadyReported,
    Unbound,
    Failed(Failure),
}

/// What every report of a pass shares.
struct PassContext {
    deployment: Pubkey,
    tokens: FraudTokens,
}

/// What a pass learned so far.
#[derive(Default)]
struct PassState {
    /// The verdict per device key (an honest one may still change on a later page).
    outcomes: BTreeMap<[u8; 32], Outcome>,
    /// Nodes this pass jailed: a rotated-out key of the same node has nothing left to report.
    jailed: BTreeSet<u64>,
}

impl Watchtower {
    /// One pass over the readings received since the cursor (see the module docs).
    pub async fn run_once(&self) -> Result<PassSummary, WatchError> {
        let from = self.store.watch_cursor().await?;
        let deployment = ns::config_address();
        let config = self
            .chain
            .node_staking_config()
            .await?
            .account
            .ok_or(WatchError::NoConfig(deployment))?;
        let ctx = PassContext {
            deployment,
            // Read every pass: the treasury can change (`set_params`).
            tokens: FraudTokens {
                stake_mint: config.stake_mint,
                token_program: config.stake_token_program,
                treasury: config.treasury,
                reporter_token: self.reporter_token,
            },
        };
        let mut state = PassState::default();
        let (mut after, mut latest, mut readings) = (None, None, 0);
        loop {
            let page = self.store.readings_received_since(from, after, PAGE_READINGS).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.position());
            latest = Some(last.received_at); // pages come in receive-time order
            readings += page.len();
            self.check_page(&page, &ctx, &mut state).await?;
            if page.len() < PAGE_READINGS {
                break;
            }
        }
        let summary = summarize(readings, state.outcomes);
        if let (Some(latest), true) = (latest, summary.failed.is_empty()) {
            let next = latest.saturating_sub(CURSOR_OVERLAP_SECONDS).max(from);
            if next != from {
                self.store.set_watch_cursor(next).await?;
            }
        }
        Ok(summary)
    }

    /// Judges every key of `page` that has no verdict yet other than honest.
    async fn check_page(
        &self,
        page: &[ScannedReading],
        ctx: &PassContext,
        state: &mut PassState,
    ) -> Result<(), WatchError> {
        let mut new: BTreeMap<[u8; 32], Vec<u64>> = BTreeMap::new();
        for r in page {
            if state.outcomes.get(&r.signed.device_key).is_none_or(|o| matches!(o, Outcome::Honest))
            {
                new.entry(r.signed.device_key).or_default().push(r.sequence);
            }
        }
        let new: Vec<([u8; 32], Vec<u64>)> = new.into_iter().collect();
        for chunk in new.chunks(MAX_READ_ACCOUNTS) {
            let keys: Vec<Pubkey> = chunk.iter().map(|(k, _)| Pubkey::new_from_array(*k)).collect();
            let bindings = self.chain.device_bindings(&keys).await?;
            let node_addresses: Vec<Pubkey> =
                bindings.iter().filter_map(|b| b.account.as_ref().map(|b| b.node)).collect();
            let mut nodes = self
                .chain
                .fetch_all::<Node>(&node_addresses, ns::PROGRAM_ID, "node")
                .await?
                .into_iter();
            for ((key, sequences), binding) in chunk.iter().zip(bindings) {
                let outcome = match binding.account {
                    None => Outcome::Unbound,
                    // A closed node has no account left.
                    Some(binding) => match nodes.next().and_then(|n| n.account) {
                        None => Outcome::Unbound,
                        Some(_) if state.jailed.contains(&binding.node_id) => Outcome::Jailed,
                        Some(node) => self.check_key(key, sequences, binding, node, ctx).await?,
                    },
                };
                if let Outcome::Reported(r) = &outcome {
                    state.jailed.insert(r.node_id);
                }
                state.outcomes.insert(*key, outcome);
            }
        }
        Ok(())
    }

    /// The verdict on one key whose new readings have `sequences`.
    async fn check_key(
        &self,
        key: &[u8; 32],
        sequences: &[u64],
        binding: DeviceBinding,
        node: Node,
        ctx: &PassContext,
    ) -> Result<Outcome, WatchError> {
        if node.jailed {
            return Ok(Outcome::Jailed);
        }
        let node_id = binding.node_id;
        let subject = Subject {
            deployment: ctx.deployment.to_bytes(),
            binding,
            unjailed_at: node.unjailed_at,
        };
        // The program's own capacity lookup on the node account it will read.
        let capacity = |from, to| node.max_capacity_in_force(from, to).energy_wp;
        let mut proofs = Vec::new();
        for (lo, hi) in clusters(sequences) {
            let readings = self.neighbourhood(key, lo, hi).await?;
            proofs.extend(detect::provable_pairs(&readings, &subject, capacity));
        }
        proofs.sort_by(proof_cmp);
        proofs.dedup_by(|later, earlier| proof_cmp(later, earlier).is_eq());
        if proofs.is_empty() {
            return Ok(Outcome::Honest);
        }
        match self.first_unreported(&proofs, ctx).await? {
            Some(proof) => self.report(proof, node_id, ctx).await,
            None => Ok(Outcome::AlreadyReported),
        }
    }

    /// The key's readings with sequence numbers in `[lo, hi]`, plus those at the nearest
    /// stored sequence numbers outside it (a gap in the sequence hides no neighbour).
    async fn neighbourhood(
        &self,
        key: &[u8; 32],
        lo: u64,
        hi: u64,
    ) -> Result<Vec<StoredReading>, WatchError> {
        let mut readings = self.store.key_readings_in_sequence_range(key, lo, hi).await?;
        let below = self.store.key_sequence_below(key, lo).await?;
        let above = self.store.key_sequence_above(key, hi).await?;
        for sequence in below.into_iter().chain(above) {
            readings
                .extend(self.store.key_readings_in_sequence_range(key, sequence, sequence).await?);
        }
        Ok(readings)
    }

    /// The first of `proofs` whose evidence record does not exist yet.
    async fn first_unreported<'a>(
        &self,
        proofs: &'a [Proof],
        ctx: &PassContext,
    ) -> Result<Option<&'a Proof>, WatchError> {
        for chunk in proofs.chunks(MAX_READ_ACCOUNTS) {
            let addresses: Vec<Pubkey> = chunk
                .iter()
                .map(|p| fraud_sdk::evidence_pda(&ctx.deployment, &p.evidence_hash()).0)
                .collect();
            let read = self.chain.read_many(&addresses, None).await?;
            if let Some((proof, _)) =
                chunk.iter().zip(read).find(|(_, f)| !evidence_recorded(f.account.as_ref()))
            {
                return Ok(Some(proof));
            }
        }
        Ok(None)
    }

    /// Sends `report_fraud` for `proof`; a lost race is an outcome, not an error.
    async fn report(
        &self,
        proof: &Proof,
        node_id: u64,
        ctx: &PassContext,
    ) -> Result<Outcome, WatchError> {
        let ixs = fraud_sdk::report_fraud_transaction(
            &self.keypair.pubkey(),
            node_id,
            &ctx.tokens,
            &proof.first,
            &proof.second,
        );
        let device_key = proof.first.device_key;
        let evidence = fraud_sdk::evidence_pda(&ctx.deployment, &proof.evidence_hash()).0;
        let kind = proof.kind;
        match self.chain.send_transaction(&ixs, &self.keypair, &[]).await {
            Ok(signature) => {
                tracing::info!(%device_key, node_id, ?kind, %evidence, %signature, "reported fraud");
                Ok(Outcome::Reported(Report { device_key, node_id, kind, evidence, signature }))
            }
            Err(e @ ChainError::Transaction { .. }) => {
                let program_error = e.program_error().map(|p| p.name.clone());
                let ours = e.program_error().is_some_and(|p| p.source == ErrorSource::NodeStaking);
                if ours && program_error.as_deref().is_some_and(|n| LOST_RACE_ERRORS.contains(&n)) {
                    tracing::info!(%device_key, node_id, error = ?program_error, "lost the race: already reported");
                    return Ok(Outcome::LostRace);
                }
                tracing::error!(%device_key, node_id, ?kind, error = %e, "fraud report refused");
                Ok(Outcome::Failed(Failure {
                    device_key,
                    node_id,
                    program_error,
                    error: e.to_string(),
                }))
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Whether an evidence record exists at its address, by the program's own test (a
/// program-owned account with data; lamports sent to the address do not count).
fn evidence_recorded(account: Option<&Account>) -> bool {
    account.is_some_and(|a| a.owner == ns::PROGRAM_ID && !a.data.is_empty())
}

/// Sequence ranges to examine for new readings at `sequences`: each widened by
/// [`SEQUENCE_WINDOW`] on both sides, overlapping ones merged unless the merged new numbers
/// would spread wider than [`MAX_CLUSTER_SPREAD`].
pub fn clusters(sequences: &[u64]) -> Vec<(u64, u64)> {
    let mut sorted = sequences.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out: Vec<(u64, u64)> = Vec::new();
    let mut first_of_last = 0; // first new sequence number of the last cluster
    for s in sorted {
        let (lo, hi) = (s.saturating_sub(SEQUENCE_WINDOW), s.saturating_add(SEQUENCE_WINDOW));
        match out.last_mut() {
            Some(last)
                if lo <= last.1.saturating_add(1)
                    && s.saturating_sub(first_of_last) <= MAX_CLUSTER_SPREAD =>
            {
                last.1 = hi;
            }
            _ => {
                out.push((lo, hi));
                first_of_last = s;
            }
        }
    }
    out
}

fn summarize(readings: usize, outcomes: BTreeMap<[u8; 32], Outcome>) -> PassSummary {
    let mut s = PassSummary {
        readings_scanned: readings,
        keys_scanned: outcomes.len(),
        ..PassSummary::default()
    };
    for outcome in outcomes.into_values() {
        match outcome {
            Outcome::Honest => s.honest += 1,
            Outcome::Reported(r) => s.reported.push(r),
            Outcome::LostRace => s.lost_races += 1,
            Outcome::Jailed => s.skipped_jailed += 1,
            Outcome::AlreadyReported => s.skipped_already_reported += 1,
            Outcome::Unbound => s.skipped_unbound += 1,
            Outcome::Failed(f) => s.failed.push(f),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: u64 = SEQUENCE_WINDOW;

    #[test]
    fn clusters_widen_merge_and_split() {
        assert_eq!(clusters(&[]), vec![]);
        assert_eq!(clusters(&[5_000, 5_001, 5_000]), vec![(5_000 - W, 5_001 + W)]);
        // Windows that do not touch stay apart.
        assert_eq!(clusters(&[W, 4 * W]), vec![(0, 2 * W), (3 * W, 5 * W)]);
        // Touching windows merge.
        assert_eq!(clusters(&[W, 3 * W + 1]), vec![(0, 4 * W + 1)]);
        // At the ends of u64 the windows saturate.
        assert_eq!(clusters(&[0, u64::MAX]), vec![(0, W), (u64::MAX - W, u64::MAX)]);
        // A dense run wider than the spread limit is cut into several ranges.
        let run: Vec<u64> = (0..=MAX_CLUSTER_SPREAD + 1).collect();
        let ranges = clusters(&run);
        assert_eq!(
            ranges,
            vec![
                (0, MAX_CLUSTER_SPREAD + W),
                (MAX_CLUSTER_SPREAD + 1 - W, MAX_CLUSTER_SPREAD + 1 + W)
            ]
        );
    }

    #[test]
    fn only_program_owned_records_with_data_count_as_evidence() {
        let account = |owner, data: Vec<u8>| Account {
            lamports: 1,
            data,
            owner,
            executable: false,
            rent_epoch: 0,
        };
        assert!(evidence_recorded(Some(&account(ns::PROGRAM_ID, vec![1]))));
        assert!(!evidence_recorded(Some(&account(ns::PROGRAM_ID, vec![]))));
        assert!(!evidence_recorded(Some(&account(Pubkey::default(), vec![1]))));
        assert!(!evidence_recorded(None));
    }
}
