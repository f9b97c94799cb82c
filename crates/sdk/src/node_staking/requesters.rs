//! Registered compute-work requesters: PDA, builders and decoding.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use node_staking::state::seeds;
use node_staking::{accounts, instruction};

pub use node_staking::instructions::register_requester::RegisterRequesterArgs;
pub use node_staking::instructions::retire_requester::RetireRequesterArgs;
pub use node_staking::state::{Requester, REQUESTER_LABEL_LEN};

use super::{build, config_address, event_authority, PROGRAM_ID};

/// A requester record `[REQUESTER, config, key]`.
pub fn requester_pda(config: &Pubkey, key: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[seeds::REQUESTER, config.as_ref(), key.as_ref()], &PROGRAM_ID)
}

/// A label from a string: its UTF-8 bytes, zero-padded, cut at `REQUESTER_LABEL_LEN` bytes.
pub fn requester_label(text: &str) -> [u8; REQUESTER_LABEL_LEN] {
    let mut label = [0; REQUESTER_LABEL_LEN];
    for (slot, byte) in label.iter_mut().zip(text.bytes()) {
        *slot = byte;
    }
    label
}

/// `register_requester`, signed by the config authority (who pays for the record).
pub fn register_requester(authority: &Pubkey, args: RegisterRequesterArgs) -> Instruction {
    let config = config_address();
    build(
        accounts::RegisterRequester {
            authority: *authority,
            config,
            requester: requester_pda(&config, &args.key).0,
            system_program: solana_sdk_ids::system_program::ID,
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::RegisterRequester { args },
    )
}

/// `retire_requester` of `key` from `retired_epoch` on, signed by the config authority.
pub fn retire_requester(authority: &Pubkey, key: &Pubkey, retired_epoch: u64) -> Instruction {
    let config = config_address();
    build(
        accounts::RetireRequester {
            authority: *authority,
            config,
            requester: requester_pda(&config, key).0,
            event_authority: event_authority(),
            program: PROGRAM_ID,
        },
        instruction::RetireRequester { args: RetireRequesterArgs { retired_epoch } },
    )
}

/// Decodes a requester record.
pub fn decode_requester(data: &[u8]) -> anchor_lang::Result<Requester> {
    super::decode_account(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_zero_padded_and_cut() {
        assert_eq!(&requester_label("acme")[..5], b"acme\0");
        assert_eq!(requester_label(&"x".repeat(40)), [b'x'; REQUESTER_LABEL_LEN]);
    }
}
