//! BRN108: `torch.load` without `weights_only=True`.

use crate::finding::{Finding, Severity};
use crate::python::check::{CheckContext, is_member};
use crate::python::load_path::constant_path;
use crate::python::semantic::{Argument, CallSite, Value};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN108",
    name: "torch-load-without-weights-only",
    summary: "torch.load may unpickle arbitrary objects: weights_only=True is not set.",
    severity: Severity::High,
    family: Family::Code,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Flags `torch.load` and `torch.serialization.load` when `weights_only` is missing, `False`
or `None` (by keyword, through a constant, or a constant `**dict`). A value brine cannot
resolve (a parameter, a config field) is not flagged.

When the file is named by a constant path and `brine.lock` pins it (`brine lock`), `brine
scan` hashes it: a file that still matches its pin and was locked as clean lowers an untainted
finding to `low`, and the message names the lock entry; a changed or missing file is said so.

## Why is this bad?
A checkpoint is a pickle. Without `weights_only=True`, `torch.load` runs the full
unpickler, and a malicious checkpoint runs code when loaded (CWE-502). Only PyTorch 2.6
made `weights_only=True` the default; code that must run on older versions, or that
passes `False`, is exposed.

## Example
```python
import torch

state = torch.load("model.pt", map_location="cpu")
```

## Use instead
```python
import torch

state = torch.load("model.pt", map_location="cpu", weights_only=True)
```

## References
- [torch.load](https://pytorch.org/docs/stable/generated/torch.load.html)
- [CVE-2025-32434](https://nvd.nist.gov/vuln/detail/CVE-2025-32434)
"#,
    fix: Some("Pass `weights_only=True` (added, or replacing `False`)."),
};

/// Flag a `torch.load` that may run the full unpickler.
#[must_use]
pub fn check(site: &CallSite<'_>, ctx: &CheckContext<'_, '_>) -> Option<Finding> {
    if !is_member(&site.callee, &["torch", "torch.serialization"], &["load"]) {
        return None;
    }
    let why = match site.argument(None, "weights_only") {
        Argument::Missing | Argument::Given(Value::None) => "without `weights_only=True`",
        Argument::Given(Value::Bool(false)) => "with `weights_only=False`",
        _ => return None,
    };
    let mut finding = ctx.finding(
        &META,
        site,
        format!("`{}` {why} can unpickle arbitrary objects", site.callee),
    );
    finding.fix = ctx.keyword_fix(site, "weights_only", "True", "pass `weights_only=True`");
    finding.load_path = constant_path(site, 0, "f");
    Some(finding)
}

#[cfg(test)]
mod tests {
    use crate::python::test_support::{fixed, rules_hit};

    #[test]
    fn flags_missing_and_false() {
        assert_eq!(rules_hit("import torch\ntorch.load(f)\n"), vec!["BRN108"]);
        assert_eq!(
            rules_hit("import torch\ntorch.load(f, weights_only=False)\n"),
            vec!["BRN108"]
        );
    }

    #[test]
    fn ignores_weights_only_true_and_save() {
        let source = "import torch\nSAFE = True\ntorch.load(f, weights_only=SAFE)\ntorch.load(f, **{'weights_only': True})\ntorch.save(m, f)\n";
        assert!(rules_hit(source).is_empty());
    }

    #[test]
    fn fix_adds_or_replaces() {
        assert_eq!(
            fixed("import torch\ntorch.load(f)\n"),
            "import torch\ntorch.load(f, weights_only=True)\n"
        );
        assert_eq!(
            fixed("import torch\ntorch.load()\n"),
            "import torch\ntorch.load(weights_only=True)\n"
        );
        assert_eq!(
            fixed("import torch\ntorch.load(f, weights_only=False, mmap=True)\n"),
            "import torch\ntorch.load(f, weights_only=True, mmap=True)\n"
        );
    }
}
