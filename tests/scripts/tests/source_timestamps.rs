//! `scripts/source-timestamps`, run as CI runs it, on a throwaway git repository with a
//! throwaway target directory: unchanged files get the last run's timestamps back, changed
//! ones keep their own, and nothing is reused after a build the record does not cover.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Timestamps far apart, so no clock or filesystem rounding can confuse them.
const FIRST_RUN: i64 = 1_000_000_000;
const CLONE: i64 = 1_500_000_000;

struct Repo {
    _dir: tempfile::TempDir,
    root: PathBuf,
    target: PathBuf,
}

impl Repo {
    /// A repository holding the real script and two files, committed.
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("repo");
        let target = dir.path().join("target");
        std::fs::create_dir_all(root.join("scripts")).expect("mkdir");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/source-timestamps");
        std::fs::copy(script, root.join("scripts/source-timestamps")).expect("copy script");
        std::fs::write(root.join("a.rs"), "fn a() {}\n").expect("write");
        std::fs::write(root.join("b.rs"), "fn b() {}\n").expect("write");
        // A package of its own, whose code reads a directory (as sqlx::migrate! does).
        std::fs::create_dir_all(root.join("store/migrations")).expect("mkdir");
        std::fs::write(root.join("store/Cargo.toml"), "[package]\nname = \"store\"\n")
            .expect("write");
        std::fs::write(root.join("store/lib.rs"), "migrate!(\"migrations\");\n").expect("write");
        std::fs::write(root.join("store/migrations/0001.sql"), "CREATE TABLE t (x);\n")
            .expect("write");
        let repo = Self { _dir: dir, root, target };
        repo.git(&["init", "-q"]);
        repo.git(&["add", "."]);
        repo.git(&["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "files"]);
        repo
    }

    fn git(&self, args: &[&str]) {
        let status = Command::new("git").args(args).current_dir(&self.root).status().expect("git");
        assert!(status.success(), "git {args:?}");
    }

    /// A repository after one CI run on files timestamped [`FIRST_RUN`].
    fn after_a_sealed_run() -> Self {
        let repo = Self::new();
        repo.clone_at(FIRST_RUN);
        repo.ci_run("unit-1");
        repo
    }

    /// Runs the script as CI does; its standard output.
    fn run(&self, action: &str) -> String {
        self.run_with(action, &[("CI", "true")])
    }

    fn run_with(&self, action: &str, env: &[(&str, &str)]) -> String {
        let out = Command::new("bash")
            .arg(self.root.join("scripts/source-timestamps"))
            .arg(action)
            .env("CARGO_TARGET_DIR", &self.target)
            .env_remove("CI")
            .envs(env.iter().copied())
            .output()
            .expect("run script");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{action}: {stderr}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn set_mtime(&self, path: &Path, seconds: i64) {
        let status = Command::new("touch")
            .args(["-m", "-d", &format!("@{seconds}")])
            .arg(path)
            .status()
            .expect("touch");
        assert!(status.success());
    }

    fn mtime(&self, file: &str) -> i64 {
        let modified =
            std::fs::metadata(self.root.join(file)).expect("stat").modified().expect("mtime");
        modified.duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs() as i64
    }

    /// Every tracked file as a fresh clone has it: timestamped `seconds`.
    fn clone_at(&self, seconds: i64) {
        let out =
            Command::new("git").arg("ls-files").current_dir(&self.root).output().expect("git");
        for file in String::from_utf8_lossy(&out.stdout).lines() {
            self.set_mtime(&self.root.join(file), seconds);
        }
    }

    /// Adds and commits `file` (in a package: the package's list of files changes).
    fn add(&self, file: &str, text: &str) {
        std::fs::write(self.root.join(file), text).expect("write");
        self.git(&["add", file]);
        self.git(&["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "add"]);
    }

    /// A cargo build's fingerprint file in the target directory, written now.
    fn build(&self, unit: &str) {
        let dir = self.target.join("debug/.fingerprint").join(unit);
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("lib-unit"), "fingerprint").expect("write");
    }

    /// A cargo build after the last seal, surely later whatever the filesystem's timestamp
    /// granularity. `dir` is under the target directory.
    fn build_after_the_seal(&self, dir: &str) {
        let file = self.target.join(dir).join("lib-unit");
        std::fs::create_dir_all(file.parent().expect("dir")).expect("mkdir");
        std::fs::write(&file, "fingerprint").expect("write");
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(3_600);
        let later = later.duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs();
        self.set_mtime(&file, later as i64);
    }

    /// A run as CI makes it: restore, a build, seal. Answers restore's output.
    fn ci_run(&self, unit: &str) -> String {
        let restored = self.run("restore");
        self.build(unit);
        self.run("seal");
        restored
    }
}

#[test]
fn unchanged_files_get_the_last_runs_timestamps_back_and_changed_ones_keep_their_own() {
    // Given a first CI run on files timestamped FIRST_RUN.
    let repo = Repo::new();
    repo.clone_at(FIRST_RUN);
    let first = repo.ci_run("unit-1");
    assert!(first.contains("source-timestamps: no record; path crates rebuild"), "{first}");
    assert!(first.contains("reused the timestamps of 0 unchanged files"), "{first}");

    // When the next run starts on a fresh clone (every file newer) in which b.rs changed.
    repo.clone_at(CLONE);
    std::fs::write(repo.root.join("b.rs"), "fn b() { changed() }\n").expect("write");
    repo.set_mtime(&repo.root.join("b.rs"), CLONE);
    let second = repo.ci_run("unit-2");

    // Then the unchanged files are as old as in the first run, and b.rs is as new as the clone.
    assert!(second.contains("reused the timestamps of 5 unchanged files"), "{second}");
    assert_eq!(repo.mtime("a.rs"), FIRST_RUN);
    assert_eq!(repo.mtime("scripts/source-timestamps"), FIRST_RUN);
    assert_eq!(repo.mtime("b.rs"), CLONE);

    // And a third run on the same content keeps b.rs at the time of the run that changed it.
    repo.clone_at(CLONE + 1_000);
    let third = repo.ci_run("unit-3");
    assert!(third.contains("reused the timestamps of 6 unchanged files"), "{third}");
    assert_eq!((repo.mtime("a.rs"), repo.mtime("b.rs")), (FIRST_RUN, CLONE));
}

#[test]
fn content_back_to_an_older_version_is_not_taken_for_the_last_runs() {
    // Given runs on version 1 of b.rs, then on version 2.
    let repo = Repo::after_a_sealed_run();
    std::fs::write(repo.root.join("b.rs"), "fn b() { 2 }\n").expect("write");
    repo.clone_at(CLONE);
    repo.ci_run("unit-2");

    // When b.rs goes back to version 1 in a fresh clone.
    std::fs::write(repo.root.join("b.rs"), "fn b() {}\n").expect("write");
    repo.clone_at(CLONE + 1_000);
    repo.ci_run("unit-3");

    // Then it keeps the clone's time: the cache was built from version 2 since.
    assert_eq!(repo.mtime("b.rs"), CLONE + 1_000);
    assert_eq!(repo.mtime("a.rs"), FIRST_RUN);
}

#[test]
fn a_build_after_the_seal_voids_the_record() {
    // Given a sealed run, then a build the record does not cover (someone else's, or a
    // nested build under tmp/).
    let repo = Repo::after_a_sealed_run();
    repo.build_after_the_seal("tmp/idl-build/debug/.fingerprint/program");

    // When the next run starts on an unchanged fresh clone.
    repo.clone_at(CLONE);
    let restored = repo.run("restore");

    // Then nothing is reused: every file keeps the clone's time.
    assert!(restored.contains("something built in"), "{restored}");
    assert!(restored.contains("reused the timestamps of 0 unchanged files"), "{restored}");
    assert_eq!((repo.mtime("a.rs"), repo.mtime("b.rs")), (CLONE, CLONE));
}

#[test]
fn a_run_that_never_sealed_leaves_nothing_to_reuse() {
    // Given a run that restored and built but was killed before sealing.
    let repo = Repo::after_a_sealed_run();
    repo.clone_at(CLONE);
    repo.run("restore");
    repo.build("unit-2");

    // When the next run starts.
    repo.clone_at(CLONE + 1_000);
    let restored = repo.run("restore");

    // Then it reuses nothing: that build may hold any content.
    assert!(restored.contains("something built in"), "{restored}");
    assert_eq!(repo.mtime("a.rs"), CLONE + 1_000);
}

#[test]
fn a_missing_target_directory_or_action_is_refused() {
    let repo = Repo::new();
    let script = repo.root.join("scripts/source-timestamps");
    let out = Command::new("bash")
        .arg(&script)
        .arg("restore")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("set CARGO_TARGET_DIR"));
    let out = Command::new("bash")
        .arg(&script)
        .arg("bogus")
        .env("CARGO_TARGET_DIR", &repo.target)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("usage: "));
}

#[test]
fn a_package_that_gained_a_file_reuses_nothing_and_the_others_still_do() {
    // Given a run, then a commit adding a migration (no other file of the package changes).
    let repo = Repo::after_a_sealed_run();
    repo.add("store/migrations/0002.sql", "CREATE TABLE u (y);\n");

    // When the next run starts on a fresh clone.
    repo.clone_at(CLONE);
    let restored = repo.ci_run("unit-2");

    // Then the package's unchanged files stay new, so cargo rebuilds the code that reads the
    // directory; files outside the package get their old times back.
    assert!(restored.contains("reused the timestamps of 3 unchanged files"), "{restored}");
    assert_eq!(repo.mtime("store/lib.rs"), CLONE);
    assert_eq!(repo.mtime("store/migrations/0001.sql"), CLONE);
    assert_eq!((repo.mtime("a.rs"), repo.mtime("b.rs")), (FIRST_RUN, FIRST_RUN));
}

#[test]
fn a_checkout_at_another_path_reuses_nothing() {
    // Given a sealed run, then the same content cloned at another path.
    let mut repo = Repo::after_a_sealed_run();
    let moved = repo.root.with_file_name("elsewhere");
    std::fs::rename(&repo.root, &moved).expect("move");
    repo.root = moved;

    // When the next run starts there.
    repo.clone_at(CLONE);
    let restored = repo.run("restore");

    // Then nothing is reused: builds hold the old path (env!("CARGO_MANIFEST_DIR")).
    assert!(restored.contains("the last run was at another path"), "{restored}");
    assert_eq!(repo.mtime("a.rs"), CLONE);
}

#[test]
fn outside_ci_the_tree_is_only_recorded() {
    // Given a sealed CI run.
    let repo = Repo::after_a_sealed_run();

    // When the script runs without CI=true (a developer's working tree).
    repo.clone_at(CLONE);
    let restored = repo.run_with("restore", &[]);

    // Then no timestamp changes.
    assert!(restored.contains("not a CI run (CI=true); recording only"), "{restored}");
    assert_eq!(repo.mtime("a.rs"), CLONE);
}

#[test]
fn a_target_directory_called_build_is_still_checked() {
    // Given a target directory named like the directories the check skips for speed.
    let mut repo = Repo::new();
    repo.target = repo.target.with_file_name("build");
    repo.clone_at(FIRST_RUN);
    repo.ci_run("unit-1");
    repo.build_after_the_seal("debug/.fingerprint/unit-2");

    // When the next run starts.
    repo.clone_at(CLONE);
    let restored = repo.run("restore");

    // Then the later build is seen, and nothing is reused.
    assert!(restored.contains("something built in"), "{restored}");
    assert_eq!(repo.mtime("a.rs"), CLONE);
}

#[test]
fn sealing_without_a_record_does_nothing_and_succeeds() {
    let repo = Repo::new();
    assert_eq!(repo.run("seal"), "");
    assert!(!repo.target.join(".source-timestamps").exists());
}
