//! BRN215: A numpy `.npy` header is malformed or lies about the data size.
//!
//! Metadata and finding constructor only; the check lives in the opener under `formats/`.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN215",
    name: "npy-header-invalid",
    summary: "A numpy `.npy` header is malformed or lies about the data size.",
    severity: Severity::Medium,
    family: Family::Container,
    cwe: &[20],
    mappings: &[],
    docs: r#"
## What it does
Parses the `.npy` header (versions 1–3) with a small bounded parser and reports a malformed dictionary, an unknown dtype, or a shape whose byte size does not match the file.

## Why is this bad?
numpy refuses a malformed header; a shape that does not match the data means hand-crafted content, possibly hiding bytes after the array.

## Example
`{'descr': '<f4', 'fortran_order': False, 'shape': (1000000,)}` followed by 16 bytes

## Use instead
Arrays written by `numpy.save`.

## References
- [CWE-20](https://cwe.mitre.org/data/definitions/20.html)
- brine reference: `model-scanners.md` §1d and §5
"#,
    fix: None,
};

/// A npy-header-invalid finding with its default severity and verdict.
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
        assert_eq!(f.rule, "BRN215");
        assert_eq!(f.verdict, Verdict::Suspicious);
    }
}
