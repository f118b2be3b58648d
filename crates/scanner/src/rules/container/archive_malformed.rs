//! BRN207: An archive or container could not be parsed (completely).
//!
//! Metadata and finding constructor only; the check lives in the opener under `formats/`.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN207",
    name: "archive-malformed",
    summary: "An archive or container could not be parsed (completely).",
    severity: Severity::Medium,
    family: Family::Container,
    cwe: &[502],
    mappings: &[],
    docs: r#"
## What it does
Reports a zip, tar, 7z, npy or compressed stream whose structure is broken, truncated or uses an unsupported feature (compression method, encryption).

## Why is this bad?
What could not be read was not scanned; a lenient loader may still find and run a pickle in it. brine never reports such a file as clean.

## Example
a tar whose header checksum is wrong, a zip member compressed with an unsupported method

## Use instead
A well-formed archive from a standard tool.

## References
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
- brine reference: `model-scanners.md` §1d and §5
"#,
    fix: None,
};

/// A archive-malformed finding with its default severity and verdict.
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
        assert_eq!(f.rule, "BRN207");
        assert_eq!(f.verdict, Verdict::Error);
    }
}
