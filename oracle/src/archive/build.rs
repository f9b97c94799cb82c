//! Which stored inputs a finalized manifest commits. The close does not keep its
//! `considered` identities (§9.8), so they are computed again the same way: the stored
//! snapshot, `gather` over the store and the chain's bindings and requesters (which never
//! change their answers for a past epoch, see [`crate::epoch::gather`]), `credit_epoch`.
//! The result is only used when its `inputs_root` is the manifest's.

use std::collections::BTreeSet;

use gridmint_protocol::challenge::verdict::ChallengeEvidence;
use gridmint_protocol::crediting::{EpochCredit, EpochInputs};
use gridmint_protocol::merkle::{Hash32, EMPTY_ROOT};
use gridmint_protocol::rewards::EpochManifest;
use gridmint_sdk::rewards as rw;

use super::{format, TaskError};
use crate::challenges::evidence;
use crate::epoch::close::{self, CloseError};
use crate::epoch::gather::{self, EpochContext};
use crate::epoch::snapshot::Snapshot;
use crate::epoch::{hex, Engine};

/// What could not be done, and why (a normal outcome: logged, retried, never an error).
pub type Unavailable = String;

/// `epoch` credited again from this store: its inputs, its challenge evidence (when the
/// epoch has a beacon account) and what crediting made of them.
pub type Credited = (EpochInputs, Option<ChallengeEvidence>, EpochCredit);

/// `epoch` credited again from this store, as the close credited it.
pub async fn credit_stored(
    engine: &Engine,
    config: &rw::Config,
    epoch: u64,
) -> Result<Result<Credited, Unavailable>, TaskError> {
    // Only the snapshot the close used: one taken now could miss views (§8.4).
    let Some(stored) = engine.store.snapshot(epoch).await? else {
        return Ok(Err(format!("no snapshot of epoch {epoch} in this store")));
    };
    let snapshot = Snapshot::decode(&stored)?;
    let ctx = EpochContext::new(config, engine.deployment, epoch)?;
    let chain = engine.chain.as_ref();
    let mut inputs = gather::gather(chain, &engine.store, &ctx, &snapshot).await?;
    let evidence = evidence::gather(chain, &engine.store, config, &mut inputs).await?;
    // As CPU-bound as the close itself: off the async workers.
    let (inputs, evidence, credit) = tokio::task::spawn_blocking(move || {
        let mut verify = evidence::cached_verify;
        let readings = close::Readings::Listed;
        let credit = close::credit_with(&inputs, readings, evidence.as_ref(), &mut verify);
        (inputs, evidence, credit)
    })
    .await
    .map_err(|e| TaskError::Task(e.to_string()))?;
    let (credit, _) = credit.map_err(|e| match e {
        CloseError::Credit(c) => TaskError::Credit(c),
        other => TaskError::Task(other.to_string()),
    })?;
    Ok(Ok((inputs, evidence, credit)))
}

/// The archive of `manifest`'s epoch from this store, or why this store cannot give it
/// (no snapshot, or inputs that do not reproduce the manifest's `inputs_root`).
pub async fn from_store(
    engine: &Engine,
    config: &rw::Config,
    manifest: &EpochManifest,
) -> Result<Result<Vec<u8>, Unavailable>, TaskError> {
    let (epoch, hash) = (manifest.epoch, manifest.hash());
    if manifest.inputs_root == EMPTY_ROOT {
        // Nothing considered (or an empty-epoch correction): an archive without records.
        return Ok(Ok(format::encode(epoch, EMPTY_ROOT, hash, &[], &[])?));
    }
    let (inputs, evidence, credit) = match credit_stored(engine, config, epoch).await? {
        Ok(done) => done,
        Err(why) => return Ok(Err(why)),
    };
    if credit.inputs_root != manifest.inputs_root {
        return Ok(Err(format!(
            "this store's inputs of epoch {epoch} give inputs_root {}; the finalized manifest \
             commits {}",
            hex(&credit.inputs_root),
            hex(&manifest.inputs_root)
        )));
    }
    let considered: BTreeSet<Hash32> = credit.considered.iter().copied().collect();
    // `gather` and `evidence::gather` return canonical lists (one copy per identity,
    // sorted): the archive order.
    let readings: Vec<_> =
        inputs.readings.into_iter().filter(|r| considered.contains(&r.identity())).collect();
    let receipts: Vec<_> =
        inputs.receipts.into_iter().filter(|r| considered.contains(&r.identity())).collect();
    let (answers, attestations) = match evidence {
        Some(e) => (
            e.answers.into_iter().filter(|a| considered.contains(&a.identity())).collect(),
            e.attestations.into_iter().filter(|a| considered.contains(&a.identity())).collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let bytes = tokio::task::spawn_blocking(move || {
        let root = credit.inputs_root;
        format::encode_with(epoch, root, hash, &readings, &receipts, &answers, &attestations)
    })
    .await
    .map_err(|e| TaskError::Task(e.to_string()))??;
    Ok(Ok(bytes))
}
