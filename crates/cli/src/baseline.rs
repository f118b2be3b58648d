//! Baselines: accept today's findings, report only new ones.
//!
//! A baseline is a JSON file of finding fingerprints. Source findings are keyed by rule,
//! path and line text (they survive lines moving); artifact findings also by the file's
//! SHA-256, so a changed model file is reported again even at the same path.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, Result};
use brine_scanner::FileReport;
use brine_scanner::report::LineSource;
use brine_scanner::report::fingerprint::report_fingerprints;
use serde::{Deserialize, Serialize};

use crate::hashing::sha256_file;

#[derive(Serialize, Deserialize)]
struct Entry {
    fingerprint: String,
    rule: String,
    path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

/// Fingerprints of every finding, in report order, with the artifact digest where relevant.
fn entries(reports: &[FileReport], lines: &dyn LineSource) -> Vec<Vec<Entry>> {
    reports
        .iter()
        .map(|report| {
            let is_source = report.findings.iter().all(|f| f.span.is_some());
            let digest = if is_source {
                None
            } else {
                sha256_file(Path::new(&report.path))
                    .ok()
                    .map(|(sha, _)| sha)
            };
            let fingerprints = report_fingerprints(report, lines, digest.as_deref());
            report
                .findings
                .iter()
                .zip(fingerprints)
                .map(|(f, fingerprint)| Entry {
                    fingerprint,
                    rule: f.rule.to_owned(),
                    path: report.path.clone(),
                    sha256: if f.span.is_none() {
                        digest.clone()
                    } else {
                        None
                    },
                })
                .collect()
        })
        .collect()
}

/// Write a baseline of every finding.
pub fn write(path: &Path, reports: &[FileReport], lines: &dyn LineSource) -> Result<()> {
    let findings = entries(reports, lines).into_iter().flatten().collect();
    let text = serde_json::to_string_pretty(&BaselineFile {
        version: 1,
        findings,
    })?;
    std::fs::write(path, text + "\n")
        .with_context(|| format!("writing baseline {}", path.display()))
}

/// Drop the findings that the baseline already holds.
pub fn apply(
    path: &Path,
    reports: Vec<FileReport>,
    lines: &dyn LineSource,
) -> Result<Vec<FileReport>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading baseline {}", path.display()))?;
    let file: BaselineFile = serde_json::from_str(&text)
        .with_context(|| format!("parsing baseline {}", path.display()))?;
    let known: HashSet<String> = file.findings.into_iter().map(|e| e.fingerprint).collect();
    let all = entries(&reports, lines);
    Ok(reports
        .into_iter()
        .zip(all)
        .map(|(mut report, fps)| {
            let findings = std::mem::take(&mut report.findings)
                .into_iter()
                .zip(fps)
                .filter(|(_, e)| !known.contains(&e.fingerprint))
                .map(|(f, _)| f)
                .collect();
            report.with_findings(findings)
        })
        .collect())
}
