//! BRN212: A PyTorch zip's pickle and its `data/` members disagree.
//!
//! Metadata and finding constructor only; the check lives in the opener under `formats/`.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN212",
    name: "torch-storage-mismatch",
    summary: "A PyTorch zip's pickle and its `data/` members disagree.",
    severity: Severity::Low,
    family: Family::Container,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Compares the storage keys that `data.pkl` references with the `data/<key>` members of the checkpoint and reports keys without a member and members no key references.

## Why is this bad?
`torch.save` always writes one member per storage; a mismatch means the file was assembled by hand, often to carry extra content.

## Example
`data.pkl` references storage `0` but the archive has no `archive/data/0`

## Use instead
A checkpoint written by `torch.save`.

## References
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
- brine reference: `model-scanners.md` §1d and §5
"#,
    fix: None,
};

/// A torch-storage-mismatch finding with its default severity and verdict.
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
        assert_eq!(f.rule, "BRN212");
        assert_eq!(f.verdict, Verdict::Suspicious);
    }
}
