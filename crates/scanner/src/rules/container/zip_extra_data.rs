//! BRN204: Bytes before the first zip member or after the end of the archive.
//!
//! Metadata and finding constructor only; the check lives in the opener under `formats/`.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN204",
    name: "zip-extra-data",
    summary: "Bytes before the first zip member or after the end of the archive.",
    severity: Severity::Low,
    family: Family::Container,
    cwe: &[502, 434],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Reports data prepended to a zip (before the first local header) or appended after the end-of-central-directory record. Prepended data is also sniffed and analysed.

## Why is this bad?
A file that is two formats at once (a polyglot) is read differently by different tools: a pickle at the start and a zip at the end both load.

## Example
`cat payload.pkl model.zip > model.pt`

## Use instead
A zip with nothing before or after it.

## References
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
- [CWE-434](https://cwe.mitre.org/data/definitions/434.html)
- brine reference: `model-scanners.md` §1d and §5
"#,
    fix: None,
};

/// A zip-extra-data finding with its default severity and verdict.
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
        assert_eq!(f.rule, "BRN204");
        assert_eq!(f.verdict, Verdict::Suspicious);
    }
}
