//! Development-only [`BindingDirectory`] read from a JSON file (`--bindings-file`).
//!
//! Why it exists: the `kill -9` test spawns the real binary, which needs a binding source,
//! and the only crate allowed to boot a JSON-RPC validator is `tests/rpc`, which cannot name
//! this package's binary. The test writes the file from `DeviceBinding` accounts it read
//! from a real Bank. Never use it in production: it is not refreshed from the chain.
//!
//! Format: a JSON array of `{"device_key", "node" (base58), "node_id", "bound_at",
//! "unbound_at" (null while bound)}`.

use std::collections::HashMap;
use std::path::Path;

use gridmint_protocol::crediting::BindingInput;
use serde::{Deserialize, Serialize};

use super::bindings::{BindingDirectory, BoxFuture, DirectoryError};
use super::wire::b58_32;

/// One binding as written in the file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FileBinding {
    pub device_key: String,
    pub node: String,
    pub node_id: u64,
    pub bound_at: i64,
    pub unbound_at: Option<i64>,
}

impl FileBinding {
    pub fn from_input(b: &BindingInput) -> Self {
        Self {
            device_key: bs58::encode(b.device_key).into_string(),
            node: bs58::encode(b.node).into_string(),
            node_id: b.node_id,
            bound_at: b.bound_at,
            unbound_at: b.unbound_at,
        }
    }
}

pub struct FileBindings(HashMap<[u8; 32], BindingInput>);

impl FileBindings {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        let list: Vec<FileBinding> = serde_json::from_str(&text)?;
        let mut map = HashMap::new();
        for b in list {
            let key = b58_32(&b.device_key).ok_or_else(|| anyhow::anyhow!("bad device_key"))?;
            let node = b58_32(&b.node).ok_or_else(|| anyhow::anyhow!("bad node"))?;
            let input = BindingInput {
                device_key: key,
                node,
                node_id: b.node_id,
                bound_at: b.bound_at,
                unbound_at: b.unbound_at,
            };
            map.insert(key, input);
        }
        Ok(Self(map))
    }
}

impl BindingDirectory for FileBindings {
    fn binding<'a>(
        &'a self,
        device_key: &'a [u8; 32],
    ) -> BoxFuture<'a, Result<Option<BindingInput>, DirectoryError>> {
        Box::pin(async move { Ok(self.0.get(device_key).copied()) })
    }
}
