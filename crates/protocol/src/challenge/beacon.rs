//! Beacons and the challenge schedule (PROTOCOL.md §10.1–§10.2).
//!
//! `SlotHashes` forgets a slot after 512 slots and RPC history is pruned, so a permissionless
//! crank copies one slot hash per beacon into the epoch's [`BeaconSet`] account, inside the
//! beacon's window. Every oracle reads that account at close and derives the same schedule.
//! Whether a node is challenged at beacon `i`, and with which seed, depends on beacon `i`'s
//! hash, so nobody knows it before that slot exists.

use borsh::{BorshDeserialize, BorshSerialize};

use crate::challenge::matrix::{size_for, KernelSize};
use crate::challenge::{draw, h, ChallengeError, ChallengeParams, MAX_BEACONS};
use crate::emission::EpochClock;
use crate::merkle::Hash32;

/// Version byte of the beacon account layout.
pub const BEACON_SET_VERSION: u8 = 1;
/// Domains of the schedule's hashes (ASCII).
pub const SELECT_DOMAIN: &[u8] = b"GMCHAL-SELECT";
pub const CHALLENGE_ID_DOMAIN: &[u8] = b"GMCHAL-ID";

/// One recorded slot hash. `slot = 0` marks an entry not (yet) recorded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Beacon {
    /// The slot whose hash was taken (the newest entry of `SlotHashes` at the crank).
    pub slot: u64,
    /// The chain clock (`Clock::unix_timestamp`) of the crank instruction.
    pub recorded_at: i64,
    pub hash: Hash32,
}

impl Beacon {
    pub fn is_recorded(&self) -> bool {
        self.slot != 0
    }
}

/// The beacon account of one epoch (Borsh, after the program's 8-byte discriminator):
/// `1 + 8 + 12 + 64 × 48 = 3,093` bytes.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct BeaconSet {
    pub version: u8,
    pub epoch: u64,
    pub beacons_per_epoch: u16,
    pub challenges_per_epoch: u16,
    pub target_seconds: u32,
    pub grace_seconds: u32,
    /// Entries `0..N` are used; the rest stay zero.
    pub beacons: [Beacon; MAX_BEACONS],
}

impl BeaconSet {
    /// Borsh length of the account data (without discriminator).
    pub const LEN: usize = 1 + 8 + 2 + 2 + 4 + 4 + MAX_BEACONS * (8 + 8 + 32);

    /// An empty set for `epoch` with the parameters in force (validated).
    pub fn new(
        epoch: u64,
        params: &ChallengeParams,
        epoch_seconds: i64,
    ) -> Result<Self, ChallengeError> {
        params.validate(epoch_seconds)?;
        Ok(Self {
            version: BEACON_SET_VERSION,
            epoch,
            beacons_per_epoch: params.beacons_per_epoch,
            challenges_per_epoch: params.challenges_per_epoch,
            target_seconds: params.target_seconds,
            grace_seconds: params.grace_seconds,
            beacons: [Beacon::default(); MAX_BEACONS],
        })
    }

    pub fn params(&self) -> ChallengeParams {
        ChallengeParams {
            beacons_per_epoch: self.beacons_per_epoch,
            challenges_per_epoch: self.challenges_per_epoch,
            target_seconds: self.target_seconds,
            grace_seconds: self.grace_seconds,
        }
    }

    /// Decodes account data (without discriminator): exact length, known version.
    pub fn decode(bytes: &[u8]) -> Result<Self, ChallengeError> {
        if bytes.len() != Self::LEN {
            return Err(ChallengeError::Malformed);
        }
        let set = Self::try_from_slice(bytes).map_err(|_| ChallengeError::Malformed)?;
        if set.version != BEACON_SET_VERSION {
            return Err(ChallengeError::Malformed);
        }
        Ok(set)
    }

    /// The crank's pure next-state function: records beacon `index` at chain time `now`
    /// from the newest `SlotHashes` entry `(slot, hash)`, inside its window, once.
    pub fn record(
        &mut self,
        clock: &EpochClock,
        index: u16,
        now: i64,
        slot: u64,
        hash: Hash32,
    ) -> Result<(), ChallengeError> {
        let (due, until) = beacon_window(clock, self.epoch, &self.params(), index)?;
        let entry = self.beacons.get_mut(usize::from(index)).ok_or(ChallengeError::BeaconIndex)?;
        if entry.is_recorded() {
            return Err(ChallengeError::AlreadyRecorded);
        }
        if now < due || now >= until {
            return Err(ChallengeError::OutsideWindow);
        }
        if slot == 0 {
            return Err(ChallengeError::ZeroSlot);
        }
        *entry = Beacon { slot, recorded_at: now, hash };
        Ok(())
    }
}

/// Byte offset of the first beacon entry in the account data (after the discriminator).
pub const BEACONS_OFFSET: usize = 1 + 8 + 2 + 2 + 4 + 4;
/// Bytes of one beacon entry.
pub const BEACON_LEN: usize = 8 + 8 + 32;

/// [`BeaconSet::record`] on the account bytes in place (without the discriminator), for
/// programs: never materialises the 3,093-byte set on the 4 KiB SBF stack. Same checks,
/// same resulting bytes.
pub fn record_in_place(
    data: &mut [u8],
    clock: &EpochClock,
    index: u16,
    now: i64,
    slot: u64,
    hash: Hash32,
) -> Result<(), ChallengeError> {
    if data.len() != BeaconSet::LEN || data.first() != Some(&BEACON_SET_VERSION) {
        return Err(ChallengeError::Malformed);
    }
    let le = |from: usize, to: usize| -> u64 {
        let mut x = [0u8; 8];
        let src = data.get(from..to).unwrap_or(&[]);
        if let Some(d) = x.get_mut(..src.len()) {
            d.copy_from_slice(src);
        }
        u64::from_le_bytes(x)
    };
    let params = ChallengeParams {
        beacons_per_epoch: u16::try_from(le(9, 11)).unwrap_or(0),
        challenges_per_epoch: u16::try_from(le(11, 13)).unwrap_or(0),
        target_seconds: u32::try_from(le(13, 17)).unwrap_or(0),
        grace_seconds: u32::try_from(le(17, 21)).unwrap_or(0),
    };
    let (due, until) = beacon_window(clock, le(1, 9), &params, index)?;
    let at = usize::from(index).saturating_mul(BEACON_LEN).saturating_add(BEACONS_OFFSET);
    let end = at.saturating_add(BEACON_LEN);
    let entry = data.get_mut(at..end).ok_or(ChallengeError::BeaconIndex)?;
    if entry.get(..8).is_some_and(|s| s != [0u8; 8]) {
        return Err(ChallengeError::AlreadyRecorded);
    }
    if now < due || now >= until {
        return Err(ChallengeError::OutsideWindow);
    }
    if slot == 0 {
        return Err(ChallengeError::ZeroSlot);
    }
    let mut bytes = [0u8; BEACON_LEN];
    bytes[..8].copy_from_slice(&slot.to_le_bytes());
    bytes[8..16].copy_from_slice(&now.to_le_bytes());
    bytes[16..].copy_from_slice(&hash);
    entry.copy_from_slice(&bytes);
    Ok(())
}

/// Beacon `i`'s window `[due, until)`: `due = start + ⌊i·L/N⌋`, `until = due + ⌊L/(2N)⌋`.
pub fn beacon_window(
    clock: &EpochClock,
    epoch: u64,
    params: &ChallengeParams,
    index: u16,
) -> Result<(i64, i64), ChallengeError> {
    params.validate(clock.epoch_seconds)?;
    if index >= params.beacons_per_epoch {
        return Err(ChallengeError::BeaconIndex);
    }
    let start = clock.start(epoch).map_err(|_| ChallengeError::Clock)?;
    let n = i128::from(params.beacons_per_epoch);
    let l = i128::from(clock.epoch_seconds);
    let offset = i128::from(index).saturating_mul(l).checked_div(n).unwrap_or(0);
    let window = l.checked_div(n.saturating_mul(2)).unwrap_or(1);
    let due = i128::from(start).saturating_add(offset);
    let until = due.saturating_add(window);
    let due = i64::try_from(due).map_err(|_| ChallengeError::Clock)?;
    let until = i64::try_from(until).map_err(|_| ChallengeError::Clock)?;
    Ok((due, until))
}

/// One challenge of the schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Challenge {
    /// Also the seed of the matrices.
    pub id: Hash32,
    pub node: [u8; 32],
    pub node_id: u64,
    pub epoch: u64,
    pub beacon_index: u16,
    /// The beacon's `recorded_at`: nobody knew the challenge before.
    pub issued_at: i64,
    /// `issued_at + T + grace`: an answer counts if `threshold` oracles received it before.
    pub deadline: i64,
    pub size: KernelSize,
}

/// `H("GMCHAL-ID" ‖ deployment ‖ node ‖ epoch ‖ index u16 ‖ slot ‖ hash)`.
pub fn challenge_id(
    deployment: &[u8; 32],
    node: &[u8; 32],
    epoch: u64,
    index: u16,
    beacon: &Beacon,
) -> Hash32 {
    h(&[
        CHALLENGE_ID_DOMAIN,
        deployment,
        node,
        &epoch.to_le_bytes(),
        &index.to_le_bytes(),
        &beacon.slot.to_le_bytes(),
        &beacon.hash,
    ])
}

/// Group of beacon `i`: `⌊i·R/N⌋` (beacons split into `R` contiguous groups).
fn group(index: usize, rate: usize, n: usize) -> usize {
    index.saturating_mul(rate).checked_div(n).unwrap_or(0)
}

/// The challenges of one node in the epoch of `set`: at most one per group of beacons,
/// exactly one if every beacon of the group was recorded. Within a group, at beacon `i`
/// with `r` beacons of the group left (including `i`), a node not yet challenged in the
/// group is challenged iff `draw(SELECT ‖ deployment ‖ node ‖ epoch ‖ i ‖ hash_i) mod r = 0`
/// — a uniform position, decided by beacon `i` alone. No compute capacity: no challenge.
pub fn schedule(
    deployment: &[u8; 32],
    set: &BeaconSet,
    node: &[u8; 32],
    node_id: u64,
    compute_units_per_hour: u64,
) -> Vec<Challenge> {
    let params = set.params();
    let n = usize::from(params.beacons_per_epoch).min(MAX_BEACONS);
    let rate = usize::from(params.challenges_per_epoch);
    let mut out = Vec::new();
    if rate == 0 || compute_units_per_hour == 0 {
        return out;
    }
    let size = size_for(compute_units_per_hour, params.target_seconds);
    let mut chosen_group = None;
    for (i, beacon) in set.beacons.iter().enumerate().take(n) {
        let g = group(i, rate, n);
        let left = (i..n).take_while(|&j| group(j, rate, n) == g).count() as u64;
        if chosen_group == Some(g) || !beacon.is_recorded() {
            continue;
        }
        let index = u16::try_from(i).unwrap_or(u16::MAX);
        let x = draw(&[
            SELECT_DOMAIN,
            deployment,
            node,
            &set.epoch.to_le_bytes(),
            &index.to_le_bytes(),
            &beacon.hash,
        ]);
        if x.checked_rem(left).unwrap_or(0) != 0 {
            continue;
        }
        chosen_group = Some(g);
        out.push(Challenge {
            id: challenge_id(deployment, node, set.epoch, index, beacon),
            node: *node,
            node_id,
            epoch: set.epoch,
            beacon_index: index,
            issued_at: beacon.recorded_at,
            deadline: beacon.recorded_at.saturating_add(params.response_seconds()),
            size,
        });
    }
    out
}
