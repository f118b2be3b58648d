//! BRN211: An archive member is a symbolic or hard link.
//!
//! Metadata and finding constructor only; the check lives in the opener under `formats/`.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN211",
    name: "archive-link-member",
    summary: "An archive member is a symbolic or hard link.",
    severity: Severity::Medium,
    family: Family::Container,
    cwe: &[59],
    mappings: &[],
    docs: r#"
## What it does
Reports tar symlink/hardlink members and zip members whose Unix mode is a symlink. brine never follows them.

## Why is this bad?
A link in an archive can point outside the extraction directory, so a later member written through it lands anywhere.

## Example
a tar with `link -> /etc` followed by `link/cron.d/job`

## Use instead
Regular files only.

## References
- [CWE-59](https://cwe.mitre.org/data/definitions/59.html)
- brine reference: `model-scanners.md` §1d and §5
"#,
    fix: None,
};

/// A archive-link-member finding with its default severity and verdict.
#[must_use]
pub fn finding(message: impl Into<String>) -> Finding {
    Finding::new(META.code, META.severity, Verdict::Suspicious, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_carries_code_and_verdict() {
        let f = finding("x");
        assert_eq!(f.rule, "BRN211");
        assert_eq!(f.verdict, Verdict::Suspicious);
    }
}
