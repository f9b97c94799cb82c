//! Inner instructions out of a `getTransaction` answer in JSON encoding: program ids through
//! `programIdIndex` into the account keys (static, then loaded writable, then loaded
//! read-only, as v0 messages order them), data in base58.

use anchor_lang::prelude::Pubkey;
use serde_json::Value;

use super::InnerInstruction;

/// The inner instructions of a JSON-encoded transaction (`getTransaction` result), in
/// execution order; `None` if the JSON does not have the expected shape.
pub fn inner_instructions_from_json(tx: &Value) -> Option<Vec<InnerInstruction>> {
    let meta = &tx["meta"];
    let mut keys: Vec<Pubkey> = Vec::new();
    for key in tx["transaction"]["message"]["accountKeys"].as_array()? {
        keys.push(key.as_str()?.parse().ok()?);
    }
    for group in ["writable", "readonly"] {
        for key in meta["loadedAddresses"][group].as_array().into_iter().flatten() {
            keys.push(key.as_str()?.parse().ok()?);
        }
    }
    let mut out = Vec::new();
    for set in meta["innerInstructions"].as_array().into_iter().flatten() {
        for ix in set["instructions"].as_array()? {
            let index = usize::try_from(ix["programIdIndex"].as_u64()?).ok()?;
            let data = bs58::decode(ix["data"].as_str()?).into_vec().ok()?;
            out.push(InnerInstruction { program_id: *keys.get(index)?, data });
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_program_ids_and_base58_data() {
        let (a, b, c) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
        let tx = serde_json::json!({
            "transaction": {"message": {"accountKeys": [a.to_string(), b.to_string()]}},
            "meta": {
                "loadedAddresses": {"writable": [], "readonly": [c.to_string()]},
                "innerInstructions": [
                    {"index": 0, "instructions": [
                        {"programIdIndex": 1, "data": bs58::encode([1, 2, 3]).into_string()},
                        {"programIdIndex": 2, "data": ""}
                    ]}
                ]
            }
        });
        let inner = inner_instructions_from_json(&tx).unwrap();
        assert_eq!(inner[0], InnerInstruction { program_id: b, data: vec![1, 2, 3] });
        assert_eq!(inner[1], InnerInstruction { program_id: c, data: vec![] });
        let no_meta = serde_json::json!({"transaction": {"message": {"accountKeys": []}}});
        assert_eq!(inner_instructions_from_json(&no_meta), Some(vec![]));
        assert_eq!(inner_instructions_from_json(&serde_json::json!({})), None);
    }
}
