//! The oracle's signing key, read from a Solana CLI keypair file (a JSON array of the 64
//! bytes secret ‖ public, as `solana-keygen new -o oracle.json` writes it).
//!
//! Errors name the file and say what to do, and never quote its content: a parse error
//! gives only the line and column, since the bytes around it are secret.

use std::path::Path;

use anyhow::Context;
use gridmint_sdk::chain::Keypair;

/// Bytes in a keypair file: the 32-byte secret key, then the 32-byte public key.
pub const KEYPAIR_FILE_BYTES: usize = 64;

const HINT: &str = "expected a Solana CLI keypair file (a JSON array of 64 numbers, as \
                    written by `solana-keygen new -o <path>`)";

/// Reads the keypair at `path`.
pub fn read_keypair_file(path: &Path) -> anyhow::Result<Keypair> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading keypair file {}: check the path", path.display()))?;
    let bytes: Vec<u8> = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "keypair file {} is not valid ({:?} error at line {}, column {}): {HINT}",
            path.display(),
            e.classify(),
            e.line(),
            e.column()
        )
    })?;
    if bytes.len() != KEYPAIR_FILE_BYTES {
        anyhow::bail!(
            "keypair file {} holds {} bytes, not {KEYPAIR_FILE_BYTES}: {HINT}",
            path.display(),
            bytes.len()
        );
    }
    Keypair::try_from(bytes.as_slice()).map_err(|_| {
        anyhow::anyhow!(
            "keypair file {}: its last 32 bytes are not the public key of its first 32; \
             the file is damaged, regenerate it or restore it from a backup",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_signer::Signer;

    fn write(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
        let path = dir.path().join("oracle.json");
        std::fs::write(&path, text).expect("write");
        path
    }

    fn json(bytes: &[u8]) -> String {
        serde_json::to_string(bytes).expect("json")
    }

    #[test]
    fn reads_a_solana_cli_keypair_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let keypair = Keypair::new();
        let path = write(&dir, &format!("{}\n", json(&keypair.to_bytes())));
        let read = read_keypair_file(&path).expect("reads");
        assert_eq!(read.pubkey(), keypair.pubkey());
        assert_eq!(read.to_bytes(), keypair.to_bytes());
    }

    #[test]
    fn a_missing_file_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("absent.json");
        let e = read_keypair_file(&path).expect_err("missing").to_string();
        assert_eq!(e, format!("reading keypair file {}: check the path", path.display()));
    }

    #[test]
    fn bad_json_names_the_file_and_position_but_not_the_content() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(&dir, "[12, 34, \"secret-ish\"]");
        let e = read_keypair_file(&path).expect_err("bad json").to_string();
        assert_eq!(
            e,
            format!(
                "keypair file {} is not valid (Data error at line 1, column 21): {HINT}",
                path.display()
            )
        );
        assert!(!e.contains("secret-ish"), "{e}");
        let path = write(&dir, "not json");
        let e = read_keypair_file(&path).expect_err("not json").to_string();
        assert!(e.contains("Syntax error at line 1, column 2"), "{e}");
    }

    #[test]
    fn wrong_length_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(&dir, &json(&[7; 32]));
        let e = read_keypair_file(&path).expect_err("short").to_string();
        assert_eq!(e, format!("keypair file {} holds 32 bytes, not 64: {HINT}", path.display()));
    }

    #[test]
    fn a_public_half_that_does_not_match_is_refused_without_echoing_bytes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut bytes = Keypair::new().to_bytes();
        bytes[63] ^= 1;
        let path = write(&dir, &json(&bytes));
        let e = read_keypair_file(&path).expect_err("mismatch").to_string();
        assert_eq!(
            e,
            format!(
                "keypair file {}: its last 32 bytes are not the public key of its first 32; \
                 the file is damaged, regenerate it or restore it from a backup",
                path.display()
            )
        );
    }
}
