//! BRN201: A zip member's local header names a different file than the central directory.
//!
//! Metadata and finding constructor only; the check lives in the opener under `formats/`.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN201",
    name: "zip-name-mismatch",
    summary: "A zip member's local header names a different file than the central directory.",
    severity: Severity::Medium,
    family: Family::Container,
    cwe: &[502, 434],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Compares each member's name in its local file header with the name in the central directory and reports members where they differ.

## Why is this bad?
Readers disagree on which name is true: Python's `zipfile` refuses the archive while PyTorch loads it, so a scanner built on `zipfile` skipped such files (CVE-2025-1944). Benign tools never write different names.

## Example
local header: `archive/data.pkl`, central directory: `archive/readme.txt`

## Use instead
Re-save the checkpoint with `torch.save` so both headers agree.

## References
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
- [CWE-434](https://cwe.mitre.org/data/definitions/434.html)
- brine reference: `model-scanners.md` §1d and §5
"#,
    fix: None,
};

/// A zip-name-mismatch finding with its default severity and verdict.
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
        assert_eq!(f.rule, "BRN201");
        assert_eq!(f.verdict, Verdict::Suspicious);
    }
}
