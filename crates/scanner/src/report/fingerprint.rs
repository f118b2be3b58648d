//! Stable identities for findings, shared by SARIF `partialFingerprints` and baselines.
//!
//! A source finding is identified by its rule, file and the *text* of its line (trimmed),
//! plus which occurrence of that text it is, so it survives lines moving above it. An
//! artifact finding is identified by rule, file, member path and message; when the file's
//! SHA-256 is known it is part of the identity, so a changed file is reported again.

use sha2::{Digest, Sha256};

use super::LineSource;
use crate::finding::{FileReport, Finding};

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// SHA-256 of a string, as hex.
#[must_use]
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// The identity of one finding.
///
/// `line_text` is the source line of a source finding (ignored for artifacts); `occurrence`
/// counts earlier findings of the same rule on identical line text in the same file;
/// `file_sha256` is the artifact's digest when known.
#[must_use]
pub fn fingerprint(
    path: &str,
    finding: &Finding,
    line_text: Option<&str>,
    occurrence: usize,
    file_sha256: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    for part in [finding.rule, "\0", path, "\0"] {
        h.update(part.as_bytes());
    }
    if finding.span.is_some() {
        let normalized: String = line_text
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        h.update(normalized.as_bytes());
        h.update(format!("\0{occurrence}").as_bytes());
    } else {
        h.update(finding.member.join("!").as_bytes());
        h.update(b"\0");
        h.update(finding.message.as_bytes());
        h.update(b"\0");
        h.update(file_sha256.unwrap_or("").as_bytes());
    }
    hex(&h.finalize()[..16])
}

/// The fingerprint of every finding of a report, in order: source findings keyed by
/// their line text and its occurrence among same-rule findings on identical text;
/// artifact findings by `file_sha256` when given (baselines) or without it (SARIF).
#[must_use]
pub fn report_fingerprints(
    report: &FileReport,
    lines: &dyn LineSource,
    file_sha256: Option<&str>,
) -> Vec<String> {
    let mut seen: Vec<(&'static str, String)> = Vec::new();
    report
        .findings
        .iter()
        .map(|finding| {
            let text = finding.span.and_then(|s| lines.line(&report.path, s.line));
            let key = (finding.rule, text.clone().unwrap_or_default());
            let occurrence = seen.iter().filter(|k| **k == key).count();
            seen.push(key);
            let digest = if finding.span.is_none() {
                file_sha256
            } else {
                None
            };
            fingerprint(&report.path, finding, text.as_deref(), occurrence, digest)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Severity, Span, Verdict};

    fn source_finding(line: u32) -> Finding {
        let span = Span {
            line,
            column: 5,
            end_line: line,
            end_column: 20,
            start_byte: 0,
            end_byte: 0,
        };
        Finding::new("BRN108", Severity::High, Verdict::Suspicious, "torch.load").at_span(span)
    }

    #[test]
    fn source_fingerprints_survive_moved_lines_but_not_changed_text() {
        let a = fingerprint(
            "a.py",
            &source_finding(3),
            Some("  x = torch.load(p)"),
            0,
            None,
        );
        let b = fingerprint(
            "a.py",
            &source_finding(40),
            Some("x = torch.load(p)  "),
            0,
            None,
        );
        assert_eq!(a, b);
        assert_ne!(
            a,
            fingerprint(
                "a.py",
                &source_finding(3),
                Some("x = torch.load(q)"),
                0,
                None
            )
        );
        assert_ne!(
            a,
            fingerprint(
                "a.py",
                &source_finding(3),
                Some("x = torch.load(p)"),
                1,
                None
            )
        );
    }

    #[test]
    fn artifact_fingerprints_change_with_the_file_digest() {
        let f = Finding::new(
            "BRN001",
            Severity::Critical,
            Verdict::Dangerous,
            "calls os.system",
        );
        assert_ne!(
            fingerprint("m.pt", &f, None, 0, Some("aa")),
            fingerprint("m.pt", &f, None, 0, Some("bb"))
        );
        assert_eq!(
            fingerprint("m.pt", &f, None, 0, Some("aa")),
            fingerprint("m.pt", &f, None, 0, Some("aa"))
        );
    }
}
