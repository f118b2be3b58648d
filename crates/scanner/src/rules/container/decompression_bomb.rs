//! BRN208: A compressed stream expands beyond the size or ratio budget.
//!
//! Metadata and finding constructor only; the check lives in the opener under `formats/`.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN208",
    name: "decompression-bomb",
    summary: "A compressed stream expands beyond the size or ratio budget.",
    severity: Severity::High,
    family: Family::Container,
    cwe: &[409, 400],
    mappings: &[],
    docs: r#"
## What it does
Stops decompressing when the output passes `max_decompressed_bytes`, or when the output-to-input ratio passes `max_compression_ratio` after `ratio_check_after` bytes.

## Why is this bad?
Decompression bombs (a gigabyte of zeros in a kilobyte of gzip, zip bombs, 42.zip) exhaust memory and disk of whatever opens them; the rest of the stream was not scanned.

## Example
`dd if=/dev/zero bs=1M count=1024 | gzip > model.pkl.gz`

## Use instead
Compress real data; raise the limits only for trusted inputs.

## References
- [CWE-409](https://cwe.mitre.org/data/definitions/409.html)
- [CWE-400](https://cwe.mitre.org/data/definitions/400.html)
- brine reference: `model-scanners.md` §1d and §5
"#,
    fix: None,
};

/// A decompression-bomb finding with its default severity and verdict.
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
        assert_eq!(f.rule, "BRN208");
        assert_eq!(f.verdict, Verdict::Error);
    }
}
