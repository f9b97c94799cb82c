//! Verdicts, tallies and crediting with challenges (PROTOCOL.md §10.7–§10.9).
//!
//! A verdict is a pure function of the *set* of evidence (beacons, answers, attestations,
//! the oracle set and its threshold): oracles that received the same answer at different
//! times and then synced hold the same set, hence reach the same verdicts.

use std::collections::{BTreeMap, BTreeSet};

use crate::challenge::answer::{verify_opening, AnswerFault, ChallengeAnswer, SignedAnswer};
use crate::challenge::attestation::{Attestation, SignedAttestation, NO_ANSWER};
use crate::challenge::beacon::{schedule, BeaconSet, Challenge};
use crate::challenge::ChallengeError;
use crate::crediting::inputs::{Chain, ChallengeTally, EpochInputs};
use crate::crediting::root::inputs_root;
use crate::crediting::{CreditError, EpochCredit, EpochCrediting};
use crate::merkle::Hash32;

/// Evidence of one epoch's challenges, as synced between the oracles (signatures checked
/// at ingest, like readings: [`crate::challenge::signatures`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeEvidence {
    /// The epoch's beacon account.
    pub beacons: BeaconSet,
    /// The oracle keys of the set in force (the rewards config), and its threshold `M`.
    pub oracles: Vec<[u8; 32]>,
    pub threshold: u8,
    pub answers: Vec<SignedAnswer>,
    pub attestations: Vec<SignedAttestation>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FailReason {
    /// No valid answer to the challenge.
    NoAnswer,
    /// The node's keys signed two different answers to it.
    Equivocation,
    /// Fewer than `M` oracles attest receiving the answer before the deadline.
    Late,
    WrongSize,
    BadOpening,
    WrongProduct,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Pass,
    Fail(FailReason),
    /// Fewer than `M` oracles were up: neither passed nor failed.
    Void,
}

/// Why an answer or attestation is not evidence for any challenge of the epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EvidenceReject {
    MalformedMessage,
    WrongDeployment,
    UnknownDeviceKey,
    BindingNodeMismatch,
    UnknownNode,
    /// The device key was not bound when the challenge was issued.
    NotBound,
    /// No challenge of this epoch has this id for this node (e.g. replayed from an older
    /// challenge, or another node's).
    UnknownChallenge,
    /// The attestation's signer is not in the oracle set.
    NotAnOracle,
}

/// One challenge and how it was judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeOutcome {
    pub challenge: Challenge,
    pub verdict: Verdict,
    /// Distinct oracles of the set that attested anything for the challenge.
    pub oracles_up: u32,
    /// Distinct oracles attesting the answer before the deadline (0 without one answer).
    pub oracles_on_time: u32,
    /// Identities of the valid answers and attestations for it: committed by `inputs_root`
    /// when the node is listed.
    pub evidence: Vec<Hash32>,
}

/// Every challenge of the epoch (by node, then beacon), the tallies and the rejects.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EpochChallenges {
    pub outcomes: Vec<ChallengeOutcome>,
    pub tallies: BTreeMap<[u8; 32], ChallengeTally>,
    pub rejected: Vec<(Hash32, EvidenceReject)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JudgeError {
    Credit(CreditError),
    Params(ChallengeError),
    /// The beacon account is not the credited epoch's.
    BeaconEpoch,
}

/// A valid answer to a challenge: identity, decoded message, opening.
pub type AnswerEvidence<'a> = (Hash32, ChallengeAnswer, &'a [u8]);

/// Checks an opening: [`verify_opening`], or an oracle's cache of its results (keyed by
/// challenge id, answer bytes and opening hash) so that the close does not redo the work
/// done at ingest.
pub type Verifier<'v> =
    dyn FnMut(&Challenge, &ChallengeAnswer, &[u8]) -> Result<(), AnswerFault> + 'v;

/// The verdict of one challenge (§10.7), from its valid answers and its attestations by
/// oracles of the set. Checked in order: void, no answer, equivocation, late, opening.
pub fn judge_challenge(
    challenge: &Challenge,
    answers: &[AnswerEvidence<'_>],
    attestations: &[([u8; 32], Attestation)],
    threshold: u8,
    verify: &mut Verifier<'_>,
) -> (Verdict, u32, u32) {
    let m = usize::from(threshold.max(1));
    let up: BTreeSet<&[u8; 32]> = attestations
        .iter()
        .filter(|(_, a)| a.challenge_id == challenge.id)
        .map(|(k, _)| k)
        .collect();
    let up_count = u32::try_from(up.len()).unwrap_or(u32::MAX);
    if up.len() < m {
        return (Verdict::Void, up_count, 0);
    }
    let messages: BTreeSet<[u8; ChallengeAnswer::LEN]> =
        answers.iter().map(|(_, a, _)| a.encode()).collect();
    let Some(message) = messages.first() else {
        return (Verdict::Fail(FailReason::NoAnswer), up_count, 0);
    };
    if messages.len() > 1 {
        return (Verdict::Fail(FailReason::Equivocation), up_count, 0);
    }
    // The same bytes under several keys of the node are one answer.
    let ids: BTreeSet<Hash32> = answers.iter().map(|(id, _, _)| *id).collect();
    let on_time: BTreeSet<&[u8; 32]> = attestations
        .iter()
        .filter(|(_, a)| {
            a.challenge_id == challenge.id
                && a.answer_id != NO_ANSWER
                && ids.contains(&a.answer_id)
                && a.received_at < challenge.deadline
        })
        .map(|(k, _)| k)
        .collect();
    let on_time_count = u32::try_from(on_time.len()).unwrap_or(u32::MAX);
    if on_time.len() < m {
        return (Verdict::Fail(FailReason::Late), up_count, on_time_count);
    }
    let Ok(answer) = ChallengeAnswer::decode(message) else {
        return (Verdict::Fail(FailReason::NoAnswer), up_count, on_time_count);
    };
    // Of several openings sent with the answer, any correct one passes; else the first
    // fault in `AnswerFault` order.
    let openings: BTreeSet<&[u8]> = answers.iter().map(|(_, _, o)| *o).collect();
    let mut fault = None;
    for o in openings {
        match verify(challenge, &answer, o) {
            Ok(()) => return (Verdict::Pass, up_count, on_time_count),
            Err(f) => fault = Some(fault.map_or(f, |g: AnswerFault| g.min(f))),
        }
    }
    let reason = match fault {
        Some(AnswerFault::WrongSize) => FailReason::WrongSize,
        Some(AnswerFault::BadOpening) | None => FailReason::BadOpening,
        Some(AnswerFault::WrongProduct) => FailReason::WrongProduct,
    };
    (Verdict::Fail(reason), up_count, on_time_count)
}

/// Every node's challenges of the epoch, judged (§10.2, §10.7, §10.8).
pub fn judge_epoch(
    inputs: &EpochInputs,
    evidence: &ChallengeEvidence,
) -> Result<EpochChallenges, JudgeError> {
    judge_epoch_with(inputs, evidence, &mut verify_opening)
}

/// [`judge_epoch`] with the oracle's opening checker (same results as [`verify_opening`]).
pub fn judge_epoch_with(
    inputs: &EpochInputs,
    evidence: &ChallengeEvidence,
    verify: &mut Verifier<'_>,
) -> Result<EpochChallenges, JudgeError> {
    let chain = Chain::new(inputs).map_err(JudgeError::Credit)?;
    if evidence.beacons.epoch != inputs.epoch {
        return Err(JudgeError::BeaconEpoch);
    }
    evidence.beacons.params().validate(inputs.clock.epoch_seconds).map_err(JudgeError::Params)?;
    let deployment = &inputs.deployment;
    // The schedule of every node with compute capacity, by challenge id.
    let mut challenges: BTreeMap<Hash32, Challenge> = BTreeMap::new();
    for node in chain.nodes.values() {
        let cap = node.view.capacity.compute_units_per_hour;
        for c in schedule(deployment, &evidence.beacons, &node.node, node.node_id, cap) {
            challenges.insert(c.id, c);
        }
    }
    let mut rejected = Vec::new();
    let mut answers: BTreeMap<Hash32, Vec<AnswerEvidence<'_>>> = BTreeMap::new();
    let mut sorted: Vec<&SignedAnswer> = evidence.answers.iter().collect();
    sorted.sort();
    sorted.dedup();
    for signed in sorted {
        let id = signed.identity();
        match match_answer(&chain, &challenges, signed) {
            Ok(a) => answers.entry(a.challenge_id).or_default().push((id, a, &signed.opening)),
            Err(r) => rejected.push((id, r)),
        }
    }
    let oracles: BTreeSet<&[u8; 32]> = evidence.oracles.iter().collect();
    let mut attestations: BTreeMap<Hash32, Vec<(Hash32, [u8; 32], Attestation)>> = BTreeMap::new();
    for signed in &evidence.attestations {
        let id = signed.identity();
        let checked = Attestation::decode(&signed.message)
            .map_err(|_| EvidenceReject::MalformedMessage)
            .and_then(|a| {
                if a.deployment != *deployment {
                    Err(EvidenceReject::WrongDeployment)
                } else if !oracles.contains(&signed.oracle_key) {
                    Err(EvidenceReject::NotAnOracle)
                } else if a.epoch != inputs.epoch || !challenges.contains_key(&a.challenge_id) {
                    Err(EvidenceReject::UnknownChallenge)
                } else {
                    Ok(a)
                }
            });
        match checked {
            Ok(a) => {
                attestations.entry(a.challenge_id).or_default().push((id, signed.oracle_key, a))
            }
            Err(r) => rejected.push((id, r)),
        }
    }
    let mut out = EpochChallenges::default();
    let mut ordered: Vec<&Challenge> = challenges.values().collect();
    ordered.sort_by_key(|c| (c.node, c.beacon_index));
    for c in ordered {
        let ans = answers.get(&c.id).map(Vec::as_slice).unwrap_or(&[]);
        let att: Vec<([u8; 32], Attestation)> = attestations
            .get(&c.id)
            .map(|v| v.iter().map(|(_, k, a)| (*k, *a)).collect())
            .unwrap_or_default();
        let (verdict, up, on_time) = judge_challenge(c, ans, &att, evidence.threshold, verify);
        let mut ids: Vec<Hash32> = ans.iter().map(|(id, _, _)| *id).collect();
        ids.extend(attestations.get(&c.id).into_iter().flatten().map(|(id, _, _)| *id));
        ids.sort_unstable();
        ids.dedup();
        let t = out.tallies.entry(c.node).or_default();
        t.issued = t.issued.saturating_add(1);
        match verdict {
            Verdict::Pass => t.passed = t.passed.saturating_add(1),
            Verdict::Void => t.void = t.void.saturating_add(1),
            Verdict::Fail(_) => {}
        }
        out.outcomes.push(ChallengeOutcome {
            challenge: *c,
            verdict,
            oracles_up: up,
            oracles_on_time: on_time,
            evidence: ids,
        });
    }
    rejected.sort();
    rejected.dedup();
    out.rejected = rejected;
    Ok(out)
}

/// An answer's checks against the chain and the schedule (§10.5).
fn match_answer(
    chain: &Chain<'_>,
    challenges: &BTreeMap<Hash32, Challenge>,
    signed: &SignedAnswer,
) -> Result<ChallengeAnswer, EvidenceReject> {
    let a =
        ChallengeAnswer::decode(&signed.message).map_err(|_| EvidenceReject::MalformedMessage)?;
    if a.deployment != chain.inputs.deployment {
        return Err(EvidenceReject::WrongDeployment);
    }
    let binding =
        *chain.bindings.get(&signed.device_key).ok_or(EvidenceReject::UnknownDeviceKey)?;
    if binding.node_id != a.node_id {
        return Err(EvidenceReject::BindingNodeMismatch);
    }
    let node = chain
        .nodes
        .get(&binding.node)
        .filter(|n| n.node_id == a.node_id)
        .ok_or(EvidenceReject::UnknownNode)?;
    let c = challenges
        .get(&a.challenge_id)
        .filter(|c| c.node == node.node && c.epoch == a.epoch && c.beacon_index == a.beacon_index)
        .ok_or(EvidenceReject::UnknownChallenge)?;
    if !binding.was_bound_at(c.issued_at) {
        return Err(EvidenceReject::NotBound);
    }
    Ok(a)
}

/// Crediting with challenges (§10.9): the tallies become the nodes' challenge counts (and
/// scale their work, §9.5), and the evidence of listed nodes joins `inputs_root`.
pub fn credit_epoch_with_challenges(
    inputs: &EpochInputs,
    evidence: &ChallengeEvidence,
) -> Result<(EpochCredit, EpochChallenges), JudgeError> {
    credit_epoch_with_challenges_using(inputs, evidence, &mut verify_opening)
}

/// [`credit_epoch_with_challenges`] with the oracle's opening checker.
pub fn credit_epoch_with_challenges_using(
    inputs: &EpochInputs,
    evidence: &ChallengeEvidence,
    verify: &mut Verifier<'_>,
) -> Result<(EpochCredit, EpochChallenges), JudgeError> {
    credit_epoch_fed_with_challenges(inputs, evidence, verify, |crediting| {
        crediting.add_all(&inputs.readings).map_err(JudgeError::Credit)
    })
}

/// [`credit_epoch_with_challenges_using`] with the readings `feed` gives, key by key (see
/// [`EpochCrediting`]); `inputs.readings` are not read.
pub fn credit_epoch_fed_with_challenges<E: From<JudgeError>>(
    inputs: &EpochInputs,
    evidence: &ChallengeEvidence,
    verify: &mut Verifier<'_>,
    feed: impl FnOnce(&mut EpochCrediting<'_>) -> Result<(), E>,
) -> Result<(EpochCredit, EpochChallenges), E> {
    let judged = judge_epoch_with(inputs, evidence, verify)?;
    // The node inputs with their tallies; the readings are fed, never copied.
    let mut nodes = inputs.nodes.clone();
    for node in &mut nodes {
        node.challenges = judged.tallies.get(&node.node).copied().unwrap_or_default();
    }
    let with = EpochInputs {
        deployment: inputs.deployment,
        clock: inputs.clock,
        epoch: inputs.epoch,
        params: inputs.params,
        stake_decimals: inputs.stake_decimals,
        min_stake: inputs.min_stake,
        nodes,
        bindings: inputs.bindings.clone(),
        requesters: inputs.requesters.clone(),
        readings: Vec::new(),
        receipts: inputs.receipts.clone(),
    };
    let mut crediting = EpochCrediting::new(&with).map_err(JudgeError::Credit)?;
    feed(&mut crediting)?;
    let mut credit = crediting.finish();
    let listed: BTreeSet<[u8; 32]> =
        credit.nodes.iter().filter(|n| n.not_listed.is_none()).map(|n| n.node).collect();
    let before = credit.considered.len();
    for o in judged.outcomes.iter().filter(|o| listed.contains(&o.challenge.node)) {
        credit.considered.extend_from_slice(&o.evidence);
    }
    if credit.considered.len() != before {
        credit.considered.sort_unstable();
        credit.considered.dedup();
        credit.inputs_root = inputs_root(&credit.considered);
    }
    Ok((credit, judged))
}
