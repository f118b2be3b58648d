//! Shared helpers for the data-flow tests: load a fixture program (a folder of Python
//! files) and run the whole analysis on it.

// Each test binary includes this module and uses a different subset of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use brine_scanner::Finding;
use brine_scanner::limits::Limits;
use brine_scanner::python::CodeSettings;
use brine_scanner::taint::analyze_files;

/// `tests/fixtures/taint/<name>`.
pub fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/taint")
        .join(name)
}

/// Every `.py` file under `dir`, sorted, as (path relative to `root`, text).
pub fn program(root: &Path, dir: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "py") {
                let relative = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                files.push((relative, std::fs::read_to_string(&path).unwrap_or_default()));
            }
        }
    }
    files.sort();
    files
}

/// Analyze in-memory files as one program.
pub fn analyze(files: &[(String, String)]) -> Vec<(String, Vec<Finding>)> {
    analyze_files(files, &CodeSettings::default(), &Limits::default())
}

/// Sink findings (not the `BRN19x` notes) of one file.
pub fn sinks(findings: &[Finding]) -> impl Iterator<Item = &Finding> {
    findings.iter().filter(|f| !f.rule.starts_with("BRN19"))
}
