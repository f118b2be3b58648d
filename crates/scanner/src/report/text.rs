//! The text report, for people, in Ruff's shape: `path:line:col: CODE message`, then the
//! source line with the span underlined; for artifacts, the member path, byte offset and
//! what the file would run. Colour only when the caller says the output is a terminal.

use std::fmt::Write as _;

use super::LineSource;
use crate::finding::{FileReport, Finding, Severity, Verdict, WeightsOnly};

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

/// Render one file's report. Files without findings render as nothing unless `verbose`
/// or they carry a `weights_only` prediction (present only when it was asked for).
#[must_use]
pub fn render_file(report: &FileReport, lines: &dyn LineSource, style: Style) -> String {
    let mut out = String::new();
    if report.findings.is_empty() && !style.verbose && report.weights_only.is_none() {
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
    if let Some(prediction) = &report.weights_only {
        let _ = writeln!(out, "  {}", weights_only_line(prediction));
    }
    for finding in &report.findings {
        render_finding(&mut out, &report.path, finding, lines, style);
    }
    out
}

/// One line: would `torch.load(weights_only=True)` load the file, and what it needs.
#[must_use]
pub fn weights_only_line(prediction: &WeightsOnly) -> String {
    if prediction.loads {
        return "weights_only=True: loads as-is".to_owned();
    }
    let mut line = if !prediction.refused.is_empty() {
        let mut line = format!(
            "weights_only=True: refused: needs {} (not safe to allowlist)",
            prediction.refused.join(", ")
        );
        if !prediction.safe_to_allow.is_empty() {
            let _ = write!(
                line,
                "; safe to allow: {}",
                prediction.safe_to_allow.join(", ")
            );
        }
        line
    } else if !prediction.needs.is_empty() {
        format!(
            "weights_only=True: would fail: needs {}; add_safe_globals([{}])",
            prediction.needs.join(", "),
            prediction.safe_to_allow.join(", ")
        )
    } else {
        "weights_only=True: would fail".to_owned()
    };
    if let Some(note) = &prediction.note {
        let _ = write!(line, ": {note}");
    }
    line
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

    fn with_prediction(loads: bool, safe: &[&str], refused: &[&str]) -> String {
        let mut needs: Vec<String> = safe
            .iter()
            .chain(refused)
            .map(|s| (*s).to_owned())
            .collect();
        needs.sort();
        let mut r = FileReport::new("m.pt", FileKind::PytorchZip, Vec::new());
        r.weights_only = Some(WeightsOnly {
            loads,
            note: None,
            needs,
            safe_to_allow: safe.iter().map(|s| (*s).to_owned()).collect(),
            refused: refused.iter().map(|s| (*s).to_owned()).collect(),
        });
        render_file(&r, &super::super::NoSource, Style::default())
    }

    #[test]
    fn weights_only_lines() {
        insta::assert_snapshot!(with_prediction(true, &[], &[]), @r"
        m.pt: clean (pytorch-zip)
          weights_only=True: loads as-is
        ");
        insta::assert_snapshot!(with_prediction(false, &["numpy.dtype", "numpy.ndarray"], &[]), @r"
        m.pt: clean (pytorch-zip)
          weights_only=True: would fail: needs numpy.dtype, numpy.ndarray; add_safe_globals([numpy.dtype, numpy.ndarray])
        ");
        insta::assert_snapshot!(with_prediction(false, &["numpy.dtype"], &["posix.system"]), @r"
        m.pt: clean (pytorch-zip)
          weights_only=True: refused: needs posix.system (not safe to allowlist); safe to allow: numpy.dtype
        ");
    }

    #[test]
    fn a_format_torch_load_refuses_is_named() {
        let mut r = FileReport::new("m.pkl", FileKind::Pickle, Vec::new());
        r.weights_only = Some(WeightsOnly {
            note: Some("not a torch.save checkpoint".into()),
            ..WeightsOnly::default()
        });
        insta::assert_snapshot!(render_file(&r, &super::super::NoSource, Style::default()), @r"
        m.pkl: clean (pickle)
          weights_only=True: would fail: not a torch.save checkpoint
        ");
    }

    #[test]
    fn clean_files_without_a_prediction_render_nothing() {
        let r = FileReport::new("m.pt", FileKind::PytorchZip, Vec::new());
        assert_eq!(
            render_file(&r, &super::super::NoSource, Style::default()),
            ""
        );
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
