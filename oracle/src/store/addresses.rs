//! The binding address of each device key a close has read (migration `0008_close_reads`):
//! a memo of `device_binding_pda`, whose curve arithmetic costs seconds at a million keys.
//! An address never changes for a key, so entries are only ever added.

use futures_util::TryStreamExt;
use sqlx::Row;

use super::{Store, StoreError};

/// Keys per `INSERT` (two parameters each).
const INSERT_CHUNK: usize = 1_000;
/// Keys per transaction (fewer in tests, so theirs span several).
const KEYS_PER_TRANSACTION: usize = if cfg!(test) { 1_500 } else { 20_000 };

/// A device key and the address of its `DeviceBinding`.
pub type BindingAddress = ([u8; 32], [u8; 32]);

impl Store {
    /// Every remembered binding address, sorted by device key.
    pub async fn binding_addresses(&self) -> Result<Vec<BindingAddress>, StoreError> {
        let mut rows =
            sqlx::query("SELECT device_key, address FROM binding_addresses").fetch(self.pool());
        let mut out = Vec::new();
        while let Some(row) = rows.try_next().await? {
            let key: Vec<u8> = row.try_get(0)?;
            let address: Vec<u8> = row.try_get(1)?;
            out.push((
                key.try_into().map_err(|_| StoreError::Corrupt("device key length"))?,
                address.try_into().map_err(|_| StoreError::Corrupt("binding address length"))?,
            ));
        }
        out.sort_unstable();
        Ok(out)
    }

    /// Remembers `addresses` (an entry already held stays as it is), in transactions of
    /// [`KEYS_PER_TRANSACTION`]: a store's first close remembers every key, and ingest's
    /// commits wait for the write lock between them, not behind a million rows.
    pub async fn save_binding_addresses(
        &self,
        addresses: &[BindingAddress],
    ) -> Result<(), StoreError> {
        for part in addresses.chunks(KEYS_PER_TRANSACTION) {
            let _guard = self.write.lock().await;
            let mut tx = self.pool.begin().await?;
            for chunk in part.chunks(INSERT_CHUNK) {
                let sql = format!(
                    "INSERT INTO binding_addresses (device_key, address) VALUES {} \
                     ON CONFLICT DO NOTHING",
                    super::commit::values(self.backend, chunk.len(), 2)
                );
                let query = chunk.iter().fold(sqlx::query(&sql), |q, (key, address)| {
                    q.bind(key.to_vec()).bind(address.to_vec())
                });
                query.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_db::{store_tests, TestDb};
    use super::*;

    store_tests!(binding_addresses_are_remembered_sorted_and_never_replaced);

    async fn binding_addresses_are_remembered_sorted_and_never_replaced(db: TestDb) {
        let store = db.open().await;
        assert_eq!(store.binding_addresses().await.expect("empty"), []);
        // More keys than one statement and one transaction hold, saved out of order.
        let pairs: Vec<BindingAddress> = (0..2 * INSERT_CHUNK + 5)
            .rev()
            .map(|i| {
                let key = [(i % 251) as u8, (i / 251) as u8].repeat(16);
                (key.try_into().expect("32"), [(i % 7) as u8; 32])
            })
            .collect();
        store.save_binding_addresses(&pairs).await.expect("save");
        let mut sorted = pairs.clone();
        sorted.sort_unstable();
        assert_eq!(store.binding_addresses().await.expect("read"), sorted);
        // A second save of a held key (with another address) keeps the first.
        let (key, first) = sorted[3];
        store.save_binding_addresses(&[(key, [0xee; 32])]).await.expect("resave");
        let read = store.binding_addresses().await.expect("read");
        assert_eq!(read.len(), sorted.len());
        assert_eq!(read[3], (key, first));
    }
}
