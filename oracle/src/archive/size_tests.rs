//! The archive size of a realistic epoch, as documented in docs/archive.md: devices
//! reporting every five minutes for a day. Signatures are random bytes: they compress
//! exactly like real ones (not at all), and signing in a debug build is slow.

use gridmint_protocol::crediting::{
    canonical_readings, canonical_receipts, SignedReading, SignedReceipt,
};
use gridmint_protocol::messages::{EnergyReading, WorkReceipt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{decode, encode, HEADER_LEN};

const DEVICES: u64 = 100;
const READINGS_PER_DAY: u64 = 288;

fn day_of_readings(rng: &mut StdRng) -> Vec<SignedReading> {
    let mut out = Vec::new();
    for device in 0..DEVICES {
        let device_key: [u8; 32] = rng.gen();
        let mut produced = rng.gen_range(0..10_000_000u64);
        for i in 0..READINGS_PER_DAY {
            // Solar: nothing at night, up to ~400 Wh per five minutes at noon.
            let hour = (i * 5 / 60) as i64;
            let sun = (6..18).contains(&hour).then(|| 400 - (hour - 12).unsigned_abs() * 60);
            produced += sun.map_or(0, |peak| rng.gen_range(0..=peak));
            let message = EnergyReading {
                deployment: [7; 32],
                node_id: 1_000 + device,
                sequence: 50_000 + i,
                timestamp: 1_800_000_000 + 300 * i as i64 + rng.gen_range(-3..=3),
                produced_wh: produced,
                consumed_wh: 0,
            }
            .encode();
            let mut signature = [0u8; 64];
            rng.fill(&mut signature[..]);
            out.push(SignedReading { device_key, message, signature });
        }
    }
    canonical_readings(&mut out);
    out
}

/// Ten jobs a day per device from five requesters, each with a random output hash.
fn day_of_receipts(rng: &mut StdRng) -> Vec<SignedReceipt> {
    let requesters: Vec<[u8; 32]> = (0..5).map(|_| rng.gen()).collect();
    let mut out = Vec::new();
    for device in 0..DEVICES {
        let device_key: [u8; 32] = rng.gen();
        for job in 0..10u64 {
            let started_at = 1_800_000_000 + 8_000 * job as i64;
            let message = WorkReceipt {
                deployment: [7; 32],
                node_id: 1_000 + device,
                job_id: device * 1_000 + job,
                requester: requesters[rng.gen_range(0..requesters.len())],
                work_units: rng.gen_range(1..10_000),
                started_at,
                finished_at: started_at + rng.gen_range(60..7_200),
                output_hash: rng.gen(),
            }
            .encode();
            let (mut device_signature, mut requester_signature) = ([0u8; 64], [0u8; 64]);
            rng.fill(&mut device_signature[..]);
            rng.fill(&mut requester_signature[..]);
            out.push(SignedReceipt { device_key, message, device_signature, requester_signature });
        }
    }
    canonical_receipts(&mut out);
    out
}

/// Compressed body bytes per record of an archive of `readings` and `receipts`.
fn per_record(readings: &[SignedReading], receipts: &[SignedReceipt]) -> f64 {
    let bytes = encode(3, [1; 32], [2; 32], readings, receipts).expect("encode");
    let decoded = decode(&bytes).expect("decode");
    let (r, c) = (decoded.readings, decoded.receipts);
    assert_eq!((r.as_slice(), c.as_slice()), (readings, receipts));
    (bytes.len() - HEADER_LEN) as f64 / (readings.len() + receipts.len()) as f64
}

#[test]
fn a_day_of_readings_takes_under_80_bytes_a_reading_and_receipts_under_200() {
    let mut rng = StdRng::seed_from_u64(7);
    let reading = per_record(&day_of_readings(&mut rng), &[]);
    let receipt = per_record(&[], &day_of_receipts(&mut rng));
    println!(
        "compressed: {reading:.1} bytes a reading (177 raw), {receipt:.1} a receipt (305 raw)"
    );
    assert!(reading < 80.0 && receipt < 200.0, "{reading:.1}, {receipt:.1}");
}
