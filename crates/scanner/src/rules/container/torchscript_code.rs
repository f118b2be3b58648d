//! BRN213: A TorchScript archive carries Python code.
//!
//! Metadata and finding constructor only; the check lives in the opener under `formats/`.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN213",
    name: "torchscript-code",
    summary: "A TorchScript archive carries Python code.",
    severity: Severity::Info,
    family: Family::Container,
    cwe: &[94],
    mappings: &[],
    docs: r#"
## What it does
Lists the `code/*.py` members of a TorchScript archive (`torch.jit.save`). The code is compiled by TorchScript when loaded with `torch.jit.load`.

## Why is this bad?
TorchScript code is a restricted language, but it is code: review where it comes from.

## Example
`archive/code/__torch__.py` in a model file

## Use instead
Plain state dicts (`torch.save(model.state_dict())`) loaded with `weights_only=True`.

## References
- [CWE-94](https://cwe.mitre.org/data/definitions/94.html)
- brine reference: `model-scanners.md` §1d and §5
"#,
    fix: None,
};

/// A torchscript-code finding with its default severity and verdict.
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
        assert_eq!(f.rule, "BRN213");
        assert_eq!(f.verdict, Verdict::Clean);
    }
}
