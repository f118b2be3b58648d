//! BRN202: A zip archive holds two members with the same name.
//!
//! Metadata and finding constructor only; the check lives in the opener under `formats/`.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN202",
    name: "zip-duplicate-member",
    summary: "A zip archive holds two members with the same name.",
    severity: Severity::Medium,
    family: Family::Container,
    cwe: &[502, 434],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Reports every member name that occurs more than once in a zip's central directory (or local headers). brine analyses every copy.

## Why is this bad?
Readers pick different copies: some take the first, some the last. A benign `data.pkl` first and a malicious one second hides the payload from a scanner that only reads one copy.

## Example
two entries named `archive/data.pkl`: a benign pickle, then one calling `os.system`

## Use instead
One entry per name, as `torch.save` and `zipfile` write them.

## References
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
- [CWE-434](https://cwe.mitre.org/data/definitions/434.html)
- brine reference: `model-scanners.md` §1d and §5
"#,
    fix: None,
};

/// A zip-duplicate-member finding with its default severity and verdict.
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
        assert_eq!(f.rule, "BRN202");
        assert_eq!(f.verdict, Verdict::Suspicious);
    }
}
