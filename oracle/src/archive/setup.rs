//! The archiver of a `serve` process, from its config (`[archive]`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use gridmint_sdk::chain::Chain;

use super::{ArchiveSettings, Archiver};
use crate::config::{ArchiveConfig, Config};
use crate::epoch::Engine;
use crate::store::Store;

/// `archive.dir`, else `archive/` beside the SQLite file of `database_url`; `None` when
/// there is neither (PostgreSQL, in-memory SQLite).
pub fn dir_for(archive: &ArchiveConfig, database_url: &str) -> Option<PathBuf> {
    if let Some(dir) = &archive.dir {
        return Some(dir.clone());
    }
    let rest = database_url.strip_prefix("sqlite:")?;
    let path = rest.trim_start_matches("//").split('?').next().unwrap_or("");
    if path.is_empty() || path.starts_with(":memory:") {
        return None;
    }
    let parent = Path::new(path).parent().unwrap_or(Path::new(""));
    Some(parent.join("archive"))
}

/// The archiver `config` asks for, over `chain` and `store`; `None` when archiving is off
/// (or has no directory: a warning says so).
pub fn from_config(
    config: &Config,
    chain: Arc<dyn Chain>,
    store: Arc<Store>,
    deployment: [u8; 32],
) -> anyhow::Result<Option<Arc<Archiver>>> {
    let archive = &config.archive;
    if !archive.enabled {
        return Ok(None);
    }
    let Some(dir) = dir_for(archive, &config.database_url) else {
        tracing::warn!("archive.dir is not set and the database is not a SQLite file: no archive");
        return Ok(None);
    };
    if archive.prune {
        tracing::info!(dir = %dir.display(), retain_epochs = ?archive.retain_epochs, "archiving and pruning");
    }
    let settings =
        ArchiveSettings { dir, prune: archive.prune, retain_epochs: archive.retain_epochs };
    let engine = Engine { chain, store, deployment };
    let peers = config.oracle.peers.clone();
    Ok(Some(Arc::new(Archiver::new(engine, settings, peers, config.oracle.peer_timeout)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Config {
        let env = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        Config::load(None, env).expect("config")
    }

    #[test]
    fn archives_go_beside_the_sqlite_file_unless_a_directory_is_set() {
        // Given only a database URL, Then archiving is on, pruning off, the dir derived.
        let c = config(&[("GRIDMINT_ORACLE__DATABASE_URL", "sqlite:///var/lib/gm/o.db?mode=rwc")]);
        assert!(c.archive.enabled && !c.archive.prune && c.archive.retain_epochs.is_none());
        assert_eq!(c.archive.interval, std::time::Duration::from_secs(30));
        let dir = dir_for(&c.archive, &c.database_url);
        assert_eq!(dir, Some(PathBuf::from("/var/lib/gm/archive")));
        assert_eq!(dir_for(&c.archive, "sqlite:o.db"), Some(PathBuf::from("archive")));
        // PostgreSQL and in-memory SQLite have no file to sit beside.
        assert_eq!(dir_for(&c.archive, "postgres://u@h/db"), None);
        assert_eq!(dir_for(&c.archive, "sqlite::memory:"), None);
        // When set (here from the environment), Then the directory and pruning are used.
        let c = config(&[
            ("GRIDMINT_ORACLE__DATABASE_URL", "postgres://u@h/db"),
            ("GRIDMINT_ORACLE__ARCHIVE__DIR", "/srv/archive"),
            ("GRIDMINT_ORACLE__ARCHIVE__PRUNE", "true"),
            ("GRIDMINT_ORACLE__ARCHIVE__RETAIN_EPOCHS", "30"),
        ]);
        assert_eq!(dir_for(&c.archive, &c.database_url), Some(PathBuf::from("/srv/archive")));
        assert_eq!((c.archive.prune, c.archive.retain_epochs), (true, Some(30)));
    }
}
