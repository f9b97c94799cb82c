//! Closing an epoch: crediting (§9, with compute challenges §10.8 when the epoch has a
//! beacon account), the manifest (§5) and the report with its cumulative tree (§4), all by
//! `gridmint_protocol` functions. Pure: the same inputs, challenge evidence, corrections and
//! previous state give the same bytes on every oracle (the opening checker is a memo of
//! `verify_opening`).

use gridmint_protocol::challenge::verdict::{
    credit_epoch_fed_with_challenges, ChallengeEvidence, EpochChallenges, JudgeError, Verifier,
};
use gridmint_protocol::crediting::corrections::Corrections;
use gridmint_protocol::crediting::manifest::{build_manifest, ManifestHeader};
use gridmint_protocol::crediting::{
    credit_epoch_fed, CreditError, EpochCredit, EpochCrediting, EpochInputs,
};
use gridmint_protocol::merkle::CumulativeTree;
use gridmint_protocol::rewards::{CumulativeState, EpochManifest, EpochReport, RewardError};
use gridmint_sdk::{node_staking as ns, rewards as rw};

use super::gather::EpochContext;

/// Everything one close produced.
#[derive(Clone, Debug)]
pub struct Closed {
    /// `None` only for an empty-epoch correction.
    pub credit: Option<EpochCredit>,
    /// Every challenge of the epoch judged (`None`: no beacon account, or an empty epoch).
    pub challenges: Option<EpochChallenges>,
    pub manifest: EpochManifest,
    pub report: EpochReport,
    pub tree: CumulativeTree,
    /// The cumulative state once this epoch is final.
    pub state: CumulativeState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CloseError {
    #[error("crediting refused the inputs: {0:?}")]
    Credit(CreditError),
    #[error("reward computation failed: {0:?}")]
    Reward(RewardError),
    #[error("inputs are required unless the epoch is corrected to empty")]
    NoInputs,
    #[error("judging the epoch's challenges failed: {0:?}")]
    Challenges(JudgeError),
}

/// Where crediting gets the epoch's readings: the inputs' own list, or fed one device key at
/// a time (a store's stream, see [`super::stream`]) while `inputs.readings` stays empty.
pub enum Readings<'f> {
    Listed,
    Fed(Feed<'f>),
}

/// Gives crediting the epoch's readings, key by key.
pub type Feed<'f> = Box<dyn FnOnce(&mut EpochCrediting<'_>) -> Result<(), CreditError> + Send + 'f>;

/// Credits `inputs` with `readings`: with `evidence`, through the challenge verdicts (§10.8,
/// openings checked by `verify`); without, exactly `credit_epoch`.
pub fn credit_with(
    inputs: &EpochInputs,
    readings: Readings<'_>,
    evidence: Option<&ChallengeEvidence>,
    verify: &mut Verifier<'_>,
) -> Result<(EpochCredit, Option<EpochChallenges>), CloseError> {
    let feed = |crediting: &mut EpochCrediting<'_>| match readings {
        Readings::Listed => crediting.add_all(&inputs.readings),
        Readings::Fed(feed) => feed(crediting),
    };
    match evidence {
        None => Ok((credit_epoch_fed(inputs, feed).map_err(CloseError::Credit)?, None)),
        Some(evidence) => {
            let fed = |c: &mut EpochCrediting<'_>| feed(c).map_err(JudgeError::Credit);
            let (credit, judged) = credit_epoch_fed_with_challenges(inputs, evidence, verify, fed)
                .map_err(|e| match e {
                    JudgeError::Credit(c) => CloseError::Credit(c),
                    other => CloseError::Challenges(other),
                })?;
            Ok((credit, Some(judged)))
        }
    }
}

/// The manifest header of `ctx` continuing `previous`.
pub fn header(
    ctx: &EpochContext,
    stake_decimals: u8,
    previous: &CumulativeState,
) -> ManifestHeader {
    ManifestHeader {
        node_staking_program: ns::PROGRAM_ID.to_bytes(),
        rewards_program: rw::PROGRAM_ID.to_bytes(),
        epoch: ctx.epoch,
        epoch_start: ctx.start,
        epoch_end: ctx.end,
        emission: ctx.emission,
        params: ctx.params,
        stake_decimals,
        previous_manifest_hash: previous.last_manifest_hash,
        previous_cumulative_total: previous.cumulative_total,
    }
}

/// Credits `inputs` (skipped for an empty-epoch correction), builds the manifest and
/// applies it to `previous`. An epoch without challenge evidence.
pub fn close(
    ctx: &EpochContext,
    inputs: Option<&EpochInputs>,
    stake_decimals: u8,
    corrections: &Corrections,
    previous: &CumulativeState,
) -> Result<Closed, CloseError> {
    let mut verify = gridmint_protocol::challenge::answer::verify_opening;
    let inputs = inputs.map(|i| (i, Readings::Listed));
    close_with(ctx, inputs, None, &mut verify, stake_decimals, corrections, previous)
}

/// [`close`] with the inputs' readings as `Readings` says, judging the epoch's compute
/// challenges from `evidence` when there is some.
pub fn close_with(
    ctx: &EpochContext,
    inputs: Option<(&EpochInputs, Readings<'_>)>,
    evidence: Option<&ChallengeEvidence>,
    verify: &mut Verifier<'_>,
    stake_decimals: u8,
    corrections: &Corrections,
    previous: &CumulativeState,
) -> Result<Closed, CloseError> {
    let (credit, challenges) = match (corrections.empty_epoch, inputs) {
        (true, _) => (None, None),
        (false, Some((inputs, readings))) => {
            let (credit, judged) = credit_with(inputs, readings, evidence, verify)?;
            (Some(credit), judged)
        }
        (false, None) => return Err(CloseError::NoInputs),
    };
    let manifest =
        build_manifest(&header(ctx, stake_decimals, previous), credit.as_ref(), corrections)
            .map_err(CloseError::Credit)?;
    let mut state = previous.clone();
    let (report, tree) = state.apply(&manifest).map_err(CloseError::Reward)?;
    Ok(Closed { credit, challenges, manifest, report, tree, state })
}

#[cfg(test)]
mod tests {
    use gridmint_protocol::emission::EpochClock;
    use gridmint_protocol::rewards::RewardParams;

    use super::*;

    fn ctx() -> EpochContext {
        EpochContext {
            epoch: 0,
            deployment: [9; 32],
            clock: EpochClock { genesis_time: 1_000, epoch_seconds: 3_600 },
            params: RewardParams {
                compute_pool_bps: 5_000,
                green_bonus_bps: 0,
                work_per_staked_token: 10,
                wh_per_staked_token: 10,
                max_capacity_factor_bps: 10_000,
                max_work_per_wh: 1,
            },
            emission: 1_000,
            start: 1_000,
            end: 4_600,
        }
    }

    fn empty_inputs(c: &EpochContext) -> EpochInputs {
        EpochInputs {
            deployment: c.deployment,
            clock: c.clock,
            epoch: c.epoch,
            params: c.params,
            stake_decimals: 6,
            min_stake: [1, 1, 1],
            nodes: vec![],
            bindings: vec![],
            requesters: vec![],
            readings: vec![],
            receipts: vec![],
        }
    }

    #[test]
    fn an_epoch_without_inputs_finalizes_an_empty_manifest_that_chains() {
        let c = ctx();
        let closed =
            close(&c, Some(&empty_inputs(&c)), 6, &Corrections::default(), &Default::default())
                .expect("close");
        assert!(closed.manifest.nodes.is_empty());
        assert_eq!(closed.report.cumulative_total, 0);
        assert_eq!(closed.report.recipient_count, 0);
        assert_eq!(closed.state.last_manifest_hash, closed.manifest.hash());
        assert_eq!(closed.report.manifest_hash, closed.manifest.hash());
        // The next epoch names this one as its predecessor.
        let next = EpochContext { epoch: 1, start: 4_600, end: 8_200, ..c };
        let h = header(&next, 6, &closed.state);
        assert_eq!(h.previous_manifest_hash, closed.manifest.hash());
    }

    #[test]
    fn inputs_are_required_unless_the_epoch_is_corrected_to_empty() {
        let c = ctx();
        let err = close(&c, None, 6, &Corrections::default(), &Default::default())
            .expect_err("no inputs");
        assert_eq!(err, CloseError::NoInputs);
        let empty = Corrections { hash: [7; 32], empty_epoch: true, ..Corrections::default() };
        let closed = close(&c, None, 6, &empty, &Default::default()).expect("empty epoch");
        assert_eq!(closed.manifest.corrections_hash, [7; 32]);
        assert!(closed.credit.is_none());
    }

    #[test]
    fn a_bad_clock_is_refused_by_name() {
        let mut c = ctx();
        let mut inputs = empty_inputs(&c);
        inputs.clock.epoch_seconds = 0;
        c.clock.epoch_seconds = 0;
        let err = close(&c, Some(&inputs), 6, &Corrections::default(), &Default::default())
            .expect_err("bad clock");
        assert_eq!(err, CloseError::Credit(CreditError::EpochLengthOutOfRange));
    }
}
