//! Links dependency findings to the code that uses the affected API: a BRN301/BRN302 on
//! `torch==2.5.1` gains "used by `torch.load` at app/loader.py:12", because
//! `torch.load(..., weights_only=True)` is only safe from torch 2.6.0 on (CVE-2025-32434).
//! Runs after every file of the scan is read; it only edits messages.

use std::collections::BTreeMap;
use std::path::Path;

use brine_scanner::deps::{AdvisoryDb, VERSION_SENSITIVE_APIS, link_hint, parse_manifest};
use brine_scanner::{FileKind, FileReport, Span};

/// Whether the code scanner should record calls to this qualified name.
pub fn is_version_sensitive(callee: &str) -> bool {
    VERSION_SENSITIVE_APIS
        .iter()
        .any(|api| api.apis.contains(&callee))
}

/// A recorded call: (file, callee, where).
pub type ApiUse = (String, String, Span);

/// How many uses a message names before "and N more".
const USES_NAMED: usize = 3;

/// Append the code uses to the dependency findings whose version leaves that API unsafe.
pub fn annotate<'a>(
    reports: impl Iterator<Item = (&'a mut FileReport, &'a Path)>,
    uses: &[ApiUse],
    db: &AdvisoryDb,
) {
    if uses.is_empty() {
        return;
    }
    for (report, path) in reports.filter(|(r, _)| r.kind == FileKind::Manifest) {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let dependencies = parse_manifest(&report.path, &bytes, &|rel| {
            std::fs::read(dir.join(rel)).ok()
        });
        // finding index → the uses that make it matter
        let mut linked: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for (file, callee, span) in uses {
            for hint in link_hint(callee, &dependencies, db) {
                let Some(dependency) = dependencies.get(hint.dependency) else {
                    continue;
                };
                let on_line = |f: &brine_scanner::Finding| {
                    matches!(f.rule, "BRN301" | "BRN302")
                        && f.span.is_some_and(|s| s.line == dependency.line)
                        && f.member
                            .first()
                            .is_none_or(|m| *m == dependency.source_file)
                };
                // Several advisories can sit on one requirement: prefer the finding that
                // names this fact's advisory.
                let names_advisory = |f: &brine_scanner::Finding| {
                    hint.api.advisories.iter().any(|id| f.message.contains(id))
                };
                let found = report
                    .findings
                    .iter()
                    .position(|f| on_line(f) && names_advisory(f))
                    .or_else(|| report.findings.iter().position(on_line));
                if let Some(index) = found {
                    let place = format!("`{callee}` at {file}:{}:{}", span.line, span.column);
                    let entry = linked.entry(index).or_default();
                    if !entry.contains(&place) {
                        entry.push(place);
                    }
                }
            }
        }
        for (index, places) in linked {
            if let Some(finding) = report.findings.get_mut(index) {
                let named = places
                    .iter()
                    .take(USES_NAMED)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ");
                let more = places.len().saturating_sub(USES_NAMED);
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                finding.message = format!("{}; used by {named}{more}", finding.message);
            }
        }
    }
}
