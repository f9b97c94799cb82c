//! PDA seeds of the rewards program. Clients (the SDK) import these constants instead of
//! repeating the byte strings.

/// Singleton config: `[CONFIG]`.
pub const CONFIG: &[u8] = b"config";
/// Mint authority of the reward mint (signs every claim's mint): `[MINT_AUTHORITY, config]`.
pub const MINT_AUTHORITY: &[u8] = b"mint_authority";
/// One epoch's reporting state (rounds, votes, final report):
/// `[EPOCH, config, epoch.to_le_bytes()]`.
pub const EPOCH: &[u8] = b"epoch";
/// One recipient's claim status (`claimed_total`): `[CLAIM, config, recipient]`.
pub const CLAIM: &[u8] = b"claim";
/// One epoch's beacon account (compute challenges, PROTOCOL.md §10.1):
/// `[BEACONS, epoch.to_le_bytes()]`. No config in the seeds: the protocol fixes them, and
/// the config is a singleton of this program.
pub const BEACONS: &[u8] = b"beacons";
