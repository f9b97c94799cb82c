//! The answer to a challenge (PROTOCOL.md §6.5, §10.4–§10.6): a fixed-size message signed
//! by the node's device key, and beside it the opening (the Merkle paths of the sampled
//! rows), bound to the message by its hash.

use crate::challenge::beacon::Challenge;
use crate::challenge::h;
use crate::challenge::matrix::{
    a_row, b_matrix, commit_product, opening_len, path, path_len, root, row_leaf, row_product4,
    sampled_rows,
};
use crate::merkle::{root_from_proof, Hash32};
use crate::messages::{MessageError, Reader, Writer, HEADER_LEN};

/// Domain tag of a [`ChallengeAnswer`].
pub const ANSWER_TAG: [u8; 8] = *b"GMCHAL\0\0";
pub const ANSWER_VERSION: u8 = 1;
/// Domain of the opening hash (ASCII).
pub const OPENING_DOMAIN: &[u8] = b"GMCHAL-OPEN";
/// Domain of an answer's identity (ASCII, 11 bytes).
pub const ANSWER_ID_DOMAIN: &[u8] = b"GMID-ANSWER";

/// A node's answer to one challenge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChallengeAnswer {
    pub deployment: [u8; 32],
    pub node_id: u64,
    pub epoch: u64,
    pub beacon_index: u16,
    /// The challenge answered (its seed); binds the answer to exactly one beacon and node.
    pub challenge_id: Hash32,
    /// `m` and `d` the node computed.
    pub rows: u32,
    pub cols: u32,
    /// Merkle root over the rows of `C` (§10.4).
    pub product_root: Hash32,
    /// `H("GMCHAL-OPEN" ‖ opening)`.
    pub opening_hash: Hash32,
}

impl ChallengeAnswer {
    pub const PAYLOAD_LEN: usize = 32 + 8 + 8 + 2 + 32 + 4 + 4 + 32 + 32;
    /// 163 bytes.
    pub const LEN: usize = HEADER_LEN + Self::PAYLOAD_LEN;

    /// The exact bytes the device signs.
    pub fn encode(&self) -> [u8; Self::LEN] {
        let mut out = [0u8; Self::LEN];
        let mut w = Writer::new(&mut out);
        w.put(ANSWER_TAG);
        w.put([ANSWER_VERSION]);
        w.put(self.deployment);
        w.put(self.node_id.to_le_bytes());
        w.put(self.epoch.to_le_bytes());
        w.put(self.beacon_index.to_le_bytes());
        w.put(self.challenge_id);
        w.put(self.rows.to_le_bytes());
        w.put(self.cols.to_le_bytes());
        w.put(self.product_root);
        w.put(self.opening_hash);
        w.finish();
        out
    }

    /// Decodes signed bytes, rejecting a wrong length, tag or version.
    pub fn decode(bytes: &[u8]) -> Result<Self, MessageError> {
        let mut r = Reader::header(bytes, Self::LEN, ANSWER_TAG, ANSWER_VERSION)?;
        let a = Self {
            deployment: r.take()?,
            node_id: u64::from_le_bytes(r.take()?),
            epoch: u64::from_le_bytes(r.take()?),
            beacon_index: u16::from_le_bytes(r.take()?),
            challenge_id: r.take()?,
            rows: u32::from_le_bytes(r.take()?),
            cols: u32::from_le_bytes(r.take()?),
            product_root: r.take()?,
            opening_hash: r.take()?,
        };
        r.finish()?;
        Ok(a)
    }
}

/// An answer as received: the signed bytes, the device key, its signature and the opening.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SignedAnswer {
    pub device_key: [u8; 32],
    pub message: [u8; ChallengeAnswer::LEN],
    pub signature: [u8; 64],
    pub opening: Vec<u8>,
}

impl SignedAnswer {
    /// `H("GMID-ANSWER" ‖ device_key ‖ message)` (206 bytes hashed; neither the signature
    /// nor the opening, which the message binds by hash).
    pub fn identity(&self) -> Hash32 {
        answer_identity(&self.device_key, &self.message)
    }
}

pub fn answer_identity(device_key: &[u8; 32], message: &[u8; ChallengeAnswer::LEN]) -> Hash32 {
    h(&[ANSWER_ID_DOMAIN, device_key, message])
}

/// `H("GMCHAL-OPEN" ‖ opening)`.
pub fn opening_hash(opening: &[u8]) -> Hash32 {
    h(&[OPENING_DOMAIN, opening])
}

/// Why an answer to the right challenge fails (§10.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AnswerFault {
    /// `rows`/`cols` are not the challenge's size.
    WrongSize,
    /// The opening has the wrong length or does not hash to `opening_hash`.
    BadOpening,
    /// A recomputed sampled row is not in the committed tree.
    WrongProduct,
}

/// The off-chain prover (single-threaded reference): computes `C` row by row, commits,
/// samples and opens. Returns the unsigned answer and its opening.
pub fn prove(deployment: &[u8; 32], challenge: &Challenge) -> (ChallengeAnswer, Vec<u8>) {
    answer_from_levels(deployment, challenge, &commit_product(&challenge.id, &challenge.size))
}

/// The answer and opening for a committed row tree (`levels` from
/// [`crate::challenge::matrix::tree_levels`]; a faster or parallel prover builds the same).
pub fn answer_from_levels(
    deployment: &[u8; 32],
    challenge: &Challenge,
    levels: &[Vec<Hash32>],
) -> (ChallengeAnswer, Vec<u8>) {
    let product_root = root(levels);
    let rows = sampled_rows(&challenge.id, &product_root, challenge.size.rows);
    let mut opening = Vec::new();
    for &i in &rows {
        for s in path(levels, usize::try_from(i).unwrap_or(0)) {
            opening.extend_from_slice(&s);
        }
    }
    let answer = ChallengeAnswer {
        deployment: *deployment,
        node_id: challenge.node_id,
        epoch: challenge.epoch,
        beacon_index: challenge.beacon_index,
        challenge_id: challenge.id,
        rows: challenge.size.rows,
        cols: challenge.size.cols,
        product_root,
        opening_hash: opening_hash(&opening),
    };
    (answer, opening)
}

/// Checks an answer to `challenge` (its fields already matched to the challenge): the size,
/// the opening's length and hash, then each sampled row recomputed and its path folded to
/// the root. Cost: `d²/32` hashes for `B`, `k·d²` multiply-adds, `k` leaf hashes and paths.
pub fn verify_opening(
    challenge: &Challenge,
    answer: &ChallengeAnswer,
    opening: &[u8],
) -> Result<(), AnswerFault> {
    let size = challenge.size;
    if (answer.rows, answer.cols) != (size.rows, size.cols) {
        return Err(AnswerFault::WrongSize);
    }
    let rows = sampled_rows(&challenge.id, &answer.product_root, size.rows);
    if opening.len() != opening_len(size.rows, &rows)
        || opening_hash(opening) != answer.opening_hash
    {
        return Err(AnswerFault::BadOpening);
    }
    let d = usize::try_from(size.cols).unwrap_or(0);
    let b = b_matrix(&challenge.id, &size);
    let mut hashes = opening.chunks_exact(32).map(|c| {
        let mut x = [0u8; 32];
        x.copy_from_slice(c);
        x
    });
    // Four sampled rows at a time (each row of `B` loaded once for four rows of `A`).
    let mut out = [vec![0i32; d], vec![0i32; d], vec![0i32; d], vec![0i32; d]];
    for group in rows.chunks(4) {
        let a: Vec<Vec<i8>> = (0..4)
            .map(|o| a_row(&challenge.id, &size, group.get(o).copied().unwrap_or(0)))
            .collect();
        let [a0, a1, a2, a3] = &a[..] else { return Err(AnswerFault::WrongProduct) };
        let [o0, o1, o2, o3] = &mut out;
        row_product4([a0, a1, a2, a3], &b, d, [o0, o1, o2, o3]);
        for (&i, row) in group.iter().zip(&out) {
            let proof: Vec<Hash32> = hashes.by_ref().take(path_len(size.rows, i)).collect();
            if root_from_proof(row_leaf(i, row), &proof) != answer.product_root {
                return Err(AnswerFault::WrongProduct);
            }
        }
    }
    Ok(())
}
