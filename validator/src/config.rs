//! `.edulibra.yaml`: every `check` flag in a file, so a repository states its gate once. Found
//! upward from the current directory, or named with `--config`. Keys are the flags' long names
//! (`fail-on`, `soft-fail-on`); flags given on the command line override them. Paths in the file
//! are relative to the file. An unknown key or a value of the wrong type stops the gate with the
//! file, line and key.

use std::path::{Path, PathBuf};

/// The file's name, as searched for upward.
pub const FILE_NAME: &str = ".edulibra.yaml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}{line}: {key}{message}")]
    Invalid {
        path: String,
        /// `:N` when the parser knows the line.
        line: String,
        /// `key: ` when the error belongs to one key.
        key: String,
        message: String,
    },
}

/// One field per `check` flag. A list flag takes a list (or one string).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    pub policy: Option<StringOrList>,
    pub no_builtin: Option<bool>,
    pub format: Option<String>,
    pub output: Option<StringOrList>,
    pub fail_on: Option<String>,
    pub check: Option<StringOrList>,
    pub skip: Option<StringOrList>,
    pub soft_fail: Option<bool>,
    pub soft_fail_on: Option<StringOrList>,
    pub hard_fail_on: Option<StringOrList>,
    pub only_changes: Option<bool>,
    pub waivers: Option<String>,
    pub fail_on_stale_waivers: Option<bool>,
    pub waivers_report: Option<String>,
    pub source: Option<String>,
    pub no_source: Option<bool>,
    pub group_by: Option<String>,
    pub timeout: Option<u64>,
    pub engine: Option<String>,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub enum StringOrList {
    One(String),
    Many(Vec<String>),
}

impl StringOrList {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            StringOrList::One(s) => vec![s],
            StringOrList::Many(v) => v,
        }
    }
}

/// `.edulibra.yaml` in `start` or the nearest directory above it.
pub fn find_upward(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().ok()?;
    start
        .ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

pub fn load(path: &Path) -> Result<ConfigFile, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: shown.clone(),
        source,
    })?;
    if text.trim().is_empty() {
        return Ok(ConfigFile::default());
    }
    serde_yaml::from_str::<ConfigFile>(&text).map_err(|e| {
        let line = e
            .location()
            .map(|l| format!(":{}", l.line()))
            .unwrap_or_default();
        let mut message = e.to_string();
        // serde_yaml names a key's path in front of some messages; say it once.
        let key = guilty_key(&text)
            .map(|k| format!("{k}: "))
            .filter(|k| !message.starts_with(k.as_str()))
            .unwrap_or_default();
        // serde_yaml appends " at line N column M"; the line is already in front.
        if let Some(cut) = message.find(" at line ") {
            message.truncate(cut);
        }
        ConfigError::Invalid {
            path: shown,
            line,
            key,
            message,
        }
    })
}

/// Which top-level key makes the file fail: the first that does not deserialise on its own
/// (unknown, or of the wrong type).
fn guilty_key(text: &str) -> Option<String> {
    let serde_yaml::Value::Mapping(map) = serde_yaml::from_str(text).ok()? else {
        return None;
    };
    for (k, v) in map {
        let key = k.as_str()?.to_string();
        let mut one = serde_yaml::Mapping::new();
        one.insert(serde_yaml::Value::String(key.clone()), v);
        if serde_yaml::from_value::<ConfigFile>(serde_yaml::Value::Mapping(one)).is_err() {
            return Some(key);
        }
    }
    None
}

/// A path from the file, relative to the file's directory.
pub fn resolve(config: &Path, path: &str) -> PathBuf {
    let p = PathBuf::from(path);
    if p.is_absolute() {
        return p;
    }
    config.parent().unwrap_or(Path::new(".")).join(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ConfigFile, String> {
        let dir = std::env::temp_dir().join(format!("edulibra-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(FILE_NAME);
        std::fs::write(&p, text).unwrap();
        load(&p).map_err(|e| e.to_string())
    }

    #[test]
    fn every_key_parses_and_errors_name_line_and_key() {
        let all = "policy: [a, b]\nno-builtin: false\nformat: sarif\noutput: sarif=x.sarif\nfail-on: high\ncheck: [encryption]\nskip: EDU-LOG-007\nsoft-fail: true\nsoft-fail-on: [low]\nhard-fail-on: [EDU-IAM-001]\nonly-changes: true\nwaivers: w.yaml\nfail-on-stale-waivers: true\nwaivers-report: w.md\nsource: infra\nno-source: false\ngroup-by: framework\ntimeout: 30\nengine: auto\n";
        let c = parse(all).unwrap();
        assert_eq!(c.policy.unwrap().into_vec(), ["a", "b"]);
        assert_eq!(c.skip.unwrap().into_vec(), ["EDU-LOG-007"]);
        assert_eq!(c.timeout, Some(30));
        // The file takes exactly the keys above: serde lists them all for an unknown one.
        let e = parse("nonsense: 1\n").unwrap_err();
        let listed = e.split('`').skip(3).step_by(2).count();
        assert_eq!(all.lines().count(), listed, "{e}");
        assert!(
            all.lines()
                .all(|l| e.contains(&format!("`{}`", l.split(':').next().unwrap()))),
            "{e}"
        );

        let e = parse("format: json\nsoft-fial: true\n").unwrap_err();
        assert!(e.contains(":2: soft-fial: unknown field"), "{e}");
        let e = parse("format: json\n\nsoft-fail: sometimes\n").unwrap_err();
        assert!(e.contains(":3: soft-fail: invalid type"), "{e}");
        let e = parse("timeout: -1\n").unwrap_err();
        assert!(e.contains(":1: timeout:"), "{e}");
        assert!(parse("").is_ok());
    }
}
