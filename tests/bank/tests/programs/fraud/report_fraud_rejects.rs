//! `report_fraud`: every way a proof is refused, each with its own error (or the precompile's,
//! where the runtime rejects the transaction before the program runs). After each refusal
//! nothing is slashed, jailed or recorded.

use super::prelude::*;
use gridmint_protocol::ed25519::{instruction_data, SignatureOffsets, OFFSETS_LEN};
use gridmint_protocol::messages::WorkReceipt;

/// Index of `report_fraud` in the standard fraud-proof transaction.
const REPORT_IX: u8 = 2;

/// Asserts that instruction `index` failed with custom error `code`.
#[track_caller]
fn assert_error_at(result: Result<(), TransactionError>, index: u8, code: impl Into<u32>) {
    let code = code.into();
    assert_eq!(
        result,
        Err(TransactionError::InstructionError(index, InstructionError::Custom(code)))
    );
}

/// `report_fraud` for the pair as given, with custom instruction indices.
fn report_ix(
    w: &World,
    first: &SignedReading,
    second: &SignedReading,
    first_ix: u16,
    second_ix: u16,
) -> Ix {
    fraud_sdk::report_fraud(
        &w.reporter.pubkey(),
        w.node.node_id,
        &fraud_tokens(&w.s, &w.reporter.token),
        first,
        second,
        fraud_sdk::ReportFraudArgs { first_ix, second_ix },
    )
}

fn ed25519_ix(data: Vec<u8>) -> Ix {
    Ix { program_id: solana_sdk_ids::ed25519_program::ID, accounts: vec![], data }
}

#[tokio::test]
async fn forged_signature_fails_at_the_precompile() {
    // Given a regression pair whose second signature has one bit flipped
    let mut w = World::new(NodeKind::Energy).await;
    let (x, mut y) = w.regression();
    y.signature[10] ^= 1;

    // When reported
    let result = w.report(&x, &y).await;

    // Then the Ed25519 precompile (instruction 1) rejects the transaction with
    // InvalidSignature (2) before report_fraud runs
    assert_eq!(result, Err(TransactionError::InstructionError(1, InstructionError::Custom(2))));
    w.assert_untouched(&x, &y).await;
}

#[tokio::test]
async fn forged_message_fails_at_the_precompile() {
    // Given a genuine signature attached to a reading the device never signed
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = w.regression();
    let forged = SignedReading { reading: w.reading(3, 180, 1), ..y };

    // When reported / Then the precompile rejects it
    let result = w.report(&x, &forged).await;
    assert_eq!(result, Err(TransactionError::InstructionError(1, InstructionError::Custom(2))));
    w.assert_untouched(&x, &forged).await;
}

#[tokio::test]
async fn readings_signed_by_another_key_fail() {
    // Given a regression pair signed by a stranger's key instead of the device's
    let mut w = World::new(NodeKind::Energy).await;
    let stranger = Keypair::new();
    let x = sign(&stranger, w.reading(1, 60, 500));
    let y = sign(&stranger, w.reading(2, 120, 499));

    // When reported with the stranger's (nonexistent) binding
    let result = w.report(&x, &y).await;
    // Then there is no such binding
    assert_error_at(result, REPORT_IX, ErrorCode::AccountNotInitialized as u32);

    // When reported with the node's real binding
    let mut ixs = w.ixs(&x, &y);
    let stranger_binding = sdk::device_binding_pda(&w.s.config, &stranger.pubkey()).0;
    let real_binding = sdk::device_binding_pda(&w.s.config, &w.node.device.pubkey()).0;
    replace_account(&mut ixs[2], &stranger_binding, real_binding);
    // Then the signer is not the bound key
    assert_error_at(w.send(&ixs).await, REPORT_IX, E::DeviceKeyMismatch);
    w.assert_untouched(&x, &y).await;
}

#[tokio::test]
async fn readings_signed_by_two_different_keys_fail() {
    // Given one reading by the device and a conflicting one by a stranger
    let mut w = World::new(NodeKind::Energy).await;
    let x = w.signed(1, 60, 500);
    let y = sign(&Keypair::new(), w.reading(2, 120, 499));

    // When reported / Then the pair is not from one key
    assert_error_at(w.report(&x, &y).await, REPORT_IX, E::SignersDiffer);
    w.assert_untouched(&x, &y).await;
}

#[tokio::test]
async fn offsets_pointing_at_another_instruction_fail() {
    // Given a genuine reading y in its own Ed25519 instruction (index 1), and an Ed25519
    // instruction at index 0 that carries a forged reading but whose message offsets point
    // into instruction 1, so the precompile verifies y's bytes, not the forged ones
    let mut w = World::new(NodeKind::Energy).await;
    let y = w.signed(2, 120, 499);
    let forged = w.reading(1, 60, 500);
    let mut data =
        instruction_data(&y.device_key.to_bytes(), &y.signature, &forged.encode()).expect("fits");
    data[14..16].copy_from_slice(&1u16.to_le_bytes()); // message_instruction_index = 1
    let x = SignedReading { reading: forged, ..y };
    let ixs = [ed25519_ix(data), y.ed25519_instruction(), report_ix(&w, &x, &y, 0, 1)];

    // When sent
    let result = w.send(&ixs).await;

    // Then the precompile accepts it but report_fraud refuses offsets outside instruction 0
    assert_error_at(result, REPORT_IX, E::Ed25519OffsetsNotSelf);
    w.assert_untouched(&x, &y).await;
}

#[tokio::test]
async fn two_signatures_in_one_ed25519_instruction_fail() {
    // Given an Ed25519 instruction with two (valid) signature entries over the same reading
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = w.regression();
    let header = 2 + 2 * OFFSETS_LEN; // 30
    let offsets = SignatureOffsets {
        signature_offset: (header + 32) as u16,
        signature_instruction_index: u16::MAX,
        public_key_offset: header as u16,
        public_key_instruction_index: u16::MAX,
        message_data_offset: (header + 96) as u16,
        message_data_size: EnergyReading::LEN as u16,
        message_instruction_index: u16::MAX,
    };
    let mut data = vec![2u8, 0];
    data.extend_from_slice(&offsets.to_bytes());
    data.extend_from_slice(&offsets.to_bytes());
    data.extend_from_slice(&x.device_key.to_bytes());
    data.extend_from_slice(&x.signature);
    data.extend_from_slice(&x.reading.encode());
    let ixs = [ed25519_ix(data), y.ed25519_instruction(), report_ix(&w, &x, &y, 0, 1)];

    // When sent / Then exactly one signature per instruction is required
    assert_error_at(w.send(&ixs).await, REPORT_IX, E::Ed25519NotOneSignature);
    w.assert_untouched(&x, &y).await;
}

#[tokio::test]
async fn index_of_a_non_ed25519_instruction_fails() {
    // Given args that point the first reading at report_fraud itself (index 2)
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = w.regression();
    let ixs = [x.ed25519_instruction(), y.ed25519_instruction(), report_ix(&w, &x, &y, 2, 1)];

    // When sent / Then it is not the precompile
    assert_error_at(w.send(&ixs).await, REPORT_IX, E::NotEd25519Instruction);
    w.assert_untouched(&x, &y).await;
}

#[tokio::test]
async fn index_past_the_last_instruction_fails() {
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = w.regression();
    // Given args that point the second reading at index 3 of a 3-instruction transaction
    let ixs = [x.ed25519_instruction(), y.ed25519_instruction(), report_ix(&w, &x, &y, 0, 3)];
    // When sent / Then there is no such instruction
    assert_error_at(w.send(&ixs).await, REPORT_IX, E::Ed25519InstructionMissing);
    w.assert_untouched(&x, &y).await;
}

#[tokio::test]
async fn signed_message_that_is_not_a_reading_fails() {
    // Given a work receipt signed by the device, passed as the first "reading"
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = w.regression();
    let receipt = WorkReceipt {
        deployment: w.s.config.to_bytes(),
        node_id: w.node.node_id,
        job_id: 1,
        requester: [7; 32],
        work_units: 10,
        started_at: w.t0,
        finished_at: w.t0 + 10,
        output_hash: [1; 32],
    }
    .encode();
    let signature: [u8; 64] =
        w.node.device.sign_message(&receipt).as_ref().try_into().expect("64 bytes");
    let data = instruction_data(&x.device_key.to_bytes(), &signature, &receipt).expect("fits");
    let ixs = [ed25519_ix(data), y.ed25519_instruction(), report_ix(&w, &x, &y, 0, 1)];

    // When sent / Then the message does not decode as a reading
    assert_error_at(w.send(&ixs).await, REPORT_IX, E::MalformedReading);
    w.assert_untouched(&x, &y).await;
}

#[tokio::test]
async fn two_identical_readings_fail() {
    // Given the same signed reading twice
    let mut w = World::new(NodeKind::Energy).await;
    let x = w.signed(1, 60, 500);

    // When reported as a pair / Then identical readings prove nothing
    assert_error_at(w.report(&x, &x).await, REPORT_IX, E::IdenticalReadings);
    // And so does pointing both indices at one instruction
    let ixs = [x.ed25519_instruction(), report_ix(&w, &x, &x, 0, 0)];
    assert_error_at(w.send(&ixs).await, 1, E::IdenticalReadings);
    w.assert_untouched(&x, &x).await;
}

#[tokio::test]
async fn swapped_pair_replay_fails() {
    // Given a regression pair that has already been reported in canonical order
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = w.regression();
    w.report(&x, &y).await.expect("first report");
    let balances = w.balances().await;

    // When the same pair is replayed swapped
    let ixs = report_ixs_as_given(&w.s, &w.reporter, w.node.node_id, &y, &x);
    let result = w.send(&ixs).await;

    // Then only the canonical order is accepted, and nothing more is paid
    assert_error_at(result, REPORT_IX, E::ReadingsOutOfOrder);
    assert_eq!(w.balances().await, balances);
    // And the canonical evidence hash would have collided anyway
    assert_eq!(fraud_sdk::pair_hash(&x, &y), fraud_sdk::pair_hash(&y, &x));
}

#[tokio::test]
async fn swapped_equivocation_pair_fails() {
    // Given an equivocation pair in non-canonical order
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = w.equivocation();
    let (first, second) = fraud_sdk::canonical_pair(&x, &y);
    let ixs = report_ixs_as_given(&w.s, &w.reporter, w.node.node_id, second, first);

    // When sent / Then it is refused
    assert_error_at(w.send(&ixs).await, REPORT_IX, E::ReadingsOutOfOrder);
    w.assert_untouched(&x, &y).await;
}

#[tokio::test]
async fn readings_from_another_deployment_fail() {
    // Given a regression pair the device signed for another deployment id
    let mut w = World::new(NodeKind::Energy).await;
    let other = Pubkey::new_unique().to_bytes();
    let (mut a, mut b) = (w.reading(1, 60, 500), w.reading(2, 120, 499));
    a.deployment = other;
    b.deployment = other;
    let (x, y) = (sign(&w.node.device, a), sign(&w.node.device, b));

    // When reported here / Then the signatures are useless on this deployment
    assert_error_at(w.report(&x, &y).await, REPORT_IX, E::WrongDeployment);
    w.assert_untouched(&x, &y).await;
}

#[tokio::test]
async fn readings_naming_another_node_fail() {
    // Given readings the device signed under another node id
    let mut w = World::new(NodeKind::Energy).await;
    let (mut a, mut b) = (w.reading(1, 60, 500), w.reading(2, 120, 499));
    a.node_id += 1;
    b.node_id += 1;
    let (x, y) = (sign(&w.node.device, a), sign(&w.node.device, b));

    // When reported against the device's node / Then the node id does not match
    assert_error_at(w.report(&x, &y).await, REPORT_IX, E::NodeIdMismatch);
    w.assert_untouched(&x, &y).await;
}

#[tokio::test]
async fn node_already_jailed_fails() {
    // Given a node jailed by the slash authority
    let mut w = World::new(NodeKind::Energy).await;
    let ix = sdk::slash(&w.s.slash_authority.pubkey(), w.node.node_id, &w.s.slash_tokens(), 100, 1);
    w.env.send(&[ix], &[&w.s.slash_authority]).await.expect("slash");

    // When new evidence is reported
    let (x, y) = w.regression();
    let result = w.report(&x, &y).await;

    // Then a jailed node is not slashed again
    assert_error_at(result, REPORT_IX, E::NodeJailed);
    assert_eq!(w.node_state().await.active_stake, STAKE - 100);
    assert!(w.env.account(&evidence_address(&w.s, &x, &y)).await.is_none());
}

#[tokio::test]
async fn evidence_reused_fails() {
    // Given evidence that was used, and the node unjailed by the authority afterwards
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = w.equivocation();
    w.report(&x, &y).await.expect("first report");
    let ix = sdk::unjail(&w.s.authority.pubkey(), w.node.node_id);
    w.env.send(&[ix], &[&w.s.authority]).await.expect("unjail");
    let balances = w.balances().await;

    // When the same evidence is reported again
    let result = w.report(&x, &y).await;

    // Then it is refused and nothing more is slashed
    assert_error_at(result, REPORT_IX, E::EvidenceAlreadyUsed);
    assert_eq!(w.balances().await, balances);
    assert!(!w.node_state().await.jailed);
}

#[tokio::test]
async fn key_bound_to_another_node_fails() {
    // Given a second node, whose device signs readings naming the first node
    let mut w = World::new(NodeKind::Energy).await;
    let other = w.s.register(&mut w.env, &w.op, NodeKind::Energy, STAKE).await;
    let x = sign(&other.device, w.reading(1, 60, 500));
    let y = sign(&other.device, w.reading(2, 120, 499));

    // When reported against the first node (with the second device's binding)
    let result = w.report(&x, &y).await;

    // Then that key is not the first node's
    assert_error_at(result, REPORT_IX, E::DeviceNotBoundToNode);
    w.assert_untouched(&x, &y).await;
    assert!(!w.s.node_state(&mut w.env, other.node_id).await.jailed);
}

#[tokio::test]
async fn readings_by_rotated_out_key_after_rotation_fail() {
    // Given a device key rotated out one hour after binding
    let mut w = World::new(NodeKind::Energy).await;
    w.env.warp_seconds(3_600).await;
    let new_device = Keypair::new();
    let ix = sdk::rotate_device_key(
        &w.op.pubkey(),
        w.node.node_id,
        &w.node.device.pubkey(),
        &new_device.pubkey(),
    );
    w.env.send(&[ix], &[&w.op.keypair, &new_device]).await.expect("rotate");
    let unbound_at =
        w.s.binding_state(&mut w.env, &w.node.device.pubkey()).await.unbound_at.expect("unbound");
    let after = unbound_at - w.t0;

    // When the old key's readings timestamped at and after the rotation are reported
    let (x, y) = (w.signed(1, after, 500), w.signed(2, after + 60, 499));
    let result = w.report(&x, &y).await;

    // Then they are not attributable to the node
    assert_error_at(result, REPORT_IX, E::ReadingOutsideBinding);
    w.assert_untouched(&x, &y).await;

    // And one reading before and one after the rotation is refused too
    let (x, y) = (w.signed(1, after - 1, 500), w.signed(2, after, 499));
    assert_error_at(w.report(&x, &y).await, REPORT_IX, E::ReadingOutsideBinding);
}

#[tokio::test]
async fn readings_before_the_binding_fail() {
    // Given readings timestamped before the key was bound
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = (w.signed(1, -120, 500), w.signed(2, -60, 499));
    // When reported / Then they are not attributable
    assert_error_at(w.report(&x, &y).await, REPORT_IX, E::ReadingOutsideBinding);
    w.assert_untouched(&x, &y).await;
}

#[tokio::test]
async fn consistent_readings_prove_nothing() {
    // Given readings within capacity: 5,593 Wh in an hour is exactly the allowance
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = (w.signed(1, 0, 1_000), w.signed(2, 3_600, 1_000 + 5_593));
    // When reported / Then nothing is proven
    assert_error_at(w.report(&x, &y).await, REPORT_IX, E::NoFraudProven);
    w.assert_untouched(&x, &y).await;
    // And the same holds at zero elapsed time (93 Wh of slack)
    let (x, y) = (w.signed(3, 10, 0), w.signed(4, 10, 93));
    assert_error_at(w.report(&x, &y).await, REPORT_IX, E::NoFraudProven);
}

#[tokio::test]
async fn evidence_account_of_another_pair_fails() {
    // Given the evidence address of a different pair
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = w.regression();
    let (p, q) = w.equivocation();
    let mut ixs = w.ixs(&x, &y);
    replace_account(&mut ixs[2], &evidence_address(&w.s, &x, &y), evidence_address(&w.s, &p, &q));

    // When sent / Then the evidence account does not match the readings
    assert_error_at(w.send(&ixs).await, REPORT_IX, E::EvidenceAccountMismatch);
    w.assert_untouched(&x, &y).await;
}

#[tokio::test]
async fn bounty_to_someone_elses_token_account_fails() {
    // Given the operator's token account in place of the reporter's
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = w.regression();
    let mut ixs = w.ixs(&x, &y);
    let reporter_token = w.reporter.token;
    replace_account(&mut ixs[2], &reporter_token, w.op.token);
    // When sent / Then the bounty account must belong to the reporter
    assert_error_at(w.send(&ixs).await, REPORT_IX, ErrorCode::ConstraintTokenOwner as u32);
    w.assert_untouched(&x, &y).await;
}

#[tokio::test]
async fn other_treasury_fails() {
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = w.regression();
    let pocket =
        w.env.create_token_account(&w.s.stake_mint, &w.reporter.pubkey(), &w.s.token_program).await;
    let mut ixs = w.ixs(&x, &y);
    let treasury = w.s.treasury;
    replace_account(&mut ixs[2], &treasury, pocket);
    assert_error_at(w.send(&ixs).await, REPORT_IX, ErrorCode::ConstraintHasOne as u32);
    w.assert_untouched(&x, &y).await;
}

#[tokio::test]
async fn fake_instructions_sysvar_fails() {
    // Given an account that only pretends to be the instructions sysvar
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = w.regression();
    let mut ixs = w.ixs(&x, &y);
    replace_account(&mut ixs[2], &solana_sdk_ids::sysvar::instructions::ID, Pubkey::new_unique());
    // When sent / Then its address is checked
    assert_error_at(w.send(&ixs).await, REPORT_IX, ErrorCode::ConstraintAddress as u32);
    w.assert_untouched(&x, &y).await;
}

#[tokio::test]
async fn fake_device_binding_fails() {
    // Given a copy of the device binding at an address that is not its PDA
    let mut w = World::new(NodeKind::Energy).await;
    let (x, y) = w.regression();
    let real = sdk::device_binding_pda(&w.s.config, &w.node.device.pubkey()).0;
    let binding = w.s.binding_state(&mut w.env, &w.node.device.pubkey()).await;
    let fake = Pubkey::new_unique();
    w.env.set_anchor_account(&fake, &binding, &node_staking::ID).await;
    let mut ixs = w.ixs(&x, &y);
    replace_account(&mut ixs[2], &real, fake);
    // When sent / Then the seeds do not match
    assert_error_at(w.send(&ixs).await, REPORT_IX, ErrorCode::ConstraintSeeds as u32);
    w.assert_untouched(&x, &y).await;
}
