//! Manifest v2 from a crediting result (PROTOCOL.md §5, §9.6–§9.8).

use crate::crediting::corrections::Corrections;
use crate::crediting::{CreditError, EpochCredit};
use crate::merkle::{Hash32, EMPTY_ROOT};
use crate::rewards::{EpochManifest, NodeEpochInput, RewardParams, MANIFEST_VERSION};

/// The manifest fields that do not come from crediting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ManifestHeader {
    pub node_staking_program: [u8; 32],
    pub rewards_program: [u8; 32],
    pub epoch: u64,
    pub epoch_start: i64,
    pub epoch_end: i64,
    /// `E(e)` (§2.2).
    pub emission: u64,
    /// `params_for(e)`.
    pub params: RewardParams,
    pub stake_decimals: u8,
    pub previous_manifest_hash: Hash32,
    pub previous_cumulative_total: u64,
}

/// The manifest of one epoch. Lists every node that [`crate::crediting::credit_epoch`]
/// found eligible and `corrections` does not exclude; with an empty-epoch correction, no
/// node and `inputs_root` zero, and `credit` is not needed (the oracles may lack the views).
pub fn build_manifest(
    header: &ManifestHeader,
    credit: Option<&EpochCredit>,
    corrections: &Corrections,
) -> Result<EpochManifest, CreditError> {
    let mut manifest = EpochManifest {
        version: MANIFEST_VERSION,
        node_staking_program: header.node_staking_program,
        rewards_program: header.rewards_program,
        epoch: header.epoch,
        epoch_start: header.epoch_start,
        epoch_end: header.epoch_end,
        emission: header.emission,
        params: header.params,
        stake_decimals: header.stake_decimals,
        inputs_root: EMPTY_ROOT,
        corrections_hash: corrections.hash,
        previous_manifest_hash: header.previous_manifest_hash,
        previous_cumulative_total: header.previous_cumulative_total,
        nodes: Vec::new(),
    };
    if corrections.empty_epoch {
        return Ok(manifest);
    }
    let credit = credit.ok_or(CreditError::HeaderMismatch)?;
    if (credit.epoch, credit.epoch_start, credit.epoch_end, credit.params, credit.stake_decimals)
        != (
            header.epoch,
            header.epoch_start,
            header.epoch_end,
            header.params,
            header.stake_decimals,
        )
    {
        return Err(CreditError::HeaderMismatch);
    }
    manifest.inputs_root = credit.inputs_root;
    manifest.nodes = credit
        .nodes
        .iter()
        .filter(|n| n.not_listed.is_none() && corrections.excludes(&n.node).is_none())
        .map(|n| NodeEpochInput {
            node: n.node,
            recipient: n.recipient,
            stake: n.stake,
            work_units: n.work.credited_units,
            energy_wh: n.energy.credited_wh,
            consumed_wh: n.green.consumed_wh,
            matched_wh: n.green.matched_wh,
            challenges_issued: n.challenges.issued,
            challenges_passed: n.challenges.passed,
            challenges_void: n.challenges.void,
        })
        .collect();
    Ok(manifest)
}
