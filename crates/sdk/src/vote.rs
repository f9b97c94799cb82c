//! The oracle's transactions to the rewards program, with a compute budget: a vote
//! (`submit_report`) and the clean-up of a superseded epoch (`close_epoch`).
//!
//! Every transaction starts with `SetComputeUnitLimit` (a tight limit makes the fee and the
//! scheduler's estimate honest) and, when `micro_lamports_per_cu > 0`, `SetComputeUnitPrice`
//! (the priority fee). The program instruction comes last, so a failure in it reports
//! instruction index `len - 1` (see [`crate::errors::program_error`]).

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_compute_budget_interface::ComputeBudgetInstruction;

use crate::rewards::{self, SubmitReportArgs};

/// Compute budget of one transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ComputeBudget {
    /// Compute-unit limit.
    pub unit_limit: u32,
    /// Priority fee in micro-lamports per compute unit (0: no price instruction).
    pub micro_lamports_per_cu: u64,
}

impl ComputeBudget {
    /// Generous for `submit_report` (the first vote creates the epoch account) and
    /// `close_epoch`; measure with an SBF build before tightening.
    pub const VOTE_DEFAULT: ComputeBudget =
        ComputeBudget { unit_limit: 60_000, micro_lamports_per_cu: 0 };

    /// The compute-budget instructions that go first in the transaction.
    pub fn instructions(&self) -> Vec<Instruction> {
        let mut ixs = vec![ComputeBudgetInstruction::set_compute_unit_limit(self.unit_limit)];
        if self.micro_lamports_per_cu > 0 {
            ixs.push(ComputeBudgetInstruction::set_compute_unit_price(self.micro_lamports_per_cu));
        }
        ixs
    }

    /// `self.instructions()` followed by `ix`.
    pub fn wrap(&self, ix: Instruction) -> Vec<Instruction> {
        let mut ixs = self.instructions();
        ixs.push(ix);
        ixs
    }
}

/// A vote: `submit_report` signed by `oracle` (who pays for the epoch account on the first
/// vote of an epoch), behind the compute budget.
pub fn vote_instructions(
    oracle: &Pubkey,
    args: SubmitReportArgs,
    budget: ComputeBudget,
) -> Vec<Instruction> {
    budget.wrap(rewards::submit_report(oracle, args))
}

/// `close_epoch` of a superseded epoch, returning its rent to `rent_payer` (its creator),
/// behind the compute budget. Anyone may send it.
pub fn close_epoch_instructions(
    epoch: u64,
    rent_payer: &Pubkey,
    budget: ComputeBudget,
) -> Vec<Instruction> {
    budget.wrap(rewards::close_epoch(epoch, rent_payer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_instructions_come_first_and_price_is_optional() {
        let args = SubmitReportArgs {
            epoch: 3,
            round: 0,
            root: [1; 32],
            cumulative_total: 10,
            recipient_count: 1,
            manifest_hash: [2; 32],
        };
        let oracle = Pubkey::new_unique();
        let ixs = vote_instructions(&oracle, args.clone(), ComputeBudget::VOTE_DEFAULT);
        let ids: Vec<Pubkey> = ixs.iter().map(|ix| ix.program_id).collect();
        assert_eq!(ids, [solana_sdk_ids::compute_budget::ID, rewards::PROGRAM_ID]);
        assert_eq!(ixs[1], rewards::submit_report(&oracle, args));
        let priced = ComputeBudget { unit_limit: 1, micro_lamports_per_cu: 5 };
        let ixs = close_epoch_instructions(3, &oracle, priced);
        assert_eq!(ixs.len(), 3);
        assert_eq!(ixs[1], ComputeBudgetInstruction::set_compute_unit_price(5));
    }
}
