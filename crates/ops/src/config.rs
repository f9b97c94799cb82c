//! Layered configuration: a TOML file, then `PREFIX__SECTION__KEY` environment variables
//! (`__` separates levels, keys lower-cased), then typed by serde. Durations are written in
//! human form (`"5s"`, `"250ms"`); lists may be one comma-separated string.
//!
//! Why env overrides: containers and tests set a value without writing a file. Configs are
//! never logged whole, so a secret added later is not leaked by logging.

use std::path::Path;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

/// Reads `path` (if any), applies the overrides among `env` whose names start with `prefix`
/// (e.g. `GRIDMINT_ORACLE__`), and deserializes the result.
pub fn load_layered<T: DeserializeOwned>(
    path: Option<&Path>,
    prefix: &str,
    env: impl IntoIterator<Item = (String, String)>,
) -> anyhow::Result<T> {
    let mut table = match path {
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| anyhow::anyhow!("reading {}: {e}", p.display()))?
            .parse::<toml::Table>()
            .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
        None => toml::Table::new(),
    };
    for (name, raw) in env {
        let Some(rest) = name.strip_prefix(prefix) else { continue };
        let keys: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
        set(&mut table, &keys, env_value(&raw))?;
    }
    Ok(toml::Value::Table(table).try_into()?)
}

/// Serde helper: a duration in human form (`"5s"`, `"1m"`).
pub fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    humantime::parse_duration(&text).map_err(serde::de::Error::custom)
}

/// Serde helper: a TOML array of strings, or one comma-separated string (how an environment
/// override writes a list).
pub fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum List {
        One(String),
        Many(Vec<String>),
    }
    Ok(match List::deserialize(d)? {
        List::One(s) => {
            s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(String::from).collect()
        }
        List::Many(v) => v,
    })
}

/// An environment value as TOML: integers and booleans typed, everything else a string.
fn env_value(raw: &str) -> toml::Value {
    if let Ok(i) = raw.parse::<i64>() {
        toml::Value::Integer(i)
    } else if let Ok(b) = raw.parse::<bool>() {
        toml::Value::Boolean(b)
    } else {
        toml::Value::String(raw.to_string())
    }
}

fn set(table: &mut toml::Table, keys: &[String], value: toml::Value) -> anyhow::Result<()> {
    match keys {
        [] => anyhow::bail!("empty environment key"),
        [last] => {
            table.insert(last.clone(), value);
            Ok(())
        }
        [first, rest @ ..] => {
            let entry = table
                .entry(first.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            match entry {
                toml::Value::Table(t) => set(t, rest, value),
                _ => anyhow::bail!("{first} is not a section"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        name: String,
        #[serde(default)]
        section: Section,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    struct Section {
        #[serde(deserialize_with = "string_list")]
        list: Vec<String>,
        #[serde(deserialize_with = "duration")]
        wait: Duration,
        count: u32,
    }

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn environment_overrides_the_file_at_any_depth() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.toml");
        std::fs::write(&path, "name = \"file\"\n[section]\nlist = [\"a\", \"b\"]\ncount = 1\n")
            .expect("write");
        let s: Sample = load_layered(Some(&path), "P__", env(&[])).expect("load");
        assert_eq!((s.name.as_str(), s.section.list.len(), s.section.count), ("file", 2, 1));
        let s: Sample = load_layered(
            Some(&path),
            "P__",
            env(&[
                ("P__NAME", "env"),
                ("P__SECTION__LIST", "c, d ,e"),
                ("P__SECTION__WAIT", "250ms"),
                ("OTHER__NAME", "ignored"),
            ]),
        )
        .expect("load");
        assert_eq!(s.name, "env");
        assert_eq!(s.section.list, ["c", "d", "e"]);
        assert_eq!(s.section.wait, Duration::from_millis(250));
    }

    #[test]
    fn unknown_keys_bad_values_and_missing_files_are_errors() {
        let e = load_layered::<Sample>(None, "P__", env(&[("P__NAME", "x"), ("P__NOPE", "1")]));
        assert!(e.expect_err("unknown").to_string().contains("nope"));
        let e = load_layered::<Sample>(
            None,
            "P__",
            env(&[("P__NAME", "x"), ("P__SECTION__WAIT", "soon")]),
        );
        assert!(e.is_err());
        let e = load_layered::<Sample>(None, "P__", env(&[("P__NAME__DEEPER", "x")]));
        assert!(e.is_err(), "a value where a string is expected");
        let missing = Path::new("/nonexistent/gridmint.toml");
        let e = load_layered::<Sample>(Some(missing), "P__", env(&[])).expect_err("missing");
        assert!(e.to_string().starts_with("reading /nonexistent/gridmint.toml: "), "{e}");
    }
}
