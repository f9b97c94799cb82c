//! `SHA-256(borsh(value))` without materialising the serialisation.
//!
//! A manifest of a million nodes is ~89 MB of Borsh. Off chain the bytes are fed to an
//! incremental hasher through a small reusable buffer (no large allocation to fault in, the
//! buffer stays in cache). On chain there is no incremental SHA-256 (`sol_sha256` takes all
//! slices at once), so the bytes are serialised once into an exactly sized buffer.

use borsh::BorshSerialize;

use crate::merkle::Hash32;

/// `SHA-256(borsh(value))`. `len_hint` is the expected serialised length (a capacity hint).
#[cfg(not(any(target_os = "solana", target_arch = "bpf")))]
pub fn sha256_of_borsh<T: BorshSerialize>(value: &T, len_hint: usize) -> Hash32 {
    let _ = len_hint;
    let mut writer = ChunkedHasher {
        hasher: solana_sha256_hasher::Hasher::default(),
        buffer: Vec::with_capacity(CHUNK),
    };
    // Writing into the hasher cannot fail.
    let _ = value.serialize(&mut writer);
    writer.hasher.hash(&writer.buffer);
    writer.hasher.result().to_bytes()
}

/// `SHA-256(borsh(value))`. `len_hint` is the expected serialised length (a capacity hint).
#[cfg(any(target_os = "solana", target_arch = "bpf"))]
pub fn sha256_of_borsh<T: BorshSerialize>(value: &T, len_hint: usize) -> Hash32 {
    let mut bytes = Vec::with_capacity(len_hint);
    // Writing into a Vec cannot fail.
    let _ = value.serialize(&mut bytes);
    solana_sha256_hasher::hashv(&[&bytes]).to_bytes()
}

/// Bytes buffered before they are passed to the hasher (stays in the L1/L2 cache).
#[cfg(not(any(target_os = "solana", target_arch = "bpf")))]
const CHUNK: usize = 16 * 1024;

/// Borsh writes field by field; buffering keeps the hasher's per-call overhead off each one.
#[cfg(not(any(target_os = "solana", target_arch = "bpf")))]
struct ChunkedHasher {
    hasher: solana_sha256_hasher::Hasher,
    buffer: Vec<u8>,
}

#[cfg(not(any(target_os = "solana", target_arch = "bpf")))]
impl ChunkedHasher {
    #[inline(always)]
    fn put(&mut self, data: &[u8]) {
        if data.len() > CHUNK.saturating_sub(self.buffer.len()) {
            self.hasher.hash(&self.buffer);
            self.buffer.clear();
            if data.len() >= CHUNK {
                // Too large to buffer: hash it in place (the buffer went first, order kept).
                self.hasher.hash(data);
                return;
            }
        }
        // Borsh writes keys and integers: copies of a constant size are inlined, where a
        // variable-length one is a `memmove` call per field.
        if let Some(key) = data.first_chunk::<32>().filter(|_| data.len() == 32) {
            self.buffer.extend_from_slice(key);
        } else if let Some(word) = data.first_chunk::<8>().filter(|_| data.len() == 8) {
            self.buffer.extend_from_slice(word);
        } else {
            self.buffer.extend_from_slice(data);
        }
    }
}

#[cfg(not(any(target_os = "solana", target_arch = "bpf")))]
impl borsh::io::Write for ChunkedHasher {
    #[inline]
    fn write(&mut self, data: &[u8]) -> borsh::io::Result<usize> {
        self.put(data);
        Ok(data.len())
    }

    /// Borsh calls this once per field: overridden so it is one `put`, not the default
    /// `write` loop (a quarter of the manifest hash time for a million nodes).
    #[inline(always)]
    fn write_all(&mut self, data: &[u8]) -> borsh::io::Result<()> {
        self.put(data);
        Ok(())
    }

    fn flush(&mut self) -> borsh::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)] // test arithmetic on small known values
mod tests {
    use super::*;
    use rand::{rngs::StdRng, Rng, SeedableRng};
    use solana_sha256_hasher::hashv;

    #[test]
    fn equals_hash_of_the_serialised_bytes_around_chunk_edges() {
        let mut rng = StdRng::seed_from_u64(0x6273_6861);
        for len in [0usize, 1, CHUNK - 5, CHUNK - 4, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 7] {
            let bytes: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
            // A Vec<u8> is written as a 4-byte length then one slice; a tuple adds small writes
            // before and after it.
            let value = (7u8, bytes.clone(), [3u16; 5], bytes);
            let expected = hashv(&[&borsh::to_vec(&value).unwrap()]).to_bytes();
            assert_eq!(sha256_of_borsh(&value, 0), expected, "len {len}");
        }
        // Many small writes of every inlined size (32, 8, 1 bytes) crossing chunk boundaries.
        let records: Vec<([u8; 32], u64, bool)> =
            (0..5_000).map(|_| (rng.gen(), rng.gen(), rng.gen())).collect();
        let expected = hashv(&[&borsh::to_vec(&records).unwrap()]).to_bytes();
        assert_eq!(sha256_of_borsh(&records, 0), expected);
    }
}
