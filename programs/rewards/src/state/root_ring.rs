//! Claimable roots: the last [`ROOT_RING_LEN`] finalized roots whose challenge period has
//! passed. Leaves are cumulative, so a proof against any of them is as good as one against
//! the newest; keeping a few lets proofs built just before a new root still land.

use anchor_lang::prelude::*;

/// Number of claimable roots kept.
pub const ROOT_RING_LEN: usize = 8;

/// A finalized root that can be claimed against.
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct ClaimableRoot {
    pub epoch: u64,
    pub root: [u8; 32],
    /// Sum of all leaves of this root as reported; all claims together never exceed it.
    pub cumulative_total: u64,
}

/// The newest finalized root while its challenge period runs (it may still be vetoed).
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct PendingRoot {
    pub root: ClaimableRoot,
    /// When the challenge period ends and the root enters the ring.
    pub claimable_at: i64,
}

/// A fixed ring of claimable roots, oldest overwritten first.
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct RootRing {
    pub entries: [ClaimableRoot; ROOT_RING_LEN],
    /// Number of valid entries (at most `ROOT_RING_LEN`).
    pub len: u8,
    /// Index the next root is written to.
    pub next: u8,
}

impl RootRing {
    /// Adds a root, overwriting the oldest when full.
    pub fn push(&mut self, root: ClaimableRoot) {
        let index = usize::from(self.next) % ROOT_RING_LEN;
        if let Some(slot) = self.entries.get_mut(index) {
            *slot = root;
        }
        // Both stay below ROOT_RING_LEN (8), far inside u8.
        self.next = u8::try_from(index.saturating_add(1) % ROOT_RING_LEN).unwrap_or(0);
        self.len = self.len.saturating_add(1).min(ROOT_RING_LEN as u8);
    }

    /// The valid entries, in storage order.
    pub fn valid(&self) -> &[ClaimableRoot] {
        self.entries.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// The entry for `root`; if the same root was finalized more than once (an epoch with
    /// nothing to pay repeats its predecessor's root) the one with the largest total.
    pub fn find(&self, root: &[u8; 32]) -> Option<ClaimableRoot> {
        self.valid().iter().filter(|e| e.root == *root).max_by_key(|e| e.cumulative_total).copied()
    }

    /// The most recently added entry.
    pub fn newest(&self) -> Option<ClaimableRoot> {
        if self.len == 0 {
            return None;
        }
        let index =
            usize::from(self.next).checked_sub(1).unwrap_or(ROOT_RING_LEN.saturating_sub(1));
        self.entries.get(index).copied()
    }
}
