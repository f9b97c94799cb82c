//! One node's counted amounts, weights and shares (PROTOCOL.md §3), with everything that is
//! fixed for the epoch (parameters, the stake token's size, the pools) computed once.

use crate::deployment::BPS_DENOMINATOR;

use super::{mul_div_floor, NodeEpochInput, NodeReward, RewardError, RewardParams};

const BPS: u128 = BPS_DENOMINATOR as u128;

/// The per-node rules of one epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Formula {
    params: RewardParams,
    /// One whole staked token in base units: `10^stake_decimals`.
    token: u128,
}

/// One node's counted amounts and pool weights.
pub(super) struct Weights {
    pub credit: u128,
    pub green: u128,
    pub energy: u128,
    pub compute_weight: u128,
    pub energy_weight: u128,
}

impl Formula {
    pub fn new(params: &RewardParams, stake_decimals: u8) -> Result<Self, RewardError> {
        params.validate()?;
        if stake_decimals > super::MAX_STAKE_DECIMALS {
            return Err(RewardError::StakeDecimalsTooLarge);
        }
        let token = 10u128.checked_pow(u32::from(stake_decimals)).ok_or(RewardError::Overflow)?;
        Ok(Self { params: *params, token })
    }

    /// `(compute pool, energy pool)` of an emission: the compute share rounded down, the
    /// energy pool the rest.
    pub fn pools(&self, emission: u64) -> Result<(u64, u64), RewardError> {
        let compute = u128::from(emission)
            .checked_mul(u128::from(self.params.compute_pool_bps))
            .and_then(|v| v.checked_div(BPS))
            .ok_or(RewardError::Overflow)?;
        let compute = u64::try_from(compute).map_err(|_| RewardError::Overflow)?;
        Ok((compute, emission.checked_sub(compute).ok_or(RewardError::Overflow)?))
    }

    fn stake_cap(&self, stake: u64, per_token: u64) -> Result<u128, RewardError> {
        u128::from(stake)
            .checked_mul(u128::from(per_token))
            .and_then(|v| v.checked_div(self.token))
            .ok_or(RewardError::Overflow)
    }

    pub fn weigh(&self, node: &NodeEpochInput) -> Result<Weights, RewardError> {
        let p = &self.params;
        let credit =
            u128::from(node.work_units).min(self.stake_cap(node.stake, p.work_per_staked_token)?);
        let energy =
            u128::from(node.energy_wh).min(self.stake_cap(node.stake, p.wh_per_staked_token)?);
        // matched × max_work_per_wh < 2¹²⁸; the weights below stay under 2⁸⁰ per node.
        let green = u128::from(node.matched_wh)
            .checked_mul(u128::from(p.max_work_per_wh))
            .ok_or(RewardError::Overflow)?
            .min(credit);
        let compute_weight = credit
            .checked_mul(BPS)
            .zip(green.checked_mul(u128::from(p.green_bonus_bps)))
            .and_then(|(a, b)| a.checked_add(b))
            .ok_or(RewardError::Overflow)?;
        let energy_weight = energy.checked_mul(BPS).ok_or(RewardError::Overflow)?;
        Ok(Weights { credit, green, energy, compute_weight, energy_weight })
    }
}

/// The epoch's pools and the sums of all weights: with a [`Formula`], each node's reward.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Shares {
    pub formula: Formula,
    pub compute_pool: u64,
    pub energy_pool: u64,
    pub compute_weight_total: u128,
    pub energy_weight_total: u128,
}

impl Shares {
    pub fn node_reward(&self, node: &NodeEpochInput) -> Result<NodeReward, RewardError> {
        let w = self.formula.weigh(node)?;
        let to_u64 = |v: u128| u64::try_from(v).map_err(|_| RewardError::Overflow);
        Ok(NodeReward {
            creditable_work: to_u64(w.credit)?,
            green_work: to_u64(w.green)?,
            creditable_energy: to_u64(w.energy)?,
            compute_reward: share(self.compute_pool, w.compute_weight, self.compute_weight_total)?,
            energy_reward: share(self.energy_pool, w.energy_weight, self.energy_weight_total)?,
        })
    }
}

/// `⌊pool × part / whole⌋`, 0 for an empty pool.
fn share(pool: u64, part: u128, whole: u128) -> Result<u64, RewardError> {
    if whole == 0 {
        return Ok(0);
    }
    let value = mul_div_floor(u128::from(pool), part, whole).ok_or(RewardError::Overflow)?;
    u64::try_from(value).map_err(|_| RewardError::Overflow)
}
