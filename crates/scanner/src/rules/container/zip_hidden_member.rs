//! BRN206: A zip member is present in local headers but not listed in the central directory.
//!
//! Metadata and finding constructor only; the check lives in the opener under `formats/`.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN206",
    name: "zip-hidden-member",
    summary: "A zip member is present in local headers but not listed in the central directory.",
    severity: Severity::Medium,
    family: Family::Container,
    cwe: &[502, 434],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Walks the local headers and reports members the central directory does not list; brine analyses them too.

## Why is this bad?
A member that only some readers see is a classic way to hide a payload from scanners that trust the directory.

## Example
a local header for `evil.pkl` between two listed members

## Use instead
Every member listed in the central directory.

## References
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
- [CWE-434](https://cwe.mitre.org/data/definitions/434.html)
- brine reference: `model-scanners.md` §1d and §5
"#,
    fix: None,
};

/// A zip-hidden-member finding with its default severity and verdict.
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
        assert_eq!(f.rule, "BRN206");
        assert_eq!(f.verdict, Verdict::Suspicious);
    }
}
