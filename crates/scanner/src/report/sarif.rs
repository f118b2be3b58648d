//! SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
//!
//! One run; every registered rule is listed so `ruleIndex` is stable. Source findings get
//! a region; artifact findings (binary files) get a file-level location on line 1, with the
//! member path and byte offset in the message and in `properties`, which GitHub accepts.
//! Data-flow paths become `codeFlows`. Fingerprints come from [`super::fingerprint`].

use serde_json::{Value, json};

use super::LineSource;
use super::fingerprint::report_fingerprints;
use crate::finding::{FileReport, Finding, Severity, Span};
use crate::rules::{self, RuleMeta};

/// The schema URI written into the log.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// GitHub's `security-severity` score for a severity.
#[must_use]
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.8",
        Severity::High => "8.1",
        Severity::Medium => "5.5",
        Severity::Low => "3.1",
        Severity::Info => "0.1",
    }
}

/// The SARIF `level` of a severity.
#[must_use]
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn rule_descriptor(rule: &RuleMeta) -> Value {
    let mut tags = vec!["security".to_owned(), rule.family.as_str().to_owned()];
    tags.extend(rule.cwe.iter().map(|c| format!("external/cwe/cwe-{c}")));
    json!({
        "id": rule.code,
        "name": rule.name,
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": rule.summary },
        "help": { "text": rule.docs.trim(), "markdown": rules::render_markdown(rule) },
        "defaultConfiguration": { "level": level(rule.severity) },
        "properties": {
            "tags": tags,
            "precision": "high",
            "security-severity": security_severity(rule.severity),
        },
    })
}

fn region(span: Span) -> Value {
    json!({
        "startLine": span.line.max(1),
        "startColumn": span.column.max(1),
        "endLine": span.end_line.max(span.line).max(1),
        "endColumn": span.end_column.max(1),
    })
}

fn physical(path: &str, span: Option<Span>) -> Value {
    let region = span.map_or_else(|| json!({ "startLine": 1 }), region);
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": path.replace('\\', "/"), "uriBaseId": "%SRCROOT%" },
            "region": region,
        }
    })
}

fn message(finding: &Finding) -> String {
    let mut text = finding.message.clone();
    if !finding.member.is_empty() || finding.offset.is_some() {
        text.push_str(" (in ");
        text.push_str(if finding.member.is_empty() {
            "file"
        } else {
            ""
        });
        text.push_str(&finding.member.join("!"));
        if let Some(offset) = finding.offset {
            text.push_str(&format!(" @ offset {offset}"));
        }
        text.push(')');
    }
    if let Some(explanation) = &finding.explanation {
        text.push_str(": ");
        text.push_str(explanation);
    }
    text
}

fn result(report: &FileReport, finding: &Finding, rule_index: Option<usize>, fp: String) -> Value {
    let mut r = json!({
        "ruleId": finding.rule,
        "level": level(finding.severity),
        "message": { "text": message(finding) },
        "locations": [physical(&report.path, finding.span)],
        "partialFingerprints": { "primaryLocationLineHash": fp.clone(), "brine/v1": fp },
        "properties": {
            "severity": finding.severity,
            "verdict": finding.verdict,
            "security-severity": security_severity(finding.severity),
        },
    });
    let obj = r.as_object_mut().expect("object literal");
    if let Some(index) = rule_index {
        obj.insert("ruleIndex".into(), json!(index));
    }
    let props = obj
        .get_mut("properties")
        .and_then(Value::as_object_mut)
        .expect("object literal");
    if !finding.member.is_empty() {
        props.insert("member".into(), json!(finding.member.join("!")));
    }
    if let Some(offset) = finding.offset {
        props.insert("byteOffset".into(), json!(offset));
    }
    if let Some(tainted) = finding.tainted {
        props.insert("tainted".into(), json!(tainted));
    }
    if let Some(path) = &finding.load_path {
        props.insert("loadPath".into(), json!(path));
    }
    if let Some(lock) = &finding.lock {
        props.insert(
            "lock".into(),
            serde_json::to_value(lock).unwrap_or(Value::Null),
        );
    }
    if !finding.flow.is_empty() {
        let steps: Vec<Value> = finding
            .flow
            .iter()
            .map(|s| {
                let mut loc = physical(&s.path, Some(s.span));
                loc["message"] = json!({ "text": s.note });
                json!({ "location": loc })
            })
            .collect();
        obj.insert(
            "codeFlows".into(),
            json!([{ "threadFlows": [{ "locations": steps }] }]),
        );
    }
    r
}

/// The whole log.
#[must_use]
pub fn render(reports: &[FileReport], lines: &dyn LineSource) -> String {
    let all = rules::all();
    let descriptors: Vec<Value> = all.iter().map(|r| rule_descriptor(r)).collect();
    let mut results = Vec::new();
    for report in reports {
        let fingerprints = report_fingerprints(report, lines, None);
        for (finding, fp) in report.findings.iter().zip(fingerprints) {
            let index = all.iter().position(|r| r.code == finding.rule);
            results.push(result(report, finding, index, fp));
        }
    }
    // Files with a `weights_only` prediction are listed as run artifacts carrying it.
    let artifacts: Vec<Value> = reports
        .iter()
        .filter_map(|r| {
            let prediction = r.weights_only.as_ref()?;
            Some(json!({
                "location": { "uri": r.path.replace('\\', "/"), "uriBaseId": "%SRCROOT%" },
                "properties": { "brine/weights_only": prediction },
            }))
        })
        .collect();
    let mut doc = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "brine",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "version": env!("CARGO_PKG_VERSION"),
                "rules": descriptors,
            }},
            "automationDetails": { "id": "brine/scan/" },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    if !artifacts.is_empty()
        && let Some(run) = doc.pointer_mut("/runs/0").and_then(Value::as_object_mut)
    {
        run.insert("artifacts".into(), json!(artifacts));
    }
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}
