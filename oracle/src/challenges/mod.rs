//! The oracle's half of compute challenges (PROTOCOL.md §10.7–§10.10):
//!
//! - [`wire`]: answer and attestation bodies (JSON items, binary records);
//! - [`ingest`]: answers checked (`signatures::ingest_answer`, deployment, binding), stored
//!   with this oracle's receipt attestation in one transaction; peers' answers and
//!   attestations through the same checks;
//! - [`http`]: `POST /v1/challenges/answers` and the per-epoch sync endpoints;
//! - [`evidence`]: the epoch's `ChallengeEvidence` for the close, and the cache of opening
//!   verifications the close judges with;
//! - [`presence`]: presence attestations at deadlines without an answer, beside the loop.
//!
//! Every verdict is the protocol's (`challenge::verdict`); nothing here decides one.

pub mod evidence;
pub mod http;
pub mod ingest;
pub mod presence;
pub mod wire;
