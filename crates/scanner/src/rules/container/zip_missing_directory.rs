//! BRN205: A zip has local headers but no readable central directory.
//!
//! Metadata and finding constructor only; the check lives in the opener under `formats/`.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN205",
    name: "zip-missing-directory",
    summary: "A zip has local headers but no readable central directory.",
    severity: Severity::Medium,
    family: Family::Container,
    cwe: &[502, 434],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Reports a zip whose end-of-central-directory record is missing or broken; brine recovers the members by walking the local headers and analyses them.

## Why is this bad?
Strict readers reject the file as a whole, lenient ones recover members from local headers: a scanner that stops at the broken directory misses what a lenient loader runs.

## Example
a torch zip truncated before its central directory

## Use instead
Re-create the archive with a complete central directory.

## References
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
- [CWE-434](https://cwe.mitre.org/data/definitions/434.html)
- brine reference: `model-scanners.md` §1d and §5
"#,
    fix: None,
};

/// A zip-missing-directory finding with its default severity and verdict.
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
        assert_eq!(f.rule, "BRN205");
        assert_eq!(f.verdict, Verdict::Suspicious);
    }
}
