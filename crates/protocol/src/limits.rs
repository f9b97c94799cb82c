//! Bounds shared by both programs, so that one program can rely on the other's parameters
//! without reading its accounts.
//!
//! Slashing must still be possible when fraud is proven late: a node's stake may only leave
//! the vault after every epoch it earned in has ended, been reported (grace) and passed its
//! challenge period. The rewards program refuses epoch, grace and challenge parameters above
//! these maxima, and node-staking refuses an unbonding period that does not exceed their sum.

const DAY: i64 = 86_400;

/// Longest epoch the rewards program accepts.
pub const MAX_EPOCH_SECONDS: i64 = 7 * DAY;
/// Longest time after an epoch's end that oracles wait for late readings before reporting.
pub const MAX_REPORT_GRACE_SECONDS: i64 = 2 * DAY;
/// Longest challenge (veto) period of a finalized epoch.
pub const MAX_CHALLENGE_PERIOD_SECONDS: i64 = 3 * DAY;

/// The unbonding period must be strictly greater than this (12 days).
pub const UNBONDING_LOWER_BOUND_SECONDS: i64 =
    MAX_EPOCH_SECONDS + MAX_REPORT_GRACE_SECONDS + MAX_CHALLENGE_PERIOD_SECONDS;
/// Upper bound on the unbonding period, so stake can never be locked for good.
pub const MAX_UNBONDING_SECONDS: i64 = 120 * DAY;

// Checked at compile time: there must be room for a valid unbonding period.
const _: () = assert!(MAX_UNBONDING_SECONDS > UNBONDING_LOWER_BOUND_SECONDS);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unbonding_bound_covers_epoch_grace_and_challenge() {
        assert_eq!(UNBONDING_LOWER_BOUND_SECONDS, 12 * DAY);
    }
}
