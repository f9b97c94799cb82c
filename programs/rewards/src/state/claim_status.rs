//! Per-recipient claim accounting.

use anchor_lang::prelude::*;

use crate::errors::RewardsError;

/// What one recipient has been paid, PDA `[CLAIM, config, recipient]`. Created by the
/// recipient's first claim (the claim's payer pays the rent) and never closed: it is what
/// makes a replayed proof pay nothing.
#[account]
#[derive(InitSpace, Debug, PartialEq, Eq)]
pub struct ClaimStatus {
    pub config: Pubkey,
    pub recipient: Pubkey,
    /// Everything ever paid to this recipient (the cumulative amount of its last claim).
    pub claimed_total: u64,
    /// Time of the last paying claim (0 before any).
    pub last_claimed_at: i64,
    pub bump: u8,
    /// Room for future fields; zero. Kept small: there is one account per recipient.
    pub reserved: [u8; 16],
}

impl ClaimStatus {
    /// Whether the account was just created (never written).
    pub fn is_new(&self) -> bool {
        self.config == Pubkey::default()
    }

    /// The amount a proof of `cumulative` pays now: `cumulative − claimed_total`, or 0 when
    /// the recipient was already paid that much (a replay or an older root).
    pub fn payout(&self, cumulative: u64) -> u64 {
        cumulative.saturating_sub(self.claimed_total)
    }

    /// Records a payout that brings the recipient's total to `cumulative`.
    pub fn record(&mut self, cumulative: u64, now: i64) -> Result<()> {
        require!(cumulative >= self.claimed_total, RewardsError::ArithmeticOverflow);
        self.claimed_total = cumulative;
        self.last_claimed_at = now;
        Ok(())
    }
}
