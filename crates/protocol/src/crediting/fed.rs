//! Crediting fed one device key at a time: exactly what [`credit_epoch`] computes, without
//! holding the epoch's readings.
//!
//! Every reading rule of §9.2–§9.4 looks at one binding's readings only; the node-level
//! caps, green matching and eligibility (§9.3, §9.4, §9.6) need each binding's *outcome*, not
//! its readings. So an oracle can stream a store's readings ordered by device key, hand each
//! key's readings to [`EpochCrediting::add_device`] and drop them: what stays is each
//! binding's outcome and the identities of the readings it judged (32 bytes each, which
//! `inputs_root` commits), not the readings (about 300 M a day at a million devices
//! reporting every five minutes). [`credit_epoch`] itself is this fold over its inputs'
//! readings grouped by key, so both paths are one code.
//!
//! [`credit_epoch`]: crate::crediting::credit_epoch

use std::borrow::Borrow;
use std::ops::Range;

use crate::crediting::eligibility::{self, BindingPart};
use crate::crediting::energy::{self, binding_energy};
use crate::crediting::green::{binding_buckets, bucket_edges};
use crate::crediting::inputs::{Chain, NodeInput, NodeKind};
use crate::crediting::{
    root, work, CreditError, EpochCredit, EpochInputs, InputKind, RejectedInput, SignedReading,
};
use crate::merkle::Hash32;
use crate::messages::EnergyReading;
use crate::rewards::MAX_STAKE_DECIMALS;

/// One epoch's crediting, fed the readings key by key (§9). `inputs.readings` are not read:
/// every reading comes through [`add_device`](Self::add_device).
pub struct EpochCrediting<'a> {
    chain: Chain<'a>,
    /// The hour edges of §9.4 (the same for every hybrid node).
    edges: Vec<i64>,
    rejected: Vec<RejectedInput>,
    /// The identities each binding judged (`J`), bindings' ranges into it.
    judged: Vec<Hash32>,
    /// One per binding with a reading in the epoch, in device-key order.
    parts: Vec<BindingPart>,
    last_key: Option<[u8; 32]>,
}

impl<'a> EpochCrediting<'a> {
    /// Checks the parameters and the chain data of `inputs` (everything but its readings).
    pub fn new(inputs: &'a EpochInputs) -> Result<Self, CreditError> {
        inputs.params.validate().map_err(CreditError::Params)?;
        // A bad clock is an oracle bug: refuse it by name rather than let it read as "before
        // genesis" or as an empty epoch.
        let clock = inputs.clock;
        if clock.epoch_seconds <= 0 || clock.epoch_seconds > crate::limits::MAX_EPOCH_SECONDS {
            return Err(CreditError::EpochLengthOutOfRange);
        }
        if clock.genesis_time < 0 {
            return Err(CreditError::GenesisBeforeUnixEpoch);
        }
        if inputs.stake_decimals > MAX_STAKE_DECIMALS {
            return Err(CreditError::Params(crate::rewards::RewardError::StakeDecimalsTooLarge));
        }
        let chain = Chain::new(inputs)?;
        let edges = bucket_edges(clock.genesis_time, chain.start, chain.end);
        Ok(Self {
            chain,
            edges,
            rejected: Vec::new(),
            judged: Vec::new(),
            parts: Vec::new(),
            last_key: None,
        })
    }

    /// Every stored reading of one device key (any order, copies allowed), keys strictly
    /// increasing from call to call. A key given twice, or a reading of another key than the
    /// first's, is refused with [`CreditError::DeviceKeysOutOfOrder`]: its readings would
    /// otherwise count as two bindings. An empty slice is nothing.
    pub fn add_device<R: Borrow<SignedReading>>(
        &mut self,
        readings: &[R],
    ) -> Result<(), CreditError> {
        let Some(key) = readings.first().map(|r| r.borrow().device_key) else { return Ok(()) };
        let later = self.last_key.is_none_or(|last| last < key);
        if !later || readings.iter().any(|r| r.borrow().device_key != key) {
            return Err(CreditError::DeviceKeysOutOfOrder(key));
        }
        self.last_key = Some(key);
        // The key's distinct valid readings in (sequence, bytes) order; copies with equal
        // bytes are one input (equal identity).
        let mut valid: Vec<energy::Reading<'_>> = Vec::with_capacity(readings.len());
        for signed in readings {
            let signed = signed.borrow();
            let id = signed.identity();
            match self.chain.check_reading(signed) {
                Ok((reading, _)) => {
                    valid.push(energy::Reading { id, message: &signed.message, reading })
                }
                Err(reason) => self.rejected.push(RejectedInput {
                    id,
                    input: InputKind::Reading,
                    node_id: EnergyReading::decode(&signed.message).ok().map(|r| r.node_id),
                    reason,
                }),
            }
        }
        if valid.is_empty() {
            return Ok(());
        }
        let order = |a: &energy::Reading<'_>, b: &energy::Reading<'_>| {
            a.reading.sequence.cmp(&b.reading.sequence).then_with(|| a.message.cmp(b.message))
        };
        valid.sort_unstable_by(order);
        valid.dedup_by(|a, b| order(a, b).is_eq());
        // A valid reading has a binding naming a node among the inputs (§9.2).
        let Some(binding) = self.chain.bindings.get(&key) else { return Ok(()) };
        let Some(node) = self.chain.nodes.get(&binding.node) else { return Ok(()) };
        let cap = eligibility::capacity_factor_cap(&self.chain, node);
        let (start, end) = (self.chain.start, self.chain.end);
        let wp = node.view.capacity.energy_wp;
        let Some(outcome) = binding_energy(key, &valid, start, end, wp, cap) else {
            return Ok(());
        };
        let from = self.judged.len();
        self.judged.extend(outcome.judged.iter().map(|r| r.id));
        let e = &outcome.energy;
        // Green buckets count for a hybrid node's bindings that were not zeroed (§9.4).
        let green = (node.kind == NodeKind::Hybrid && e.zeroed.is_none()).then(|| {
            let consumed = e.end.consumed_wh.saturating_sub(e.low.consumed_wh);
            (binding_buckets(&outcome.judged, &self.edges), u128::from(consumed))
        });
        self.parts.push(BindingPart {
            node: binding.node,
            energy: Box::new(outcome.energy),
            judged: from..self.judged.len(),
            green,
        });
        Ok(())
    }

    /// Every reading of `readings`, grouped by device key (any order).
    pub fn add_all(&mut self, readings: &[SignedReading]) -> Result<(), CreditError> {
        let mut by_key: Vec<&SignedReading> = readings.iter().collect();
        by_key.sort_by_key(|r| r.device_key);
        for group in by_key.chunk_by(|a, b| a.device_key == b.device_key) {
            self.add_device(group)?;
        }
        Ok(())
    }

    /// The receipts' work (§9.5), every node's credit and eligibility, `inputs_root`.
    pub fn finish(self) -> EpochCredit {
        let Self { chain, edges, mut rejected, judged, mut parts, .. } = self;
        let inputs = chain.inputs;
        // stake_decimals ≤ 19 (checked by `new`), so the power fits.
        let token = 10u128.checked_pow(u32::from(inputs.stake_decimals)).unwrap_or(1);
        let stake_cap = |node: &NodeInput, per_token: u64| -> u128 {
            u128::from(node.view.stake)
                .saturating_mul(u128::from(per_token))
                .checked_div(token)
                .unwrap_or(0)
        };
        let mut work =
            work::credit_work(&chain, &|n| stake_cap(n, inputs.params.work_per_staked_token));
        rejected.append(&mut work.rejected);
        // A node's bindings in key order: keys came in increasing, and the sort is stable.
        parts.sort_by_key(|p| p.node);
        let mut parts = parts.into_iter();
        let mut nodes = Vec::with_capacity(chain.nodes.len());
        // At most every judged identity and receipt once: sized up front, not grown by copying.
        let mut considered = Vec::with_capacity(judged.len().saturating_add(inputs.receipts.len()));
        let mut ranges: Vec<Range<usize>> = Vec::new();
        for (address, node) in &chain.nodes {
            // Parts and nodes are both sorted by node, and every part's node is a node input.
            let count = parts.as_slice().iter().take_while(|p| p.node == *address).count();
            let (node_work, work_ids) = work.nodes.remove(address).unwrap_or_default();
            ranges.clear();
            let credit = eligibility::node_credit(
                &chain,
                node,
                &edges,
                parts.by_ref().take(count),
                count,
                &mut ranges,
                node_work,
                stake_cap(node, inputs.params.wh_per_staked_token),
            );
            if credit.not_listed.is_none() {
                for range in &ranges {
                    considered.extend_from_slice(judged.get(range.clone()).unwrap_or_default());
                }
                considered.extend(work_ids);
            }
            nodes.push(credit);
        }
        rejected.sort();
        rejected.dedup();
        considered.sort_unstable();
        considered.dedup();
        EpochCredit {
            epoch: inputs.epoch,
            epoch_start: chain.start,
            epoch_end: chain.end,
            params: inputs.params,
            stake_decimals: inputs.stake_decimals,
            inputs_root: root::inputs_root(&considered),
            nodes,
            rejected,
            considered,
        }
    }
}

/// Credits `inputs` with the readings `feed` gives (see [`EpochCrediting`]); `feed`'s own
/// errors (a store that failed mid-stream, say) come back as they are.
pub fn credit_epoch_fed<E: From<CreditError>>(
    inputs: &EpochInputs,
    feed: impl FnOnce(&mut EpochCrediting<'_>) -> Result<(), E>,
) -> Result<EpochCredit, E> {
    let mut crediting = EpochCrediting::new(inputs)?;
    feed(&mut crediting)?;
    Ok(crediting.finish())
}
