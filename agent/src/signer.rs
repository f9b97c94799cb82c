//! Signing: a meter sample becomes the next signed reading, committed before it can leave.

use gridmint_protocol::messages::EnergyReading;
use solana_keypair::Keypair;
use solana_signer::Signer as _;

use crate::allowance::Floor;
use crate::config::Kind;
use crate::failpoint;
use crate::journal::{Journal, JournalError, Owner, SignerState, StoredReading};
use gridmint_meters::counter::{self, Advanced};
use gridmint_meters::MeterSample;

pub struct Signer {
    key: Keypair,
    owner: Owner,
    kind: Kind,
    capacity_wp: Option<u64>,
}

/// What one signing step did.
#[derive(Clone, Debug)]
pub struct Signed {
    pub reading: StoredReading,
    pub state: SignerState,
    pub resets: u32,
    pub jumps: u32,
    /// Wh of meter increase dropped to stay inside the fraud allowance.
    pub capped_wh: u64,
}

/// The state after `sample` and the reading that records it (pure): the next sequence, a
/// timestamp clamped to `max(now, last)`, counters that never decrease and never leave the
/// fraud allowance for `capacity_wp` against any earlier reading ([`Floor`]), consumption
/// only for hybrid nodes. Answers the Wh dropped by the cap too.
pub fn next_reading(
    state: &SignerState,
    owner: &Owner,
    kind: Kind,
    capacity_wp: Option<u64>,
    sample: MeterSample,
    now: i64,
) -> (SignerState, EnergyReading, Advanced, u64) {
    let mut advanced =
        counter::advance(&state.counter, sample, now, kind == Kind::Hybrid, capacity_wp);
    let timestamp = now.max(state.last_timestamp);
    let last = state.counter.produced_wh;
    let mut floor = state.floor;
    let mut capped = 0;
    if let Some(wp) = capacity_wp {
        // A journal that adopted its state (or changed capacity) starts from its last reading.
        let from = match floor {
            Some(f) if f.capacity_wp == wp => Some(f),
            _ if state.last_sequence > 0 => {
                Some(Floor::after(None, wp, last, state.last_timestamp))
            }
            _ => None,
        };
        let produced = advanced.state.produced_wh;
        let allowed = from.map_or(produced, |f| produced.min(f.cap(timestamp)).max(last));
        capped = produced.saturating_sub(allowed);
        advanced.state.produced_wh = allowed;
        floor = Some(Floor::after(from, wp, allowed, timestamp));
    }
    let next = SignerState {
        last_sequence: state.last_sequence.saturating_add(1),
        last_timestamp: timestamp,
        counter: advanced.state,
        resets: state.resets.saturating_add(u64::from(advanced.resets)),
        jumps: state.jumps.saturating_add(u64::from(advanced.jumps)),
        floor,
    };
    let reading = EnergyReading {
        deployment: owner.deployment,
        node_id: owner.node_id,
        sequence: next.last_sequence,
        timestamp: next.last_timestamp,
        produced_wh: next.counter.produced_wh,
        consumed_wh: if kind == Kind::Hybrid { next.counter.consumed_wh } else { 0 },
    };
    (next, reading, advanced, capped)
}

impl Signer {
    pub fn new(key: Keypair, owner: Owner, kind: Kind, capacity_wp: Option<u64>) -> Self {
        Self { key, owner, kind, capacity_wp }
    }

    pub fn owner(&self) -> &Owner {
        &self.owner
    }

    pub fn key(&self) -> &Keypair {
        &self.key
    }

    /// Signs the reading for `sample` and commits it with the new state; only then may it
    /// be sent. `state` must be the journal's committed state (one signing task per journal).
    pub async fn sign(
        &self,
        journal: &Journal,
        state: &SignerState,
        sample: MeterSample,
        now: i64,
    ) -> Result<Signed, JournalError> {
        let (next, reading, advanced, capped_wh) =
            next_reading(state, &self.owner, self.kind, self.capacity_wp, sample, now);
        let message = reading.encode();
        let signature = self.key.sign_message(&message);
        failpoint::hit("after_sign");
        let stored = StoredReading {
            sequence: reading.sequence,
            timestamp: reading.timestamp,
            produced_wh: reading.produced_wh,
            consumed_wh: reading.consumed_wh,
            message: message.to_vec(),
            signature: signature.as_ref().to_vec(),
        };
        journal.commit(&next, Some(&stored)).await?;
        failpoint::hit("after_persist");
        Ok(Signed {
            reading: stored,
            state: next,
            resets: advanced.resets,
            jumps: advanced.jumps,
            capped_wh,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: Owner = Owner { device_key: [1; 32], deployment: [2; 32], node_id: 9 };

    fn sample(p: u64, c: u64) -> MeterSample {
        MeterSample { produced_wh: p, consumed_wh: Some(c) }
    }

    #[test]
    fn sequences_follow_and_timestamps_never_go_back() {
        let s0 = SignerState { last_sequence: 41, last_timestamp: 1_000, ..Default::default() };
        let (s1, r1, _, _) = next_reading(&s0, &OWNER, Kind::Energy, None, sample(100, 5), 900);
        assert_eq!((r1.sequence, r1.timestamp, r1.produced_wh), (42, 1_000, 0));
        let (_, r2, _, _) = next_reading(&s1, &OWNER, Kind::Energy, None, sample(130, 9), 1_060);
        assert_eq!((r2.sequence, r2.timestamp, r2.produced_wh, r2.consumed_wh), (43, 1_060, 30, 0));
        assert_eq!((r2.deployment, r2.node_id), ([2; 32], 9));
    }

    #[test]
    fn hybrid_nodes_sign_their_consumption() {
        let s0 = SignerState::default();
        let (s1, _, _, _) = next_reading(&s0, &OWNER, Kind::Hybrid, None, sample(100, 50), 10);
        let (_, r, _, _) = next_reading(&s1, &OWNER, Kind::Hybrid, None, sample(110, 80), 20);
        assert_eq!((r.produced_wh, r.consumed_wh), (10, 30));
        assert!(r.fields_valid_for(true));
    }

    #[test]
    fn increases_beyond_the_allowance_are_dropped_and_the_floor_is_kept() {
        // 3,600 Wp. 450 Wh in 300 s passes the meter-jump check (1.5 × capacity) but not the
        // fraud allowance against the first reading: ⌊3600·1.1·(300 + 60)/3600⌋ + 1 = 397.
        let s0 = SignerState::default();
        let (s1, r1, _, capped) =
            next_reading(&s0, &OWNER, Kind::Energy, Some(3_600), sample(1_000, 0), 100);
        assert_eq!((r1.produced_wh, capped), (0, 0), "baseline");
        let (s2, r2, _, capped) =
            next_reading(&s1, &OWNER, Kind::Energy, Some(3_600), sample(1_450, 0), 400);
        assert_eq!((r2.produced_wh, capped), (397, 53));
        // The floor still counts from the first reading: 60 s later, 66 Wh more at most.
        let (_, r3, _, capped) =
            next_reading(&s2, &OWNER, Kind::Energy, Some(3_600), sample(1_540, 0), 460);
        assert_eq!((r3.produced_wh, capped), (463, 24));
    }

    #[test]
    fn an_adopted_state_is_capped_from_its_last_reading() {
        let adopted = SignerState {
            last_sequence: 10,
            last_timestamp: 1_000,
            counter: gridmint_meters::counter::CounterState {
                produced_wh: 500,
                ..Default::default()
            },
            ..Default::default()
        };
        let (s1, _, _, _) =
            next_reading(&adopted, &OWNER, Kind::Energy, Some(3_600), sample(0, 0), 1_000);
        // 590 Wh in 400 s passes the meter-jump check (1.5 × capacity) but not the fraud
        // allowance against the adopted reading: 500 + ⌊3600·1.1·460/3600⌋ + 1 = 1,007.
        let (_, r, _, capped) =
            next_reading(&s1, &OWNER, Kind::Energy, Some(3_600), sample(590, 0), 1_400);
        assert_eq!((r.produced_wh, capped), (1_007, 83));
    }
}
