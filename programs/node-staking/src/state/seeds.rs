//! PDA seeds of the node-staking program. Clients (the SDK) and other programs import these
//! constants instead of repeating the byte strings.

/// Singleton config: `[CONFIG]`.
pub const CONFIG: &[u8] = b"config";
/// Stake vault token account (authority = config PDA): `[VAULT, config]`.
pub const VAULT: &[u8] = b"vault";
/// A node: `[NODE, config, node_id.to_le_bytes()]`.
pub const NODE: &[u8] = b"node";
/// The (never closed) binding of one device key: `[DEVICE, config, device_key]`.
pub const DEVICE: &[u8] = b"device";
/// The (never closed) record of used fraud evidence: `[EVIDENCE, config, evidence_hash]`.
pub const EVIDENCE: &[u8] = b"evidence";
/// The (never closed) registration of a compute-work requester: `[REQUESTER, config, key]`.
pub const REQUESTER: &[u8] = b"requester";
