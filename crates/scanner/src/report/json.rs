//! The JSON report, a stable contract for machines (schema in `docs/json-output.md`).
//!
//! Bump [`SCHEMA_VERSION`] on any change that removes or renames a field; adding fields
//! is a minor bump. Must stay one JSON document on stdout.

use serde_json::{Value, json};

use crate::finding::{FileKind, FileReport, Finding};

/// Version of the JSON output schema.
pub const SCHEMA_VERSION: &str = "1.1";

/// Counts for the summary block.
#[derive(Clone, Copy, Debug, Default)]
pub struct Totals {
    /// Files scanned (reported).
    pub scanned: usize,
    /// Files skipped because they are no format brine reads.
    pub skipped: usize,
    /// Whether the data-flow analysis ran (when it did not, `tainted` is false everywhere).
    pub taint_analysis: bool,
}

/// One finding as JSON: source findings carry 1-based `line`, `column`, `end_line`,
/// `end_column` and `tainted`; artifact findings carry `member` and `offset`.
#[must_use]
pub fn finding_json(finding: &Finding, kind: FileKind) -> Value {
    let mut v = json!({
        "rule": finding.rule,
        "severity": finding.severity,
        "verdict": finding.verdict,
        "message": finding.message,
    });
    let obj = v
        .as_object_mut()
        .expect("json! of an object literal is an object");
    if let Some(name) = crate::rules::find(finding.rule).map(|r| r.name) {
        obj.insert("name".into(), json!(name));
    }
    if let Some(span) = finding.span {
        obj.insert("line".into(), json!(span.line));
        obj.insert("column".into(), json!(span.column));
        obj.insert("end_line".into(), json!(span.end_line));
        obj.insert("end_column".into(), json!(span.end_column));
    }
    if kind == FileKind::Python || finding.span.is_some() {
        obj.insert("tainted".into(), json!(finding.tainted.unwrap_or(false)));
    }
    if !finding.member.is_empty() {
        obj.insert("member".into(), json!(finding.member.join("!")));
    }
    if let Some(offset) = finding.offset {
        obj.insert("offset".into(), json!(offset));
    }
    if let Some(explanation) = &finding.explanation {
        obj.insert("explanation".into(), json!(explanation));
    }
    if !finding.flow.is_empty() {
        obj.insert(
            "flow".into(),
            serde_json::to_value(&finding.flow).unwrap_or(Value::Null),
        );
    }
    if let Some(fix) = &finding.fix {
        obj.insert(
            "fix".into(),
            serde_json::to_value(fix).unwrap_or(Value::Null),
        );
    }
    if let Some(path) = &finding.load_path {
        obj.insert("load_path".into(), json!(path));
    }
    if let Some(lock) = &finding.lock {
        obj.insert(
            "lock".into(),
            serde_json::to_value(lock).unwrap_or(Value::Null),
        );
    }
    v
}

/// The whole report as one JSON document.
#[must_use]
pub fn render(reports: &[FileReport], totals: Totals) -> String {
    let files: Vec<Value> = reports
        .iter()
        .map(|r| {
            let mut file = json!({
                "path": r.path,
                "kind": r.kind,
                "verdict": r.verdict,
                "findings": r.findings.iter().map(|f| finding_json(f, r.kind)).collect::<Vec<_>>(),
            });
            if let (Some(prediction), Some(obj)) = (&r.weights_only, file.as_object_mut()) {
                obj.insert(
                    "weights_only".into(),
                    serde_json::to_value(prediction).unwrap_or(Value::Null),
                );
            }
            file
        })
        .collect();
    let count = |v: crate::Verdict| reports.iter().filter(|r| r.verdict == v).count();
    let doc = json!({
        "schema_version": SCHEMA_VERSION,
        "brine_version": env!("CARGO_PKG_VERSION"),
        "files": files,
        "summary": {
            "scanned": totals.scanned,
            "skipped": totals.skipped,
            "taint_analysis": totals.taint_analysis,
            "clean": count(crate::Verdict::Clean),
            "suspicious": count(crate::Verdict::Suspicious),
            "dangerous": count(crate::Verdict::Dangerous),
            "error": count(crate::Verdict::Error),
            "findings": reports.iter().map(|r| r.findings.len()).sum::<usize>(),
        },
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}
