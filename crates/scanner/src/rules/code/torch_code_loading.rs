//! BRN109: PyTorch loaders that run code or full pickles: `torch.hub.load`,
//! `torch.hub.load_state_dict_from_url`, `torch.jit.load`, `PackageImporter(...).load_pickle`.

use crate::finding::{Finding, Severity};
use crate::python::check::{CheckContext, is_member, is_true};
use crate::python::semantic::CallSite;
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN109",
    name: "torch-code-loading",
    summary: "A PyTorch loader runs code from a hub repository, a TorchScript archive or a torch.package.",
    severity: Severity::High,
    family: Family::Code,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Flags `torch.hub.load` (imports `hubconf.py` from a repository),
`torch.hub.load_state_dict_from_url` without `weights_only=True` (a full `torch.load` of a
downloaded file), `torch.jit.load` (TorchScript archives carry code and pickles), and
`torch.package.PackageImporter(...).load_pickle(...)` (imports the package's own modules
and unpickles).

## Why is this bad?
Each of these executes code that comes with the artifact. Whoever controls the
repository, URL or archive controls your process (CWE-502, CWE-94).

## Example
```python
import torch

model = torch.hub.load("someone/repo", "model")
```

## Use instead
```python
import torch
from safetensors.torch import load_file

model = MyModel()
model.load_state_dict(load_file("model.safetensors"))
```

## References
- [torch.hub](https://pytorch.org/docs/stable/hub.html)
- [torch.package: security](https://pytorch.org/docs/stable/package.html)
"#,
    fix: None,
};

/// Flag a PyTorch loader that runs code.
#[must_use]
pub fn check(site: &CallSite<'_>, ctx: &CheckContext<'_, '_>) -> Option<Finding> {
    let callee = site.callee.as_str();
    let hit = callee == "torch.hub.load"
        || is_member(
            callee,
            &["torch.jit", "torch.jit._serialization"],
            &["load"],
        )
        || is_member(
            callee,
            &["torch.package", "torch.package.package_importer"],
            &["PackageImporter().load_pickle"],
        )
        || (callee == "torch.hub.load_state_dict_from_url"
            && !is_true(site.argument(None, "weights_only")));
    hit.then(|| {
        ctx.finding(
            &META,
            site,
            format!("`{callee}` runs code shipped with the loaded artifact"),
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::python::test_support::rules_hit;

    #[test]
    fn flags_hub_jit_and_package() {
        assert_eq!(
            rules_hit("import torch\ntorch.hub.load('a/b', 'm')\n"),
            vec!["BRN109"]
        );
        assert_eq!(
            rules_hit("import torch\ntorch.jit.load('m.pt')\n"),
            vec!["BRN109"]
        );
        assert_eq!(
            rules_hit(
                "from torch.package import PackageImporter\nimp = PackageImporter(p)\nimp.load_pickle('a', 'b.pkl')\n"
            ),
            vec!["BRN109"]
        );
    }

    #[test]
    fn ignores_safe_variants() {
        let source = "import torch\ntorch.hub.load_state_dict_from_url(u, weights_only=True)\ntorch.jit.save(m, 'm.pt')\n";
        assert!(rules_hit(source).is_empty());
    }
}
