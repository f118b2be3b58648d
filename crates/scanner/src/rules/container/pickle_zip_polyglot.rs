//! BRN217: A file is both a pickle and a zip archive.
//!
//! Metadata and finding constructor only; the check lives in the opener under `formats/`.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN217",
    name: "pickle-zip-polyglot",
    summary: "A file is both a pickle and a zip archive.",
    severity: Severity::High,
    family: Family::Container,
    cwe: &[502, 434],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Reports files that start with a pickle stream and also end with a zip directory. brine analyses both readings.

## Why is this bad?
`torch.load` reads the zip; `pickle.load` reads the pickle: a scanner that checks only one reading misses the other's payload.

## Example
`cat payload.pkl checkpoint.zip > model.bin`

## Use instead
A file in exactly one format.

## References
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
- [CWE-434](https://cwe.mitre.org/data/definitions/434.html)
- brine reference: `model-scanners.md` §1d and §5
"#,
    fix: None,
};

/// A pickle-zip-polyglot finding with its default severity and verdict.
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
        assert_eq!(f.rule, "BRN217");
        assert_eq!(f.verdict, Verdict::Suspicious);
    }
}
