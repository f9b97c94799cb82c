//! Registered compute-work requesters: only work receipts of a requester that counts in an
//! epoch earn compute rewards for that epoch.

use anchor_lang::prelude::*;

use crate::errors::NodeStakingError;

/// Length of a requester's label (UTF-8, zero-padded; informational only).
pub const REQUESTER_LABEL_LEN: usize = 32;

/// One per requester key, PDA `[REQUESTER, config, key]`, registered and retired by the config
/// authority and never closed (so a key's history cannot be rewritten by re-registering it).
#[account]
#[derive(InitSpace, Debug, PartialEq, Eq)]
pub struct Requester {
    pub config: Pubkey,
    /// The key that signs work receipts as requester.
    pub key: Pubkey,
    pub label: [u8; REQUESTER_LABEL_LEN],
    /// The first epoch the requester counts in.
    pub first_epoch: u64,
    /// The first epoch it no longer counts in; [`Requester::ACTIVE`] while not retired.
    pub retired_epoch: u64,
    pub registered_at: i64,
    pub bump: u8,
    /// Room for future fields; zero.
    pub reserved: [u8; 32],
}

impl Requester {
    /// `retired_epoch` of a requester that has not been retired.
    pub const ACTIVE: u64 = u64::MAX;

    /// Does work requested by this key count in `epoch`? (`first_epoch <= epoch <
    /// retired_epoch`.)
    pub fn counts_in(&self, epoch: u64) -> bool {
        self.first_epoch <= epoch && epoch < self.retired_epoch
    }

    /// True once `retire` has run.
    pub fn is_retired(&self) -> bool {
        self.retired_epoch != Self::ACTIVE
    }

    /// Sets the retirement epoch: once, never retroactive (`>= earliest`, the next epoch),
    /// never before `first_epoch` and never `ACTIVE` itself.
    pub fn retire(&mut self, retired_epoch: u64, earliest: u64) -> Result<()> {
        require!(!self.is_retired(), NodeStakingError::RequesterAlreadyRetired);
        require!(retired_epoch >= earliest, NodeStakingError::RequesterEpochInPast);
        require!(
            retired_epoch >= self.first_epoch && retired_epoch != Self::ACTIVE,
            NodeStakingError::InvalidRetiredEpoch
        );
        self.retired_epoch = retired_epoch;
        Ok(())
    }
}

/// A registration's first epoch must not be in the past: `>= earliest`, the next epoch.
pub fn check_first_epoch(first_epoch: u64, earliest: u64) -> Result<()> {
    require!(first_epoch >= earliest, NodeStakingError::RequesterEpochInPast);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requester(first_epoch: u64) -> Requester {
        Requester {
            config: Pubkey::new_unique(),
            key: Pubkey::new_unique(),
            label: [0; REQUESTER_LABEL_LEN],
            first_epoch,
            retired_epoch: Requester::ACTIVE,
            registered_at: 0,
            bump: 255,
            reserved: [0; 32],
        }
    }

    fn code(r: Result<()>) -> u32 {
        match r {
            Err(anchor_lang::error::Error::AnchorError(e)) => e.error_code_number,
            other => panic!("expected an anchor error, got {other:?}"),
        }
    }

    #[test]
    fn counts_from_first_until_retired() {
        let mut r = requester(3);
        assert!(!r.counts_in(2));
        assert!(r.counts_in(3));
        assert!(r.counts_in(u64::MAX - 1));
        r.retire(5, 4).unwrap();
        assert!(r.counts_in(4));
        assert!(!r.counts_in(5));
    }

    #[test]
    fn retiring_at_first_epoch_means_it_never_counted() {
        let mut r = requester(3);
        r.retire(3, 2).unwrap();
        assert!((0..10).all(|e| !r.counts_in(e)));
    }

    #[test]
    fn retirement_rules() {
        let e = |err: NodeStakingError| u32::from(err);
        assert_eq!(code(requester(3).retire(4, 5)), e(NodeStakingError::RequesterEpochInPast));
        assert_eq!(code(requester(3).retire(2, 1)), e(NodeStakingError::InvalidRetiredEpoch));
        assert_eq!(
            code(requester(3).retire(Requester::ACTIVE, 1)),
            e(NodeStakingError::InvalidRetiredEpoch)
        );
        let mut r = requester(3);
        r.retire(9, 1).unwrap();
        assert_eq!(code(r.retire(10, 1)), e(NodeStakingError::RequesterAlreadyRetired));
        assert_eq!(r.retired_epoch, 9);
        assert_eq!(code(check_first_epoch(4, 5)), e(NodeStakingError::RequesterEpochInPast));
        assert!(check_first_epoch(5, 5).is_ok());
    }
}
