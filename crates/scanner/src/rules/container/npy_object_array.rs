//! BRN216: A numpy array has an object dtype, so its data is a pickle.
//!
//! Metadata and finding constructor only; the check lives in the opener under `formats/`.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN216",
    name: "npy-object-array",
    summary: "A numpy array has an object dtype, so its data is a pickle.",
    severity: Severity::Low,
    family: Family::Container,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Reports `.npy` arrays (also inside `.npz`) whose dtype is `O` or contains an `O` field. brine analyses the pickle that follows the header.

## Why is this bad?
Loading the array needs `allow_pickle=True`, which runs whatever the pickle calls.

## Example
`np.save('a.npy', np.array([obj], dtype=object))`

## Use instead
Numeric dtypes, loaded with `allow_pickle=False` (the default).

## References
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
- brine reference: `model-scanners.md` §1d and §5
"#,
    fix: None,
};

/// A npy-object-array finding with its default severity and verdict.
#[must_use]
pub fn finding(message: impl Into<String>) -> Finding {
    Finding::new(META.code, META.severity, Verdict::Clean, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_carries_code_and_verdict() {
        let f = finding("x");
        assert_eq!(f.rule, "BRN216");
        assert_eq!(f.verdict, Verdict::Clean);
    }
}
