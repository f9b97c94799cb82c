//! Per-epoch readings of node-staking state for the oracle (`docs/PROTOCOL.md` §8): a node's
//! epoch view and the minimum stake of an epoch, read from accounts fetched at `read_time`
//! (the chain clock of the slot the accounts were read at).

use node_staking::state::{Config, Node, NodeKind};

pub use gridmint_protocol::views::NodeEpochView;

/// What `node` counted as for `epoch` (stake, reward recipient, capacity), from the account
/// as read at `read_time`. Exact when `read_time ∈ [end(epoch), start(epoch + 2))`; outside
/// that window exact or `None` (never a wrong value); `None` before the epoch ended.
pub fn node_epoch_view(
    node: &Node,
    config: &Config,
    epoch: u64,
    read_time: i64,
) -> Option<NodeEpochView> {
    node.epoch_view(&config.clock(), epoch, read_time)
}

/// The minimum active stake of a node of `kind` during `epoch`, if the config (as read
/// during `epoch` or in `[end(epoch), start(epoch + 2))`) still knows it.
pub fn min_stake_for(config: &Config, kind: NodeKind, epoch: u64) -> Option<u64> {
    config.min_stake_for(kind, epoch)
}

/// `node`'s capacity for `epoch` as far as it is known while the epoch runs: the field-wise
/// largest value in force in it so far, including a scheduled increase that takes effect
/// before the epoch ends (the challenge schedule, PROTOCOL.md §10.2, sizes by the epoch's
/// maximum). Exact once the epoch has ended; `None` when the account no longer describes it.
pub fn capacity_during(
    node: &Node,
    clock: &gridmint_protocol::emission::EpochClock,
    epoch: u64,
) -> Option<gridmint_protocol::views::Capacity> {
    let mut view: gridmint_protocol::views::EpochViewState = node.view.into();
    if view.epoch == epoch.checked_add(1)? {
        return Some(view.previous_capacity_max);
    }
    let mut live = node.live();
    let last = clock.end(epoch).ok()?.checked_sub(1)?;
    gridmint_protocol::views::settle(&mut view, &mut live, clock, last);
    (view.epoch == epoch).then_some(view.capacity_max)
}
