//! Per-input acceptance at ingest: decode, `verify_strict`, deployment, binding.
//!
//! Why only these: "accepted" must mean "provable on chain and attributable to a node", so
//! signatures are checked exactly as the Ed25519 precompile does (§6.4) and the key must be
//! bound to the node the message names. Every other crediting rule (bound window, hybrid
//! counters, capacity, requesters, duplicates by job) runs later at close over the stored
//! set, because it depends on the whole epoch and on chain state read after it ends.

use gridmint_protocol::crediting::signatures::{verify_reading, verify_receipt};
use gridmint_protocol::crediting::{BindingInput, RejectReason, SignedReading, SignedReceipt};
use gridmint_protocol::messages::{EnergyReading, WorkReceipt};
use serde::Serialize;

use super::bindings::CachedBindings;

/// Why one input was not stored. The codes are stable API; `retryable` says whether sending
/// the same bytes again later can succeed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reject {
    /// Bad encoding, wrong length, tag or version.
    Malformed,
    /// The device signature fails `verify_strict`.
    BadSignature,
    /// The requester signature fails `verify_strict` (receipts).
    BadRequesterSignature,
    /// The message names another deployment.
    WrongDeployment,
    /// No `DeviceBinding` for the key (yet: RPC may lag behind the registration).
    UnknownDevice,
    /// The key is bound to another node id than the message names.
    BindingNodeMismatch,
    /// Over the per-device limit in device time; retry after `Retry-After`.
    RateLimited,
    /// The binding source is unreachable; retry later.
    Unavailable,
    /// A challenge answer's opening does not hash to its `opening_hash` (§10.5).
    OpeningMismatch,
}

impl Reject {
    /// Every reason (metrics start each at zero).
    pub const ALL: [Reject; 9] = [
        Self::Malformed,
        Self::BadSignature,
        Self::BadRequesterSignature,
        Self::WrongDeployment,
        Self::UnknownDevice,
        Self::BindingNodeMismatch,
        Self::RateLimited,
        Self::Unavailable,
        Self::OpeningMismatch,
    ];

    /// The code as answered (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::BadSignature => "bad_signature",
            Self::BadRequesterSignature => "bad_requester_signature",
            Self::WrongDeployment => "wrong_deployment",
            Self::UnknownDevice => "unknown_device",
            Self::BindingNodeMismatch => "binding_node_mismatch",
            Self::RateLimited => "rate_limited",
            Self::Unavailable => "unavailable",
            Self::OpeningMismatch => "opening_mismatch",
        }
    }

    pub fn retryable(self) -> bool {
        matches!(self, Self::UnknownDevice | Self::RateLimited | Self::Unavailable)
    }

    /// The matching §9.9 reason code, where there is one.
    pub fn protocol_reason(self) -> Option<RejectReason> {
        match self {
            Self::Malformed => Some(RejectReason::MalformedMessage),
            Self::BadSignature => Some(RejectReason::BadSignature),
            Self::BadRequesterSignature => Some(RejectReason::BadRequesterSignature),
            Self::WrongDeployment => Some(RejectReason::WrongDeployment),
            Self::UnknownDevice => Some(RejectReason::UnknownDeviceKey),
            Self::BindingNodeMismatch => Some(RejectReason::BindingNodeMismatch),
            Self::RateLimited | Self::Unavailable | Self::OpeningMismatch => None,
        }
    }
}

/// What the binding check needs from a signature-checked input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checked {
    pub device_key: [u8; 32],
    pub node_id: u64,
    /// Device time the rate limit counts in: a reading's timestamp, a receipt's finish.
    pub device_time: i64,
}

/// CPU-bound checks of a reading (run off the async threads).
pub fn check_reading(s: &SignedReading, deployment: &[u8; 32]) -> Result<Checked, Reject> {
    let m = EnergyReading::decode(&s.message).map_err(|_| Reject::Malformed)?;
    verify_reading(s).map_err(|_| Reject::BadSignature)?;
    if m.deployment != *deployment {
        return Err(Reject::WrongDeployment);
    }
    Ok(Checked { device_key: s.device_key, node_id: m.node_id, device_time: m.timestamp })
}

/// CPU-bound checks of a receipt: both signatures (device first, §9.1).
pub fn check_receipt(s: &SignedReceipt, deployment: &[u8; 32]) -> Result<Checked, Reject> {
    let m = WorkReceipt::decode(&s.message).map_err(|_| Reject::Malformed)?;
    verify_receipt(s).map_err(|reason| match reason {
        RejectReason::BadRequesterSignature => Reject::BadRequesterSignature,
        RejectReason::MalformedMessage => Reject::Malformed,
        _ => Reject::BadSignature,
    })?;
    if m.deployment != *deployment {
        return Err(Reject::WrongDeployment);
    }
    Ok(Checked { device_key: s.device_key, node_id: m.node_id, device_time: m.finished_at })
}

/// The key must have a binding naming the message's node id.
pub async fn check_binding(bindings: &CachedBindings, c: &Checked) -> Result<BindingInput, Reject> {
    let binding = match bindings.get(&c.device_key).await {
        Ok(Some(b)) => b,
        Ok(None) => return Err(Reject::UnknownDevice),
        Err(e) => {
            tracing::warn!(error = %e, "binding lookup failed");
            return Err(Reject::Unavailable);
        }
    };
    if binding.node_id != c.node_id {
        return Err(Reject::BindingNodeMismatch);
    }
    Ok(binding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_labels_are_the_answered_codes() {
        for reason in Reject::ALL {
            assert_eq!(serde_json::to_value(reason).expect("json"), reason.as_str());
        }
    }
}
