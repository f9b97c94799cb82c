//! The oracle set: up to [`MAX_ORACLES`] keys, a strict-majority threshold and a version that
//! every change bumps (votes cast under an older version never count).

use anchor_lang::prelude::*;

use crate::errors::RewardsError;

/// Most oracles a set may hold (one vote slot each in every epoch account).
pub const MAX_ORACLES: usize = 16;

#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub struct OracleSet {
    /// Bumped by every change of keys or threshold; starts at 1.
    pub version: u32,
    /// Votes needed to finalize (`M`): `count / 2 < M <= count`.
    pub threshold: u8,
    /// Number of keys in use (`N`): `keys[..count]`, the rest are zero.
    pub count: u8,
    pub keys: [Pubkey; MAX_ORACLES],
}

impl Default for OracleSet {
    fn default() -> Self {
        Self { version: 0, threshold: 0, count: 0, keys: [Pubkey::default(); MAX_ORACLES] }
    }
}

impl OracleSet {
    /// Checks a proposed set: 1..=16 distinct real keys and a strict-majority threshold.
    pub fn validate_keys(keys: &[Pubkey], threshold: u8) -> Result<()> {
        require!(!keys.is_empty(), RewardsError::NoOracles);
        require!(keys.len() <= MAX_ORACLES, RewardsError::TooManyOracles);
        for (i, key) in keys.iter().enumerate() {
            require_keys_neq!(*key, Pubkey::default(), RewardsError::InvalidOracleKey);
            require!(!keys.iter().take(i).any(|k| k == key), RewardsError::DuplicateOracle);
        }
        let n = keys.len();
        let m = usize::from(threshold);
        require!(m <= n, RewardsError::ThresholdAboveOracleCount);
        // Strict majority: 2M > N.
        require!(m.saturating_mul(2) > n, RewardsError::ThresholdNotMajority);
        Ok(())
    }

    /// The set replacing `self` with `keys` and `threshold`, under the next version.
    pub fn replaced(&self, keys: &[Pubkey], threshold: u8) -> Result<Self> {
        Self::validate_keys(keys, threshold)?;
        let mut next = Self {
            version: self.version.checked_add(1).ok_or(RewardsError::ArithmeticOverflow)?,
            threshold,
            count: u8::try_from(keys.len()).map_err(|_| RewardsError::TooManyOracles)?,
            keys: [Pubkey::default(); MAX_ORACLES],
        };
        for (slot, key) in next.keys.iter_mut().zip(keys) {
            *slot = *key;
        }
        Ok(next)
    }

    /// The keys in use.
    pub fn active(&self) -> &[Pubkey] {
        self.keys.get(..usize::from(self.count)).unwrap_or(&[])
    }

    /// The vote slot of `key`, if it is in the set.
    pub fn slot_of(&self, key: &Pubkey) -> Option<usize> {
        self.active().iter().position(|k| k == key)
    }
}
