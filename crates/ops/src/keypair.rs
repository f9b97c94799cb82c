//! Signing keys in Solana CLI keypair files (a JSON array of the 64 bytes secret ‖ public,
//! as `solana-keygen new -o key.json` writes it): oracle vote keys, device keys, operators.
//!
//! Errors name the file and say what to do, and never quote its content: a parse error
//! gives only the line and column, since the bytes around it are secret.

use std::path::Path;

use anyhow::Context;
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;

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

/// Writes a new keypair in the Solana CLI format (owner-only permissions); refuses to
/// overwrite an existing file unless `force`. Answers `{"pubkey", "outfile"}`.
pub fn keygen(outfile: &Path, force: bool) -> anyhow::Result<Value> {
    if outfile.exists() && !force {
        anyhow::bail!("{} exists; pass --force to overwrite it", outfile.display());
    }
    if let Some(dir) = outfile.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let keypair = Keypair::new();
    let text = serde_json::to_string(&keypair.to_bytes().to_vec())?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(outfile)?, text.as_bytes())?;
    Ok(json!({ "pubkey": keypair.pubkey().to_string(), "outfile": outfile.display().to_string() }))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn keygen_writes_a_readable_owner_only_keypair_and_never_overwrites_silently() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys/oracle.json");
        let out = keygen(&path, false).expect("keygen");
        let key = read_keypair_file(&path).expect("readable");
        assert_eq!(out["pubkey"], key.pubkey().to_string());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let err = keygen(&path, false).expect_err("exists");
        assert_eq!(
            err.to_string(),
            format!("{} exists; pass --force to overwrite it", path.display())
        );
        let again = keygen(&path, true).expect("forced");
        assert_ne!(again["pubkey"], out["pubkey"]);
    }
}
