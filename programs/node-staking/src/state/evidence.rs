//! The permanent record of a proven fraud, one per piece of evidence.

use anchor_lang::prelude::*;

/// The kind of fraud a pair of device-signed readings proves (`docs/PROTOCOL.md` §7.2).
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FraudKind {
    /// Two different readings with the same sequence number.
    Equivocation,
    /// A later sequence number with a smaller cumulative counter.
    CounterRegression,
    /// The produced counter rose faster than the node's capacity allows.
    CapacityViolation,
}

impl From<gridmint_protocol::fraud::FraudKind> for FraudKind {
    fn from(kind: gridmint_protocol::fraud::FraudKind) -> Self {
        use gridmint_protocol::fraud::FraudKind as P;
        match kind {
            P::Equivocation => FraudKind::Equivocation,
            P::CounterRegression => FraudKind::CounterRegression,
            P::CapacityViolation => FraudKind::CapacityViolation,
        }
    }
}

/// PDA `[EVIDENCE, config, evidence_hash]`, created by `report_fraud` and never closed: its
/// existence is what stops the same evidence (in either order) from being used twice.
#[account]
#[derive(InitSpace, Debug, PartialEq, Eq)]
pub struct FraudEvidence {
    pub config: Pubkey,
    /// The `Node` account that was slashed.
    pub node: Pubkey,
    pub node_id: u64,
    /// The device key that signed both readings.
    pub device_key: Pubkey,
    pub kind: FraudKind,
    /// `H("GMEVID\0\0" ‖ device_key ‖ first ‖ second)`, the pair in canonical order.
    pub evidence_hash: [u8; 32],
    /// Sequence numbers of the first and the second reading.
    pub sequence_a: u64,
    pub sequence_b: u64,
    pub reporter: Pubkey,
    /// Taken from the node (`bounty + to_treasury`).
    pub slashed: u64,
    /// Paid to the reporter.
    pub bounty: u64,
    pub reported_at: i64,
    pub bump: u8,
    /// Room for future fields; zero.
    pub reserved: [u8; 32],
}
