//! BRN203: A zip member sets encryption or reserved flag bits.
//!
//! Metadata and finding constructor only; the check lives in the opener under `formats/`.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN203",
    name: "zip-flag-anomaly",
    summary: "A zip member sets encryption or reserved flag bits.",
    severity: Severity::Medium,
    family: Family::Container,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Reports members whose general-purpose flags set the encryption bit (0x1), the reserved bits 0x20/0x40, or strong encryption. brine still reads the data the way PyTorch does, ignoring the flags.

## Why is this bad?
PyTorch ignores these bits, Python's `zipfile` refuses the member; scanners built on `zipfile` skipped the payload (CVE-2025-1945). Real checkpoints never set them.

## Example
a torch zip whose `data.pkl` has flag bit 0x1 set but is stored in plain text

## Use instead
Re-save the file so the flags are clear.

## References
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
- brine reference: `model-scanners.md` §1d and §5
"#,
    fix: None,
};

/// A zip-flag-anomaly finding with its default severity and verdict.
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
        assert_eq!(f.rule, "BRN203");
        assert_eq!(f.verdict, Verdict::Suspicious);
    }
}
