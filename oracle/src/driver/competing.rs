//! Whether casting our vote could split the round.

use anchor_lang::prelude::Pubkey;
use gridmint_sdk::rewards as rw;

use crate::epoch::hex;

/// Why this oracle must not vote `ours` in the epoch's current round: other oracles already
/// voted a different result in it and none voted ours. Casting a competing vote could split
/// the round (an input that reached one oracle late changes its result after others voted);
/// abstaining instead leaves the round to the others or to a new round (`open_round`).
pub(super) fn competing(
    state: Option<&rw::EpochState>,
    config: &rw::Config,
    me: &Pubkey,
    ours: &[u8; 32],
) -> Option<String> {
    let s = state?;
    if s.votes_set_version != config.oracles.version {
        return None;
    }
    let mine = config.oracles.slot_of(me);
    let cast: Vec<&[u8; 32]> = s
        .votes
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != mine)
        .filter(|(i, _)| {
            u32::try_from(*i)
                .ok()
                .and_then(|b| 1u16.checked_shl(b))
                .is_some_and(|bit| s.voted_mask & bit != 0)
        })
        .map(|(_, v)| v)
        .collect();
    let differ = cast.iter().any(|v| *v != ours);
    let agree = cast.contains(&ours);
    (differ && !agree).then(|| {
        format!(
            "round {} already has votes for another result (ours {}); waiting for a new round",
            s.round,
            hex(ours)
        )
    })
}
