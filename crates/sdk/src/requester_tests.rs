//! One test per refusal of `cosign_receipt`, asserting the exact error, and the JSON form.

use super::*;

const DEPLOYMENT: [u8; 32] = [3; 32];

fn receipt(requester: &Keypair) -> WorkReceipt {
    WorkReceipt {
        deployment: DEPLOYMENT,
        node_id: 7,
        job_id: 42,
        requester: requester.pubkey().to_bytes(),
        work_units: 12,
        started_at: 1_000,
        finished_at: 1_010,
        output_hash: [9; 32],
    }
}

fn device_signed(device: &Keypair, r: &WorkReceipt) -> SignedReceipt {
    let message = r.encode();
    let mut device_signature = [0u8; 64];
    device_signature.copy_from_slice(device.sign_message(&message).as_ref());
    SignedReceipt {
        device_key: device.pubkey().to_bytes(),
        message,
        device_signature,
        requester_signature: [0; 64],
    }
}

fn expected() -> Expected {
    Expected {
        deployment: Pubkey::from(DEPLOYMENT),
        node_id: Some(7),
        job_id: Some(42),
        output_hash: Some([9; 32]),
    }
}

#[test]
fn cosign_receipt_ok_signs_the_same_bytes() {
    // Given a receipt the device signed for this requester
    let (device, requester) = (Keypair::new(), Keypair::new());
    let signed = device_signed(&device, &receipt(&requester));
    // When the requester co-signs it
    let cosigned = cosign_receipt(&requester, &signed, &expected()).expect("co-signed");
    // Then both signatures verify as the oracle checks them
    assert_eq!(gridmint_protocol::crediting::signatures::verify_receipt(&cosigned), Ok(()));
    assert_eq!(
        (cosigned.message, cosigned.device_signature),
        (signed.message, signed.device_signature)
    );
    let none = Expected { node_id: None, job_id: None, output_hash: None, ..expected() };
    assert!(cosign_receipt(&requester, &signed, &none).is_ok());
}

#[test]
fn cosign_receipt_malformed() {
    let (device, requester) = (Keypair::new(), Keypair::new());
    let mut signed = device_signed(&device, &receipt(&requester));
    signed.message[0] = b'X';
    assert_eq!(
        cosign_receipt(&requester, &signed, &expected()),
        Err(CosignError::Malformed(MessageError::WrongTag))
    );
}

#[test]
fn cosign_receipt_bad_device_signature() {
    let (device, requester) = (Keypair::new(), Keypair::new());
    let mut signed = device_signed(&device, &receipt(&requester));
    signed.device_signature[5] ^= 1;
    assert_eq!(
        cosign_receipt(&requester, &signed, &expected()),
        Err(CosignError::BadDeviceSignature(device.pubkey()))
    );
}

#[test]
fn cosign_receipt_wrong_deployment() {
    let (device, requester) = (Keypair::new(), Keypair::new());
    let r = WorkReceipt { deployment: [4; 32], ..receipt(&requester) };
    let err = cosign_receipt(&requester, &device_signed(&device, &r), &expected());
    assert_eq!(
        err,
        Err(CosignError::WrongDeployment {
            expected: Pubkey::from(DEPLOYMENT),
            found: Pubkey::from([4; 32])
        })
    );
}

#[test]
fn cosign_receipt_not_this_requester() {
    let (device, requester, other) = (Keypair::new(), Keypair::new(), Keypair::new());
    let signed = device_signed(&device, &receipt(&other));
    let err = cosign_receipt(&requester, &signed, &expected()).expect_err("refused");
    assert_eq!(
        err,
        CosignError::NotThisRequester { signer: requester.pubkey(), found: other.pubkey() }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "the receipt names requester {}, not this key {}: sign with -k {}",
            other.pubkey(),
            requester.pubkey(),
            other.pubkey()
        )
    );
}

#[test]
fn cosign_receipt_wrong_node_and_wrong_job() {
    let (device, requester) = (Keypair::new(), Keypair::new());
    let signed = device_signed(&device, &receipt(&requester));
    let e = Expected { node_id: Some(8), ..expected() };
    assert_eq!(
        cosign_receipt(&requester, &signed, &e),
        Err(CosignError::WrongNode { expected: 8, found: 7 })
    );
    let e = Expected { job_id: Some(43), ..expected() };
    assert_eq!(
        cosign_receipt(&requester, &signed, &e),
        Err(CosignError::WrongJob { expected: 43, found: 42 })
    );
}

#[test]
fn cosign_receipt_finished_before_start() {
    let (device, requester) = (Keypair::new(), Keypair::new());
    let r = WorkReceipt { finished_at: 999, ..receipt(&requester) };
    assert_eq!(
        cosign_receipt(&requester, &device_signed(&device, &r), &expected()),
        Err(CosignError::FinishedBeforeStart { started_at: 1_000, finished_at: 999 })
    );
}

#[test]
fn cosign_receipt_output_mismatch() {
    let (device, requester) = (Keypair::new(), Keypair::new());
    let signed = device_signed(&device, &receipt(&requester));
    let e = Expected { output_hash: Some([8; 32]), ..expected() };
    assert_eq!(
        cosign_receipt(&requester, &signed, &e),
        Err(CosignError::OutputMismatch { expected: "08".repeat(32), found: "09".repeat(32) })
    );
}

#[test]
fn receipt_json_round_trips_and_names_the_bad_field() {
    let (device, requester) = (Keypair::new(), Keypair::new());
    let signed = device_signed(&device, &receipt(&requester));
    let json = ReceiptJson::from_receipt(&signed);
    assert_eq!(json.requester_signature, "", "not co-signed yet");
    assert_eq!(json.to_receipt(), Ok(signed));
    let cosigned = cosign_receipt(&requester, &signed, &expected()).expect("co-signed");
    let json = ReceiptJson::from_receipt(&cosigned);
    assert_eq!(json.to_receipt(), Ok(cosigned));
    let bad = ReceiptJson { message: "AAAA".into(), ..json.clone() };
    assert_eq!(bad.to_receipt(), Err(ReceiptJsonError::Message));
    let bad = ReceiptJson { requester_signature: "xyz".into(), ..json };
    assert_eq!(bad.to_receipt(), Err(ReceiptJsonError::RequesterSignature));
}
