//! BRN210: An archive member's name escapes the extraction directory.
//!
//! Metadata and finding constructor only; the check lives in the opener under `formats/`.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN210",
    name: "archive-path-traversal",
    summary: "An archive member's name escapes the extraction directory.",
    severity: Severity::High,
    family: Family::Container,
    cwe: &[22],
    mappings: &[],
    docs: r#"
## What it does
Reports member names that are absolute (`/etc/x`), carry a drive letter (`C:\\`), or contain `..` components. brine never extracts anything; the name alone is the finding.

## Why is this bad?
Extracting such an archive writes outside the target directory (zip slip), e.g. over a startup script or a Python module that is imported later.

## Example
a tar member named `../../home/user/.bashrc`

## Use instead
Relative member names without `..`.

## References
- [CWE-22](https://cwe.mitre.org/data/definitions/22.html)
- brine reference: `model-scanners.md` §1d and §5
"#,
    fix: None,
};

/// A archive-path-traversal finding with its default severity and verdict.
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
        assert_eq!(f.rule, "BRN210");
        assert_eq!(f.verdict, Verdict::Suspicious);
    }
}
