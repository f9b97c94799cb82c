//! Fraud-proof checks for `report_fraud` (`docs/PROTOCOL.md` §7).
//!
//! Everything here except [`load_signed_reading`] is pure and unit-tested below; the
//! instruction only loads accounts, calls these in order and applies the effects. The rules
//! for what a pair of readings proves live in `gridmint_protocol::fraud`, shared with the
//! oracle.

use anchor_lang::prelude::*;
use gridmint_protocol::ed25519::{self, Ed25519Error};
use gridmint_protocol::fraud::{self as rules, PairError};
use gridmint_protocol::messages::EnergyReading;

use crate::errors::NodeStakingError;
use crate::state::{DeviceBinding, FraudKind, Node};

/// A decoded energy reading and the key whose signature the precompile verified over it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedReading {
    pub signer: Pubkey,
    pub reading: EnergyReading,
}

/// Reads the Ed25519 precompile instruction at `index` of this transaction through the
/// instructions sysvar and returns the reading it verified.
///
/// The precompile has already verified the signature by the time any program runs (a bad
/// signature fails the whole transaction); this checks that the instruction *is* the
/// precompile and that the verified data is entirely its own (see [`signed_reading_from`]).
pub fn load_signed_reading(instructions: &AccountInfo, index: u16) -> Result<SignedReading> {
    let ix =
        solana_instructions_sysvar::load_instruction_at_checked(usize::from(index), instructions)
            .map_err(|_| NodeStakingError::Ed25519InstructionMissing)?;
    require_keys_eq!(
        ix.program_id,
        solana_sdk_ids::ed25519_program::ID,
        NodeStakingError::NotEd25519Instruction
    );
    signed_reading_from(&ix.data)
}

/// Parses Ed25519 precompile instruction data that must carry exactly one signature with the
/// public key, signature and message all inside the instruction itself, and decodes the
/// message as an [`EnergyReading`].
pub fn signed_reading_from(data: &[u8]) -> Result<SignedReading> {
    let payload = ed25519::parse_single(data).map_err(|e| match e {
        Ed25519Error::NotOneSignature => NodeStakingError::Ed25519NotOneSignature,
        Ed25519Error::ForeignInstructionIndex => NodeStakingError::Ed25519OffsetsNotSelf,
        Ed25519Error::TooShort | Ed25519Error::OffsetOutOfBounds | Ed25519Error::MessageTooLong => {
            NodeStakingError::Ed25519InstructionMalformed
        }
    })?;
    let reading =
        EnergyReading::decode(payload.message).map_err(|_| NodeStakingError::MalformedReading)?;
    Ok(SignedReading { signer: Pubkey::new_from_array(payload.public_key), reading })
}

/// Checks that both readings are attributable to `node`: signed by one key, that key is the
/// one of `binding`, the binding belongs to `node`, the readings name this deployment and
/// node, and the key was bound to the node at each reading's timestamp (a rotated-out key
/// still counts for readings it signed while bound, never for later ones).
pub fn check_attribution(
    config: &Pubkey,
    node_key: &Pubkey,
    node: &Node,
    binding: &DeviceBinding,
    a: &SignedReading,
    b: &SignedReading,
) -> Result<()> {
    require_keys_eq!(a.signer, b.signer, NodeStakingError::SignersDiffer);
    require_keys_eq!(a.signer, binding.device_key, NodeStakingError::DeviceKeyMismatch);
    require!(
        binding.node == *node_key && binding.node_id == node.node_id,
        NodeStakingError::DeviceNotBoundToNode
    );
    for signed in [a, b] {
        let r = &signed.reading;
        require!(r.deployment == config.to_bytes(), NodeStakingError::WrongDeployment);
        require!(r.node_id == node.node_id, NodeStakingError::NodeIdMismatch);
        require!(binding.was_bound_at(r.timestamp), NodeStakingError::ReadingOutsideBinding);
    }
    Ok(())
}

/// Refuses evidence of an incident that was already punished: a pair whose readings are
/// both timestamped before the node's last unjailing (`EvidenceBeforeUnjail`). A pair with
/// one reading at or after it is new evidence.
pub fn check_after_unjail(node: &Node, a: &EnergyReading, b: &EnergyReading) -> Result<()> {
    require!(
        a.timestamp >= node.unjailed_at || b.timestamp >= node.unjailed_at,
        NodeStakingError::EvidenceBeforeUnjail
    );
    Ok(())
}

/// What the canonical pair `(a, b)` proves against `node`, using the most lenient energy
/// capacity in force over the readings' time window.
pub fn classify(node: &Node, a: &EnergyReading, b: &EnergyReading) -> Result<FraudKind> {
    let (from, to) = rules::capacity_window(a, b);
    let max_wp = node.max_capacity_in_force(from, to).energy_wp;
    rules::classify(a, b, max_wp).map(FraudKind::from).map_err(|e| {
        match e {
            PairError::IdenticalReadings => NodeStakingError::IdenticalReadings,
            PairError::NotCanonicalOrder => NodeStakingError::ReadingsOutOfOrder,
            // Unreachable after `check_attribution` (both name this deployment and node).
            PairError::DifferentSubjects => NodeStakingError::NodeIdMismatch,
            PairError::NoFraud => NodeStakingError::NoFraudProven,
        }
        .into()
    })
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::state::node::tests::{cap, node};
    use crate::state::{NodeKind, PendingCapacity};
    use anchor_lang::error::Error;

    const T0: i64 = 1_700_000_000;

    fn code(result: Result<impl core::fmt::Debug>) -> u32 {
        match result {
            Err(Error::AnchorError(e)) => e.error_code_number,
            other => panic!("expected an Anchor error, got {other:?}"),
        }
    }

    fn err(e: NodeStakingError) -> u32 {
        u32::from(e)
    }

    struct Fixture {
        config: Pubkey,
        node_key: Pubkey,
        node: Node,
        binding: DeviceBinding,
    }

    fn fixture() -> Fixture {
        let config = Pubkey::new_unique();
        let node_key = Pubkey::new_unique();
        let mut n = node(NodeKind::Energy, cap(5_000, 0));
        n.config = config;
        n.node_id = 7;
        let binding = DeviceBinding {
            config,
            device_key: n.device_key,
            node: node_key,
            node_id: 7,
            bound_at: T0 - 1_000,
            unbound_at: None,
            bump: 255,
            reserved: [0; 32],
        };
        Fixture { config, node_key, node: n, binding }
    }

    fn signed(f: &Fixture, sequence: u64, timestamp: i64, produced_wh: u64) -> SignedReading {
        SignedReading {
            signer: f.binding.device_key,
            reading: EnergyReading {
                deployment: f.config.to_bytes(),
                node_id: f.node.node_id,
                sequence,
                timestamp,
                produced_wh,
                consumed_wh: 0,
            },
        }
    }

    fn attribute(f: &Fixture, a: &SignedReading, b: &SignedReading) -> Result<()> {
        check_attribution(&f.config, &f.node_key, &f.node, &f.binding, a, b)
    }

    #[test]
    fn parses_a_self_contained_precompile_instruction() {
        let f = fixture();
        let s = signed(&f, 1, T0, 10);
        let data = ed25519::instruction_data(&s.signer.to_bytes(), &[1; 64], &s.reading.encode())
            .expect("fits");
        assert_eq!(signed_reading_from(&data).expect("parses"), s);
    }

    #[test]
    fn parse_errors_map_to_their_own_codes() {
        let f = fixture();
        let s = signed(&f, 1, T0, 10);
        let good = ed25519::instruction_data(&s.signer.to_bytes(), &[1; 64], &s.reading.encode())
            .expect("fits");
        let mut two = good.clone();
        two[0] = 2;
        assert_eq!(code(signed_reading_from(&two)), err(NodeStakingError::Ed25519NotOneSignature));
        let mut foreign = good.clone();
        foreign[14..16].copy_from_slice(&0u16.to_le_bytes());
        assert_eq!(
            code(signed_reading_from(&foreign)),
            err(NodeStakingError::Ed25519OffsetsNotSelf)
        );
        assert_eq!(
            code(signed_reading_from(&good[..10])),
            err(NodeStakingError::Ed25519InstructionMalformed)
        );
        let not_a_reading =
            ed25519::instruction_data(&s.signer.to_bytes(), &[1; 64], b"hello").expect("fits");
        assert_eq!(
            code(signed_reading_from(&not_a_reading)),
            err(NodeStakingError::MalformedReading)
        );
    }

    #[test]
    fn attribution_accepts_the_bound_key() {
        let f = fixture();
        assert!(attribute(&f, &signed(&f, 1, T0, 10), &signed(&f, 2, T0 + 10, 20)).is_ok());
    }

    #[test]
    fn attribution_refuses_each_mismatch_with_its_own_code() {
        let f = fixture();
        let a = signed(&f, 1, T0, 10);
        let b = signed(&f, 2, T0 + 10, 20);

        let mut other_signer = b;
        other_signer.signer = Pubkey::new_unique();
        assert_eq!(code(attribute(&f, &a, &other_signer)), err(NodeStakingError::SignersDiffer));

        let (mut a2, mut b2) = (a, b);
        a2.signer = Pubkey::new_unique();
        b2.signer = a2.signer;
        assert_eq!(code(attribute(&f, &a2, &b2)), err(NodeStakingError::DeviceKeyMismatch));

        let mut g = fixture();
        g.binding.node = Pubkey::new_unique();
        let (ga, gb) = (signed(&g, 1, T0, 10), signed(&g, 2, T0 + 10, 20));
        assert_eq!(code(attribute(&g, &ga, &gb)), err(NodeStakingError::DeviceNotBoundToNode));
        let mut g = fixture();
        g.binding.node_id = 8;
        let (ga, gb) = (signed(&g, 1, T0, 10), signed(&g, 2, T0 + 10, 20));
        assert_eq!(code(attribute(&g, &ga, &gb)), err(NodeStakingError::DeviceNotBoundToNode));

        let mut elsewhere = b;
        elsewhere.reading.deployment = [9; 32];
        assert_eq!(code(attribute(&f, &a, &elsewhere)), err(NodeStakingError::WrongDeployment));

        let mut other_node = a;
        other_node.reading.node_id = 8;
        assert_eq!(code(attribute(&f, &other_node, &b)), err(NodeStakingError::NodeIdMismatch));

        let early = signed(&f, 1, T0 - 1_001, 10);
        assert_eq!(code(attribute(&f, &early, &b)), err(NodeStakingError::ReadingOutsideBinding));
    }

    #[test]
    fn rotated_out_key_counts_only_before_its_rotation() {
        let mut f = fixture();
        f.binding.unbound_at = Some(T0 + 100);
        let a = signed(&f, 1, T0, 10);
        assert!(attribute(&f, &a, &signed(&f, 2, T0 + 99, 20)).is_ok());
        assert_eq!(
            code(attribute(&f, &a, &signed(&f, 2, T0 + 100, 20))),
            err(NodeStakingError::ReadingOutsideBinding)
        );
    }

    #[test]
    fn classify_maps_every_outcome() {
        let f = fixture();
        let r = |seq, ts, wh| signed(&f, seq, ts, wh).reading;
        assert_eq!(
            classify(&f.node, &r(1, T0, 10), &r(2, T0, 9)).ok(),
            Some(FraudKind::CounterRegression)
        );
        // 5 kWp over one hour allows 5593 Wh.
        assert_eq!(
            classify(&f.node, &r(1, T0, 0), &r(2, T0 + 3_600, 5_594)).ok(),
            Some(FraudKind::CapacityViolation)
        );
        assert_eq!(
            code(classify(&f.node, &r(1, T0, 0), &r(2, T0 + 3_600, 5_593))),
            err(NodeStakingError::NoFraudProven)
        );
        assert_eq!(
            code(classify(&f.node, &r(1, T0, 0), &r(1, T0, 0))),
            err(NodeStakingError::IdenticalReadings)
        );
        assert_eq!(
            code(classify(&f.node, &r(2, T0, 9), &r(1, T0, 10))),
            err(NodeStakingError::ReadingsOutOfOrder)
        );
        let (x, y) = (r(3, T0, 10), r(3, T0, 11));
        let (first, second) = if x.encode() < y.encode() { (x, y) } else { (y, x) };
        assert_eq!(classify(&f.node, &first, &second).ok(), Some(FraudKind::Equivocation));
    }

    #[test]
    fn capacity_uses_the_most_lenient_capacity_in_the_window() {
        // The node ran at 20 kWp until T0 + 1000, then lowered to 5 kWp.
        let mut f = fixture();
        f.node.capacity_peak = cap(20_000, 0);
        f.node.capacity_lowered_at = T0 + 1_000;
        let r = |seq, ts, wh| signed(&f, seq, ts, wh).reading;
        // Over an hour straddling the decrease, 20 kWp applies: 15 kWh is not fraud.
        assert_eq!(
            code(classify(&f.node, &r(1, T0, 0), &r(2, T0 + 3_600, 15_000))),
            err(NodeStakingError::NoFraudProven)
        );
        // Entirely after the decrease (beyond the skew), 5 kWp applies.
        assert_eq!(
            classify(&f.node, &r(1, T0 + 1_100, 0), &r(2, T0 + 4_700, 15_000)).ok(),
            Some(FraudKind::CapacityViolation)
        );
        // A scheduled increase effective within the window counts too.
        let mut g = fixture();
        g.node.set_pending_capacity(Some(PendingCapacity {
            capacity: cap(20_000, 0),
            effective_at: T0 + 3_000,
        }));
        let r = |seq, ts, wh| signed(&g, seq, ts, wh).reading;
        assert_eq!(
            code(classify(&g.node, &r(1, T0, 0), &r(2, T0 + 3_600, 15_000))),
            err(NodeStakingError::NoFraudProven)
        );
    }

    #[test]
    fn evidence_entirely_before_the_last_unjail_is_refused() {
        let mut f = fixture();
        f.node.unjailed_at = T0 + 100;
        let r = |seq, ts| signed(&f, seq, ts, 10).reading;
        assert_eq!(
            code(check_after_unjail(&f.node, &r(1, T0), &r(2, T0 + 99))),
            err(NodeStakingError::EvidenceBeforeUnjail)
        );
        assert!(check_after_unjail(&f.node, &r(1, T0), &r(2, T0 + 100)).is_ok());
        assert!(check_after_unjail(&f.node, &r(1, T0 + 100), &r(2, T0)).is_ok());
        assert!(check_after_unjail(&f.node, &r(1, T0 + 200), &r(2, T0 + 300)).is_ok());
    }
}
