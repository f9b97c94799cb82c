//! CI fails when a committed IDL (`idl/*.json`) differs from the program's code.
//!
//! Builds each IDL exactly as `anchor idl build` (anchor-cli 1.1.2, `scripts/idl`) does:
//! anchor-lang-idl's builder runs the program's `idl-build` print tests and assembles the
//! JSON; we compare it byte for byte with the committed file. The nested build has its own
//! target directory under this one (`idl-build` must not unify into the workspace build and
//! the builder sets its own RUSTFLAGS), so CI reuses it from run to run.

use std::path::{Path, PathBuf};

use anchor_lang_idl::build::IdlBuilder;

const PROGRAMS: [(&str, &str); 2] = [("node-staking", "node_staking"), ("rewards", "rewards")];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

#[test]
fn committed_idls_match_the_programs() {
    let root = repo_root();
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("idl-build");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("idl");
    std::fs::create_dir_all(&out).expect("output dir");
    // The builder re-invokes `cargo +$RUSTUP_TOOLCHAIN` when set (and spells it wrongly in
    // 0.1.4); the clippy wrapper of the outer build is for workspace crates, not this one.
    // The committed IDLs are the localnet build's: another deploy admin pins another address
    // in `initialize` (README, "For integrators"), so that build needs its own IDLs.
    for var in
        ["RUSTUP_TOOLCHAIN", "RUSTC_WORKSPACE_WRAPPER", "CLIPPY_ARGS", "GRIDMINT_DEPLOY_ADMIN"]
    {
        std::env::remove_var(var);
    }
    let mut stale = Vec::new();
    for (dir, name) in PROGRAMS {
        let idl = IdlBuilder::new()
            .program_path(root.join("programs").join(dir))
            .resolution(true)
            .skip_lint(false)
            .cargo_args(vec![
                "--locked".into(),
                "--target-dir".into(),
                target.display().to_string(),
            ])
            .build()
            .unwrap_or_else(|err| panic!("building the IDL of {name}: {err:#}"));
        let generated = serde_json::to_string_pretty(&idl).expect("IDL serializes");
        let committed_path = root.join("idl").join(format!("{name}.json"));
        let committed = std::fs::read_to_string(&committed_path).expect("committed IDL");
        if generated != committed {
            let fresh = out.join(format!("{name}.json"));
            std::fs::write(&fresh, &generated).expect("write generated IDL");
            stale.push(format!(
                "idl/{name}.json differs from programs/{dir} ({}); regenerate with `scripts/idl` \
                 or copy {}",
                first_difference(&committed, &generated),
                fresh.display()
            ));
        }
    }
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}

/// `line N: committed "…" vs code "…"` for the first differing line.
fn first_difference(committed: &str, generated: &str) -> String {
    let mut a = committed.lines();
    let mut b = generated.lines();
    for line in 1.. {
        match (a.next(), b.next()) {
            (None, None) => break,
            (x, y) if x == y => continue,
            (x, y) => {
                return format!(
                    "line {line}: committed {:?} vs code {:?}",
                    x.unwrap_or("<end>").trim(),
                    y.unwrap_or("<end>").trim()
                )
            }
        }
    }
    "same lines, different line endings".into()
}
