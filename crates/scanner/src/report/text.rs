//! The text report, for people: a verdict per file, then each finding with where it is
//! and what it would do.

use std::fmt::Write as _;

use crate::finding::{FileReport, Finding, Verdict};

/// Render one file's report. Clean files with no findings render as nothing unless `verbose`.
#[must_use]
pub fn render_file(report: &FileReport, verbose: bool) -> String {
    let mut out = String::new();
    if report.findings.is_empty() && !verbose {
        return out;
    }
    let kind = serde_json::to_value(report.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let _ = writeln!(out, "{}: {} ({kind})", report.path, report.verdict.as_str());
    for finding in &report.findings {
        render_finding(&mut out, &report.path, finding);
    }
    out
}

fn render_finding(out: &mut String, path: &str, f: &Finding) {
    let tainted = if f.tainted == Some(true) {
        " [tainted]"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "  {} [{}]{tainted} {}",
        f.rule,
        f.severity.as_str(),
        f.message
    );
    if let Some(span) = f.span {
        let _ = writeln!(out, "    --> {path}:{}:{}", span.line, span.column);
    } else if !f.member.is_empty() || f.offset.is_some() {
        let mut place = String::from(path);
        for m in &f.member {
            place.push('!');
            place.push_str(m);
        }
        if let Some(offset) = f.offset {
            let _ = write!(place, " @ offset {offset}");
        }
        let _ = writeln!(out, "    --> {place}");
    }
    if let Some(explanation) = &f.explanation {
        for line in explanation.lines() {
            let _ = writeln!(out, "    | {line}");
        }
    }
    for step in &f.flow {
        let _ = writeln!(
            out,
            "    flow: {}:{}:{} {}",
            step.path, step.span.line, step.span.column, step.note
        );
    }
}

/// The closing summary line.
#[must_use]
pub fn render_summary(reports: &[FileReport], skipped: usize) -> String {
    let count = |v: Verdict| reports.iter().filter(|r| r.verdict == v).count();
    format!(
        "scanned {} files ({} skipped): {} dangerous, {} suspicious, {} error, {} clean; {} findings\n",
        reports.len(),
        skipped,
        count(Verdict::Dangerous),
        count(Verdict::Suspicious),
        count(Verdict::Error),
        count(Verdict::Clean),
        reports.iter().map(|r| r.findings.len()).sum::<usize>()
    )
}
