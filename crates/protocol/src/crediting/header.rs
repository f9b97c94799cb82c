//! What a verifier checks in a manifest's header before applying it (PROTOCOL.md §5,
//! "Recomputing every root"): the manifest must describe the next epoch with the clock,
//! emission, parameters, programs and decimals the verifier derived itself.

use crate::emission::{EmissionError, EpochClock};
use crate::merkle::CumulativeTree;
use crate::rewards::{CumulativeState, EpochManifest, EpochReport, RewardError, RewardParams};

/// The header fields a verifier derives from chain data for the manifest it applies next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpectedHeader {
    /// The epoch of the last applied manifest; `None` before the first (epoch 0).
    pub previous_epoch: Option<u64>,
    /// `G`, `L` of the rewards config.
    pub clock: EpochClock,
    /// `E(e)` (§2.2) of the next epoch.
    pub emission: u64,
    /// `params_for(e).reward_formula` of the next epoch.
    pub params: RewardParams,
    pub node_staking_program: [u8; 32],
    pub rewards_program: [u8; 32],
    /// Decimals of the stake mint.
    pub stake_decimals: u8,
}

/// The first header field that differs from what the verifier expects, checked in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// `epoch` is not `previous + 1` (0 for the first manifest).
    EpochNotNext {
        expected: u64,
        got: u64,
    },
    /// The clock cannot place the expected epoch.
    Clock(EmissionError),
    /// `epoch_start ≠ G + e·L`.
    EpochStartMismatch,
    /// `epoch_end ≠ G + (e+1)·L`.
    EpochEndMismatch,
    /// `emission ≠ E(e)`.
    EmissionMismatch,
    /// `params ≠ params_for(e).reward_formula`.
    ParamsMismatch,
    NodeStakingProgramMismatch,
    RewardsProgramMismatch,
    StakeDecimalsMismatch,
}

/// Why [`CumulativeState::apply_checked`] refused a manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManifestError {
    Header(HeaderError),
    Reward(RewardError),
}

impl EpochManifest {
    /// Checks every header field a verifier can derive itself; the first mismatch is returned.
    pub fn check_header(&self, expected: &ExpectedHeader) -> Result<(), HeaderError> {
        let epoch = match expected.previous_epoch {
            None => 0,
            Some(p) => p.checked_add(1).ok_or(HeaderError::Clock(EmissionError::TimeOverflow))?,
        };
        if self.epoch != epoch {
            return Err(HeaderError::EpochNotNext { expected: epoch, got: self.epoch });
        }
        let start = expected.clock.start(epoch).map_err(HeaderError::Clock)?;
        let end = expected.clock.end(epoch).map_err(HeaderError::Clock)?;
        if self.epoch_start != start {
            return Err(HeaderError::EpochStartMismatch);
        }
        if self.epoch_end != end {
            return Err(HeaderError::EpochEndMismatch);
        }
        if self.emission != expected.emission {
            return Err(HeaderError::EmissionMismatch);
        }
        if self.params != expected.params {
            return Err(HeaderError::ParamsMismatch);
        }
        if self.node_staking_program != expected.node_staking_program {
            return Err(HeaderError::NodeStakingProgramMismatch);
        }
        if self.rewards_program != expected.rewards_program {
            return Err(HeaderError::RewardsProgramMismatch);
        }
        if self.stake_decimals != expected.stake_decimals {
            return Err(HeaderError::StakeDecimalsMismatch);
        }
        Ok(())
    }
}

impl CumulativeState {
    /// [`EpochManifest::check_header`], then [`CumulativeState::apply`]: what a verifier
    /// replaying the final manifests runs for each of them.
    pub fn apply_checked(
        &mut self,
        manifest: &EpochManifest,
        expected: &ExpectedHeader,
    ) -> Result<(EpochReport, CumulativeTree), ManifestError> {
        manifest.check_header(expected).map_err(ManifestError::Header)?;
        self.apply(manifest).map_err(ManifestError::Reward)
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)] // test arithmetic on small known values
mod tests {
    use super::*;
    use crate::merkle::EMPTY_ROOT;
    use crate::rewards::MANIFEST_VERSION;

    const CLOCK: EpochClock = EpochClock { genesis_time: 1_000, epoch_seconds: 3_600 };

    fn params() -> RewardParams {
        RewardParams {
            compute_pool_bps: 6_000,
            green_bonus_bps: 5_000,
            work_per_staked_token: 10,
            wh_per_staked_token: 100,
            max_capacity_factor_bps: 10_000,
            max_work_per_wh: 2,
        }
    }

    fn expected(previous_epoch: Option<u64>) -> ExpectedHeader {
        ExpectedHeader {
            previous_epoch,
            clock: CLOCK,
            emission: 500,
            params: params(),
            node_staking_program: [0xA1; 32],
            rewards_program: [0xA2; 32],
            stake_decimals: 6,
        }
    }

    fn manifest(epoch: u64) -> EpochManifest {
        let start = 1_000 + 3_600 * i64::try_from(epoch).unwrap_or(0);
        EpochManifest {
            version: MANIFEST_VERSION,
            node_staking_program: [0xA1; 32],
            rewards_program: [0xA2; 32],
            epoch,
            epoch_start: start,
            epoch_end: start.saturating_add(3_600),
            emission: 500,
            params: params(),
            stake_decimals: 6,
            inputs_root: EMPTY_ROOT,
            corrections_hash: EMPTY_ROOT,
            previous_manifest_hash: EMPTY_ROOT,
            previous_cumulative_total: 0,
            nodes: Vec::new(),
        }
    }

    #[test]
    fn each_header_mismatch_has_its_error() {
        assert_eq!(manifest(0).check_header(&expected(None)), Ok(()));
        assert_eq!(manifest(5).check_header(&expected(Some(4))), Ok(()));
        let cases: Vec<(EpochManifest, ExpectedHeader, HeaderError)> = vec![
            (manifest(1), expected(None), HeaderError::EpochNotNext { expected: 0, got: 1 }),
            (manifest(4), expected(Some(4)), HeaderError::EpochNotNext { expected: 5, got: 4 }),
            (
                EpochManifest { epoch_start: 1_001, ..manifest(0) },
                expected(None),
                HeaderError::EpochStartMismatch,
            ),
            (
                EpochManifest { epoch_end: 4_601, ..manifest(0) },
                expected(None),
                HeaderError::EpochEndMismatch,
            ),
            (
                EpochManifest { emission: 501, ..manifest(0) },
                expected(None),
                HeaderError::EmissionMismatch,
            ),
            (
                EpochManifest {
                    params: RewardParams { max_work_per_wh: 3, ..params() },
                    ..manifest(0)
                },
                expected(None),
                HeaderError::ParamsMismatch,
            ),
            (
                EpochManifest { node_staking_program: [0; 32], ..manifest(0) },
                expected(None),
                HeaderError::NodeStakingProgramMismatch,
            ),
            (
                EpochManifest { rewards_program: [0; 32], ..manifest(0) },
                expected(None),
                HeaderError::RewardsProgramMismatch,
            ),
            (
                EpochManifest { stake_decimals: 9, ..manifest(0) },
                expected(None),
                HeaderError::StakeDecimalsMismatch,
            ),
            (
                manifest(0),
                ExpectedHeader {
                    clock: EpochClock { epoch_seconds: 0, ..CLOCK },
                    ..expected(None)
                },
                HeaderError::Clock(EmissionError::ZeroEpochLength),
            ),
            (
                manifest(0),
                expected(Some(u64::MAX)),
                HeaderError::Clock(EmissionError::TimeOverflow),
            ),
        ];
        for (m, e, err) in cases {
            assert_eq!(m.check_header(&e), Err(err));
            let mut state = CumulativeState::default();
            assert_eq!(state.apply_checked(&m, &e), Err(ManifestError::Header(err)));
            assert_eq!(state, CumulativeState::default(), "a refused manifest changes nothing");
        }
    }

    #[test]
    fn apply_checked_chains_epochs() {
        let mut state = CumulativeState::default();
        let (report, _) = state.apply_checked(&manifest(0), &expected(None)).unwrap();
        assert_eq!(report.epoch, 0);
        let next = EpochManifest { previous_manifest_hash: report.manifest_hash, ..manifest(1) };
        assert!(state.apply_checked(&next, &expected(Some(0))).is_ok());
        // The previous-state check still runs after the header check.
        assert_eq!(
            state.apply_checked(&manifest(2), &expected(Some(1))),
            Err(ManifestError::Reward(RewardError::PreviousStateMismatch))
        );
    }
}
