//! BRN214: TorchScript code references imports, the OS, eval/exec or builtins.
//!
//! Metadata and finding constructor only; the check lives in the opener under `formats/`.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN214",
    name: "torchscript-dangerous-code",
    summary: "TorchScript code references imports, the OS, eval/exec or builtins.",
    severity: Severity::Critical,
    family: Family::Container,
    cwe: &[94, 502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Scans the text of `code/*.py` members for `import`, `os.`, `subprocess`, `eval`, `exec`, `open(`, `__import__`, `builtins` and `getattr` as whole words, none of which `torch.jit.save` writes for a model
(`getattr(self, "0")`, which it writes for every `Sequential` child, is allowed).

## Why is this bad?
TorchScript compiled by `torch.jit.load` that reaches the OS or dynamic evaluation runs attacker code on load.

## Example
`archive/code/__torch__.py` containing `os.system("touch marker")`

## Use instead
TorchScript exported from your own model, or a plain state dict.

## References
- [CWE-94](https://cwe.mitre.org/data/definitions/94.html)
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
- brine reference: `model-scanners.md` §1d and §5
"#,
    fix: None,
};

/// A torchscript-dangerous-code finding with its default severity and verdict.
#[must_use]
pub fn finding(message: impl Into<String>) -> Finding {
    Finding::new(META.code, META.severity, Verdict::Dangerous, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_carries_code_and_verdict() {
        let f = finding("x");
        assert_eq!(f.rule, "BRN214");
        assert_eq!(f.verdict, Verdict::Dangerous);
    }
}
