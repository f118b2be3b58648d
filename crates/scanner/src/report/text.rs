//! The text report, for people, in Ruff's shape: `path:line:col: CODE message`, then the
//! source line with the span underlined; for artifacts, the member path, byte offset and
//! what the file would run. Colour only when the caller says the output is a terminal.

use std::fmt::Write as _;

use super::LineSource;
use crate::finding::{FileReport, Finding, Severity, Verdict};

/// How to render.
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    /// ANSI colours.
    pub color: bool,
    /// Also list clean files.
    pub verbose: bool,
}

fn paint(style: Style, code: &str, text: &str) -> String {
    if style.color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

fn severity_color(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "1;31",
        Severity::Medium => "1;33",
        Severity::Low | Severity::Info => "1;36",
    }
}

fn verdict_color(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Dangerous => "1;31",
        Verdict::Error => "1;35",
        Verdict::Suspicious => "1;33",
        Verdict::Clean => "32",
    }
}

/// Render one file's report. Files without findings render as nothing unless `verbose`.
#[must_use]
pub fn render_file(report: &FileReport, lines: &dyn LineSource, style: Style) -> String {
    let mut out = String::new();
    if report.findings.is_empty() && !style.verbose {
        return out;
    }
    let kind = serde_json::to_value(report.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{}: {} ({kind})",
        paint(style, "1", &report.path),
        paint(
            style,
            verdict_color(report.verdict),
            report.verdict.as_str()
        )
    );
    for finding in &report.findings {
        render_finding(&mut out, &report.path, finding, lines, style);
    }
    out
}

fn render_finding(out: &mut String, path: &str, f: &Finding, lines: &dyn LineSource, style: Style) {
    let tainted = if f.tainted == Some(true) {
        " [tainted]"
    } else {
        ""
    };
    let code = paint(style, severity_color(f.severity), f.rule);
    match f.span {
        Some(span) => {
            let _ = writeln!(
                out,
                "{path}:{}:{}: {code} [{}]{tainted} {}",
                span.line,
                span.column,
                f.severity.as_str(),
                f.message
            );
            if let Some(text) = lines.line(path, span.line) {
                let gutter = span.line.to_string();
                let pad = " ".repeat(gutter.len());
                let start = span.column.saturating_sub(1) as usize;
                let text = text.trim_end_matches(['\r', '\n']);
                let width = text.chars().count();
                let end = if span.end_line == span.line {
                    (span.end_column.saturating_sub(1) as usize).min(width)
                } else {
                    width
                };
                let carets = "^".repeat(end.saturating_sub(start).max(1));
                let _ = writeln!(out, " {pad} |");
                let _ = writeln!(out, " {gutter} | {text}");
                let _ = writeln!(
                    out,
                    " {pad} | {}{}",
                    " ".repeat(start),
                    paint(style, severity_color(f.severity), &carets)
                );
            }
        }
        None => {
            let mut place = String::from(path);
            for m in &f.member {
                place.push('!');
                place.push_str(m);
            }
            if let Some(offset) = f.offset {
                let _ = write!(place, " @ offset {offset}");
            }
            let _ = writeln!(out, "  {code} [{}] {}", f.severity.as_str(), f.message);
            let _ = writeln!(out, "    --> {place}");
        }
    }
    if let Some(explanation) = &f.explanation {
        for line in explanation.lines() {
            let _ = writeln!(out, "    | {line}");
        }
    }
    for (i, step) in f.flow.iter().enumerate() {
        let _ = writeln!(
            out,
            "    {}. {}:{}:{}: {}",
            i + 1,
            step.path,
            step.span.line,
            step.span.column,
            step.note
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{FileKind, Span};

    struct One(&'static str);
    impl LineSource for One {
        fn line(&self, _: &str, _: u32) -> Option<String> {
            Some(self.0.to_owned())
        }
    }

    #[test]
    fn source_findings_underline_their_span() {
        let span = Span {
            line: 3,
            column: 12,
            end_line: 3,
            end_column: 24,
            start_byte: 0,
            end_byte: 0,
        };
        let f = Finding::new(
            "BRN101",
            Severity::High,
            Verdict::Suspicious,
            "pickle.loads on data",
        )
        .at_span(span);
        let r = FileReport::new("app.py", FileKind::Python, vec![f]);
        let out = render_file(&r, &One("    return pickle.loads(body)"), Style::default());
        insta::assert_snapshot!(out, @r"
        app.py: suspicious (python)
        app.py:3:12: BRN101 [high] pickle.loads on data
           |
         3 |     return pickle.loads(body)
           |            ^^^^^^^^^^^^
        ");
    }

    #[test]
    fn artifact_findings_name_member_and_offset() {
        let mut f = Finding::new(
            "BRN001",
            Severity::Critical,
            Verdict::Dangerous,
            "calls os.system",
        )
        .at_offset(42)
        .explained("os.system('id')");
        f.inside("archive/data.pkl");
        let r = FileReport::new("m.pt", FileKind::PytorchZip, vec![f]);
        let out = render_file(&r, &super::super::NoSource, Style::default());
        insta::assert_snapshot!(out, @r"
        m.pt: dangerous (pytorch-zip)
          BRN001 [critical] calls os.system
            --> m.pt!archive/data.pkl @ offset 42
            | os.system('id')
        ");
    }
}
