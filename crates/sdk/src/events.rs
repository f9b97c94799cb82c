//! Decoding `emit_cpi!` events from the data of the program's self-invocation.

use anchor_lang::{event::EVENT_IX_TAG_LE, AnchorDeserialize, Discriminator};

/// Decodes an event of type `E` from the data of an inner (self-CPI) instruction, or `None`
/// if the data is not an event of that type.
pub fn decode_event<E: AnchorDeserialize + Discriminator>(ix_data: &[u8]) -> Option<E> {
    let rest = ix_data.strip_prefix(EVENT_IX_TAG_LE)?;
    let body = rest.strip_prefix(E::DISCRIMINATOR)?;
    E::deserialize(&mut &body[..]).ok()
}
