//! GitHub Actions workflow-command annotations (`::error file=…,line=…::message`).
//!
//! Dangerous and high-severity findings are errors, medium warnings, the rest notices.
//! Property values and messages are escaped as the workflow-command syntax requires.

use std::fmt::Write as _;

use crate::finding::{FileReport, Severity, Verdict};

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One line per finding.
#[must_use]
pub fn render(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for report in reports {
        for f in &report.findings {
            let command = match (f.verdict, f.severity) {
                (Verdict::Dangerous, _) | (_, Severity::Critical | Severity::High) => "error",
                (_, Severity::Medium) => "warning",
                _ => "notice",
            };
            let mut props = format!("file={}", escape_property(&report.path));
            if let Some(s) = f.span {
                let _ = write!(
                    props,
                    ",line={},endLine={},col={},endColumn={}",
                    s.line, s.end_line, s.column, s.end_column
                );
            } else {
                props.push_str(",line=1");
            }
            let _ = write!(
                props,
                ",title={}",
                escape_property(&format!("{} {}", f.rule, f.severity.as_str()))
            );
            let mut message = f.message.clone();
            if !f.member.is_empty() {
                let _ = write!(message, " in {}", f.member.join("!"));
            }
            if let Some(offset) = f.offset {
                let _ = write!(message, " @ offset {offset}");
            }
            if let Some(e) = &f.explanation {
                let _ = write!(message, "\n{e}");
            }
            let _ = writeln!(out, "::{command} {props}::{}", escape_data(&message));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{FileKind, Finding};

    #[test]
    fn annotations_escape_and_classify() {
        let f = Finding::new(
            "BRN001",
            Severity::Critical,
            Verdict::Dangerous,
            "calls os.system\n50%",
        )
        .at_offset(7);
        let r = FileReport::new("dir,x/m:1.pkl", FileKind::Pickle, vec![f]);
        let out = render(&[r]);
        assert_eq!(
            out,
            "::error file=dir%2Cx/m%3A1.pkl,line=1,title=BRN001 critical::calls os.system%0A50%25 @ offset 7\n"
        );
    }
}
