//! Shared helpers for the code-scanning integration tests: reading fixtures and the
//! `# expect: BRN101, BRN108` / `# ok` markers on their lines.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use brine_scanner::Finding;
use brine_scanner::python::{CodeSettings, scan_source};

/// What one fixture line says it should produce.
#[derive(Debug)]
pub struct Expectation {
    /// 1-based line.
    pub line: u32,
    /// Rules expected on it; empty for an `# ok` line.
    pub rules: BTreeSet<String>,
}

/// The fixture directory `tests/fixtures/code/<sub>`.
pub fn fixture_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/code")
        .join(sub)
}

/// The `.py` files directly in `dir`, sorted.
pub fn python_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "py"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The marked lines of a fixture.
pub fn expectations(source: &str) -> Vec<Expectation> {
    let mut out = Vec::new();
    for (index, text) in source.lines().enumerate() {
        let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if let Some(at) = text.find("# expect:") {
            let rules = text[at + "# expect:".len()..]
                .split(',')
                .map(|r| r.trim().to_owned())
                .filter(|r| !r.is_empty())
                .collect();
            out.push(Expectation { line, rules });
        } else if text.trim_end().ends_with("# ok") {
            out.push(Expectation {
                line,
                rules: BTreeSet::new(),
            });
        }
    }
    out
}

/// Scan a fixture with default settings.
pub fn scan(path: &Path, source: &str) -> Vec<Finding> {
    scan_source(
        &path.display().to_string(),
        source.as_bytes(),
        &CodeSettings::default(),
    )
}

/// Whether a finding is an unsafe-load finding (not a BRN19x note).
pub fn is_sink_rule(rule: &str) -> bool {
    rule.starts_with("BRN1") && !rule.starts_with("BRN19")
}

/// Sink findings as (line, rule).
pub fn sink_hits(findings: &[Finding]) -> BTreeSet<(u32, String)> {
    findings
        .iter()
        .filter(|f| is_sink_rule(f.rule))
        .filter_map(|f| f.span.map(|s| (s.line, f.rule.to_owned())))
        .collect()
}
