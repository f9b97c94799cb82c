//! Event-CPI plumbing shared by the program modules: decoding `emit_cpi!` events from the data
//! of the program's self-invocation, the event authority PDA, and instruction assembly.

use anchor_lang::{
    event::EVENT_IX_TAG_LE, prelude::Pubkey, solana_program::instruction::Instruction,
    AnchorDeserialize, Discriminator, InstructionData, ToAccountMetas,
};

/// Seed of Anchor's event-CPI authority PDA (every `#[event_cpi]` instruction takes it).
const EVENT_AUTHORITY_SEED: &[u8] = b"__event_authority";

/// Decodes an event of type `E` from the data of an inner (self-CPI) instruction, or `None`
/// if the data is not an event of that type.
pub fn decode_event<E: AnchorDeserialize + Discriminator>(ix_data: &[u8]) -> Option<E> {
    let rest = ix_data.strip_prefix(EVENT_IX_TAG_LE)?;
    let body = rest.strip_prefix(E::DISCRIMINATOR)?;
    E::deserialize(&mut &body[..]).ok()
}

/// The event-CPI authority PDA of `program_id`.
pub fn event_authority_pda(program_id: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[EVENT_AUTHORITY_SEED], program_id)
}

/// An instruction of `program_id` from Anchor's generated accounts and data types.
pub(crate) fn build_instruction(
    program_id: Pubkey,
    accounts: impl ToAccountMetas,
    data: impl InstructionData,
) -> Instruction {
    Instruction { program_id, accounts: accounts.to_account_metas(None), data: data.data() }
}
