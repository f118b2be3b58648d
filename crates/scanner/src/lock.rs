//! `brine.lock`: pinned model files (path, SHA-256, size, format, verdict) and the
//! comparison `brine verify` makes against it.
//!
//! Plain data: this module never reads the files it describes (the CLI hashes them) and
//! never trusts a lock's paths to leave the folder the lock sits in.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::finding::{FileKind, Verdict};

/// Current lock format version.
pub const LOCK_VERSION: u32 = 1;

/// One pinned file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockEntry {
    /// Path relative to the lock file's folder, `/`-separated.
    pub path: String,
    /// Lowercase hex SHA-256 of the whole file.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// What brine recognised it as.
    pub format: FileKind,
    /// brine's verdict when it was locked.
    pub verdict: Verdict,
}

/// The whole lock file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockFile {
    /// Format version.
    pub version: u32,
    /// Entries sorted by path.
    #[serde(default, rename = "file")]
    pub files: Vec<LockEntry>,
}

/// Errors reading a lock file.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Not valid TOML or not the expected shape.
    #[error("invalid brine.lock: {0}")]
    Parse(#[from] toml::de::Error),
    /// Written by a newer brine.
    #[error("brine.lock version {0} is newer than this brine understands ({LOCK_VERSION})")]
    Version(u32),
    /// An entry's path leaves the lock's folder.
    #[error("brine.lock entry `{0}` is not a relative path inside the lock's folder")]
    Path(String),
}

/// Whether a lock path stays inside the lock's folder.
#[must_use]
pub fn is_contained(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && !path.contains(':')
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != ".." && c != ".")
}

impl LockFile {
    /// Parse and check a lock file.
    ///
    /// # Errors
    /// Bad TOML, a newer version, or a path outside the lock's folder.
    pub fn parse(text: &str) -> Result<LockFile, LockError> {
        let lock: LockFile = toml::from_str(text)?;
        if lock.version > LOCK_VERSION {
            return Err(LockError::Version(lock.version));
        }
        if let Some(bad) = lock.files.iter().find(|e| !is_contained(&e.path)) {
            return Err(LockError::Path(bad.path.clone()));
        }
        Ok(lock)
    }

    /// Render as TOML, entries sorted by path.
    #[must_use]
    pub fn render(&self) -> String {
        let mut sorted = self.clone();
        sorted.files.sort_by(|a, b| a.path.cmp(&b.path));
        let body = toml::to_string(&sorted).unwrap_or_default();
        format!("# brine.lock: pinned model files. Check them with `brine verify`.\n{body}")
    }
}

/// What `brine verify` found for one path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Same hash and size.
    Unchanged,
    /// Different content.
    Modified {
        /// Pinned hash.
        expected: String,
        /// Hash now.
        actual: String,
    },
    /// Pinned but gone.
    Missing,
    /// Present but not pinned.
    New,
}

/// Compare pinned entries with what is on disk now (`actual`: path → (sha256, size)).
#[must_use]
pub fn compare(lock: &LockFile, actual: &BTreeMap<String, (String, u64)>) -> Vec<(String, Change)> {
    let mut out = Vec::new();
    for entry in &lock.files {
        let change = match actual.get(&entry.path) {
            None => Change::Missing,
            Some((sha, size)) if *sha == entry.sha256 && *size == entry.size => Change::Unchanged,
            Some((sha, _)) => Change::Modified {
                expected: entry.sha256.clone(),
                actual: sha.clone(),
            },
        };
        out.push((entry.path.clone(), change));
    }
    for path in actual.keys() {
        if !lock.files.iter().any(|e| &e.path == path) {
            out.push((path.clone(), Change::New));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, sha: &str) -> LockEntry {
        LockEntry {
            path: path.into(),
            sha256: sha.into(),
            size: 3,
            format: FileKind::PytorchZip,
            verdict: Verdict::Clean,
        }
    }

    #[test]
    fn round_trips_and_rejects_escaping_paths() {
        let lock = LockFile {
            version: 1,
            files: vec![entry("b.pt", "bb"), entry("a/x.pt", "aa")],
        };
        let text = lock.render();
        let back = LockFile::parse(&text).unwrap();
        assert_eq!(back.files[0].path, "a/x.pt");
        for bad in ["../x.pt", "/etc/passwd", "a/../../x", "C:\\x", ""] {
            let l = LockFile {
                version: 1,
                files: vec![entry(bad, "aa")],
            };
            assert!(LockFile::parse(&l.render()).is_err(), "{bad}");
        }
        assert!(matches!(
            LockFile::parse("version = 9\n"),
            Err(LockError::Version(9))
        ));
    }

    #[test]
    fn compare_finds_modified_missing_and_new() {
        let lock = LockFile {
            version: 1,
            files: vec![
                entry("a.pt", "aa"),
                entry("b.pt", "bb"),
                entry("c.pt", "cc"),
            ],
        };
        let mut now = BTreeMap::new();
        now.insert("a.pt".to_owned(), ("aa".to_owned(), 3));
        now.insert("b.pt".to_owned(), ("xx".to_owned(), 3));
        now.insert("d.pt".to_owned(), ("dd".to_owned(), 3));
        let got = compare(&lock, &now);
        assert_eq!(got[0], ("a.pt".into(), Change::Unchanged));
        assert!(matches!(got[1].1, Change::Modified { .. }));
        assert_eq!(got[2], ("c.pt".into(), Change::Missing));
        assert_eq!(got[3], ("d.pt".into(), Change::New));
    }
}
