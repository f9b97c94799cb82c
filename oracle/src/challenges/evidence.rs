//! The evidence an epoch's close judges (§10.7, §10.10): the epoch's beacon account, the
//! oracle set in force and its threshold, and every stored answer and attestation of the
//! epoch; and the cache of opening verifications the verdicts use.
//!
//! No beacon account for the epoch: no evidence, and the epoch is credited exactly as
//! before challenges existed (`credit_epoch`).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, OnceLock};

use anchor_lang::prelude::Pubkey;
use gridmint_protocol::challenge::answer::{
    opening_hash, verify_opening, AnswerFault, ChallengeAnswer,
};
use gridmint_protocol::challenge::beacon::Challenge;
use gridmint_protocol::challenge::signatures::{canonical_answers, canonical_attestations};
use gridmint_protocol::challenge::verdict::ChallengeEvidence;
use gridmint_protocol::crediting::{BindingInput, EpochInputs};
use gridmint_protocol::merkle::Hash32;
use gridmint_sdk::chain::{Chain, ChainExt};
use gridmint_sdk::rewards as rw;

use crate::epoch::gather::GatherError;
use crate::store::Store;

/// The oracle keys of the set in force (`keys[..count]`).
pub fn oracle_keys(config: &rw::Config) -> Vec<[u8; 32]> {
    let count = usize::from(config.oracles.count);
    config.oracles.keys.iter().take(count).map(|k| k.to_bytes()).collect()
}

/// The challenge evidence of `epoch`, or `None` when the epoch has no beacon account. The
/// bindings of the answers' device keys join `inputs` (the verdicts look answers' keys up
/// there, and a node may answer without sending readings or receipts).
pub async fn gather(
    chain: &dyn Chain,
    store: &Store,
    config: &rw::Config,
    inputs: &mut EpochInputs,
) -> Result<Option<ChallengeEvidence>, GatherError> {
    let epoch = inputs.epoch;
    let Some(beacons) = chain.beacons(epoch).await?.account else { return Ok(None) };
    let mut answers = store.epoch_answers(epoch).await?;
    let mut attestations = store.epoch_attestations(epoch).await?;
    canonical_answers(&mut answers);
    canonical_attestations(&mut attestations);
    let known: BTreeSet<[u8; 32]> = inputs.bindings.iter().map(|b| b.device_key).collect();
    let missing: BTreeSet<[u8; 32]> =
        answers.iter().map(|a| a.device_key).filter(|k| !known.contains(k)).collect();
    let keys: Vec<Pubkey> = missing.iter().map(|k| Pubkey::new_from_array(*k)).collect();
    if !keys.is_empty() {
        let found = chain.device_bindings(&keys).await?;
        inputs.bindings.extend(found.into_iter().filter_map(|f| f.account).map(|b| BindingInput {
            device_key: b.device_key.to_bytes(),
            node: b.node.to_bytes(),
            node_id: b.node_id,
            bound_at: b.bound_at,
            unbound_at: b.unbound_at,
        }));
        inputs.bindings.sort_by_key(|b| b.device_key);
    }
    Ok(Some(ChallengeEvidence {
        beacons,
        oracles: oracle_keys(config),
        threshold: config.oracles.threshold,
        answers,
        attestations,
    }))
}

/// What one verification depends on: the challenge's seed and size, the answer's bytes and
/// the opening's hash. `verify_opening` is a pure function of these.
type Key = (Hash32, u32, u32, [u8; ChallengeAnswer::LEN], Hash32);

/// Results of `verify_opening`, so that each (challenge, answer, opening) is verified once
/// per process however many closes, recomputations and archive passes judge it (§10.10).
/// A memo of a pure function: sharing it between callers never changes a result.
pub struct OpeningCache {
    results: Mutex<HashMap<Key, Result<(), AnswerFault>>>,
    capacity: usize,
    computed: Mutex<u64>,
}

/// Entries kept before the cache starts over (each is about 300 bytes).
pub const CACHE_CAPACITY: usize = 200_000;

impl OpeningCache {
    pub fn new(capacity: usize) -> Self {
        Self { results: Mutex::new(HashMap::new()), capacity, computed: Mutex::new(0) }
    }

    /// [`verify_opening`], from the cache when this exact check was done before.
    pub fn verify(
        &self,
        challenge: &Challenge,
        answer: &ChallengeAnswer,
        opening: &[u8],
    ) -> Result<(), AnswerFault> {
        let size = challenge.size;
        let key = (challenge.id, size.rows, size.cols, answer.encode(), opening_hash(opening));
        if let Some(done) = self.results.lock().ok().and_then(|m| m.get(&key).copied()) {
            return done;
        }
        let result = verify_opening(challenge, answer, opening);
        if let Ok(mut n) = self.computed.lock() {
            *n = n.saturating_add(1);
        }
        if let Ok(mut m) = self.results.lock() {
            if m.len() >= self.capacity {
                m.clear();
            }
            m.insert(key, result);
        }
        result
    }

    /// How many verifications were actually computed (not served from the cache).
    pub fn computed(&self) -> u64 {
        self.computed.lock().map_or(0, |n| *n)
    }
}

/// [`OpeningCache::verify`] on the process's cache (a `Verifier` for the close).
pub fn cached_verify(
    challenge: &Challenge,
    answer: &ChallengeAnswer,
    opening: &[u8],
) -> Result<(), AnswerFault> {
    openings().verify(challenge, answer, opening)
}

/// The process's cache: closes, explanations and archive passes all judge through it.
pub fn openings() -> &'static OpeningCache {
    static CACHE: OnceLock<OpeningCache> = OnceLock::new();
    CACHE.get_or_init(|| OpeningCache::new(CACHE_CAPACITY))
}

#[cfg(test)]
mod tests {
    use gridmint_protocol::challenge::answer::prove;
    use gridmint_protocol::challenge::matrix::size_for;

    use super::*;

    fn challenge() -> Challenge {
        Challenge {
            id: [0x13; 32],
            node: [1; 32],
            node_id: 1,
            epoch: 0,
            beacon_index: 0,
            issued_at: 10,
            deadline: 40,
            size: size_for(30, 1),
        }
    }

    #[test]
    fn each_verification_is_computed_once_and_served_from_the_cache_after() {
        let cache = OpeningCache::new(8);
        let c = challenge();
        let (answer, opening) = prove(&[9; 32], &c);
        // Given an honest answer, When verified twice, Then it passes and is computed once.
        assert_eq!(cache.verify(&c, &answer, &opening), Ok(()));
        assert_eq!(cache.verify(&c, &answer, &opening), Ok(()));
        assert_eq!(cache.computed(), 1);
        // A wrong product root under the same challenge is another entry, and fails.
        let wrong = ChallengeAnswer { product_root: [7; 32], ..answer };
        let expected = verify_opening(&c, &wrong, &opening);
        assert!(expected.is_err());
        assert_eq!(cache.verify(&c, &wrong, &opening), expected);
        assert_eq!(cache.verify(&c, &wrong, &opening), expected);
        assert_eq!(cache.computed(), 2);
        // The same bytes under another size are verified again (the size is in the key).
        let mut bigger = c;
        bigger.size = size_for(3_600, 1);
        assert_eq!(cache.verify(&bigger, &answer, &opening), Err(AnswerFault::WrongSize));
        assert_eq!(cache.computed(), 3);
    }

    #[test]
    fn a_full_cache_starts_over_and_still_answers_correctly() {
        let cache = OpeningCache::new(1);
        let c = challenge();
        let (answer, opening) = prove(&[9; 32], &c);
        let wrong = ChallengeAnswer { product_root: [7; 32], ..answer };
        assert_eq!(cache.verify(&c, &answer, &opening), Ok(()));
        assert!(cache.verify(&c, &wrong, &opening).is_err());
        assert_eq!(cache.verify(&c, &answer, &opening), Ok(()));
        assert_eq!(cache.computed(), 3);
    }
}
