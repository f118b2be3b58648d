//! BRN209: An archive nests too deep, holds too many members, or a member is too large to analyse.
//!
//! Metadata and finding constructor only; the check lives in the opener under `formats/`.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN209",
    name: "archive-limit-exceeded",
    summary: "An archive nests too deep, holds too many members, or a member is too large to analyse.",
    severity: Severity::Medium,
    family: Family::Container,
    cwe: &[409, 400],
    mappings: &[],
    docs: r#"
## What it does
Reports when `max_archive_depth`, `max_archive_members` or `max_member_bytes` stops the scan of part of an archive.

## Why is this bad?
Nesting quines (42.zip) and member floods make scanners run forever; brine stops, and what it did not read is not known to be safe.

## Example
a zip inside a zip inside a zip, seven levels deep

## Use instead
Flat archives of reasonable size.

## References
- [CWE-409](https://cwe.mitre.org/data/definitions/409.html)
- [CWE-400](https://cwe.mitre.org/data/definitions/400.html)
- brine reference: `model-scanners.md` §1d and §5
"#,
    fix: None,
};

/// A archive-limit-exceeded finding with its default severity and verdict.
#[must_use]
pub fn finding(message: impl Into<String>) -> Finding {
    Finding::new(META.code, META.severity, Verdict::Error, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_carries_code_and_verdict() {
        let f = finding("x");
        assert_eq!(f.rule, "BRN209");
        assert_eq!(f.verdict, Verdict::Error);
    }
}
