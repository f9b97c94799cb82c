//! The cumulative tree `GET /v1/claims/{recipient}` proves against, built once per root.
//!
//! Why: at a million recipients the ledger row is tens of megabytes and building its tree
//! takes about a second, and every claim against the same root needs the same tree. One
//! tree is kept, keyed by the epoch and root the chain names; the leaves of a ledger row are
//! bound to its root, so a tree built from the row holding that root serves exactly the
//! proofs the row would. A miss (a new root) rebuilds; concurrent misses wait for one build.

use std::sync::Arc;

use gridmint_protocol::merkle::{CumulativeTree, Hash32};
use tokio::sync::Mutex;

use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ClaimTreeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("ledger leaves of epoch {epoch} do not form a tree: {why}")]
    Tree { epoch: u64, why: String },
    #[error("tree build failed: {0}")]
    Task(String),
}

struct Entry {
    epoch: u64,
    root: Hash32,
    tree: Arc<CumulativeTree>,
}

#[derive(Default)]
pub struct ClaimTrees {
    newest: Mutex<Option<Entry>>,
}

impl ClaimTrees {
    /// The tree of the ledger row of `epoch` if that row's root is `root`; `None` when the
    /// ledger does not hold it (yet).
    pub async fn get(
        &self,
        store: &Store,
        epoch: u64,
        root: &Hash32,
    ) -> Result<Option<Arc<CumulativeTree>>, ClaimTreeError> {
        let mut newest = self.newest.lock().await;
        if let Some(e) = newest.as_ref().filter(|e| e.epoch == epoch && e.root == *root) {
            return Ok(Some(Arc::clone(&e.tree)));
        }
        let Some(row) = store.ledger_at(epoch).await?.filter(|row| row.root == *root) else {
            return Ok(None);
        };
        // Hashing a large tree is CPU-bound: off the async workers.
        let tree = tokio::task::spawn_blocking(move || CumulativeTree::new(row.leaves))
            .await
            .map_err(|e| ClaimTreeError::Task(e.to_string()))?
            .map_err(|e| ClaimTreeError::Tree { epoch, why: format!("{e:?}") })?;
        let tree = Arc::new(tree);
        *newest = Some(Entry { epoch, root: *root, tree: Arc::clone(&tree) });
        Ok(Some(tree))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_db::{store_tests, TestDb};
    use crate::store::LedgerRow;

    fn row(epoch: u64, amount: u64) -> LedgerRow {
        let leaves = vec![([1; 32], amount), ([2; 32], 5)];
        let tree = CumulativeTree::new(leaves.clone()).expect("tree");
        LedgerRow {
            epoch,
            manifest_hash: [9; 32],
            root: tree.root(),
            cumulative_total: amount + 5,
            leaves,
        }
    }

    store_tests!(a_tree_is_built_once_per_root_and_only_from_the_row_holding_it);

    async fn a_tree_is_built_once_per_root_and_only_from_the_row_holding_it(db: TestDb) {
        let store = db.open().await;
        let trees = ClaimTrees::default();
        let first = row(3, 10);
        // Given no ledger row, Then nothing is served.
        assert!(trees.get(&store, 3, &first.root).await.expect("get").is_none());
        store.save_ledger(&first).await.expect("save");
        // A root the row does not hold is not served either.
        assert!(trees.get(&store, 3, &[0; 32]).await.expect("get").is_none());
        // When the row's root is asked for, Then its tree is built...
        let tree = trees.get(&store, 3, &first.root).await.expect("get").expect("tree");
        assert_eq!((tree.root(), tree.amount_of(&[1; 32])), (first.root, 10));
        // ...and later requests get the same tree without reading the ledger again.
        store.drop_ledger_from(3).await.expect("drop");
        let again = trees.get(&store, 3, &first.root).await.expect("get").expect("cached");
        assert!(Arc::ptr_eq(&tree, &again));
        // A new root of the epoch (re-finalized after a veto) is built from its row.
        let second = row(3, 20);
        store.save_ledger(&second).await.expect("save");
        let rebuilt = trees.get(&store, 3, &second.root).await.expect("get").expect("tree");
        assert_eq!(rebuilt.amount_of(&[1; 32]), 20);
    }
}
