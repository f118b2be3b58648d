//! BRN111: YAML loaders that construct arbitrary Python objects.

use ruff_python_ast::Expr;
use ruff_text_size::Ranged;

use crate::finding::{Finding, Severity};
use crate::python::check::{CheckContext, is_member, replace};
use crate::python::semantic::{Argument, CallSite, Value};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN111",
    name: "yaml-unsafe-load",
    summary: "YAML is loaded with a loader that can construct arbitrary Python objects.",
    severity: Severity::High,
    family: Family::Code,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Flags PyYAML (and old ruamel) `load` / `load_all` without a `Loader`, or with
`Loader`/positional loader `yaml.Loader`, `UnsafeLoader` or `FullLoader` (and their C
variants); `unsafe_load`, `unsafe_load_all`, `full_load`, `full_load_all`; and
`ruamel.yaml.YAML(typ="unsafe")`. `SafeLoader`, `CSafeLoader`, `BaseLoader` and local
subclasses of them are fine; a loader brine cannot resolve is not flagged.

## Why is this bad?
The unsafe loaders honour tags like `!!python/object/apply:os.system`, so a YAML
document can run code when loaded (CWE-502, CVE-2017-18342, CVE-2020-14343 for
`FullLoader`).

## Example
```python
import yaml

config = yaml.load(stream, Loader=yaml.Loader)
```

## Use instead
```python
import yaml

config = yaml.safe_load(stream)
```

## References
- [PyYAML load deprecation](https://github.com/yaml/pyyaml/wiki/PyYAML-yaml.load(input)-Deprecation)
- [CVE-2020-14343](https://nvd.nist.gov/vuln/detail/CVE-2020-14343)
"#,
    fix: Some("Replace with `yaml.safe_load(stream)` / `yaml.safe_load_all(stream)`."),
};

const YAML_MODULES: &[&str] = &["yaml", "ruamel.yaml"];
const UNSAFE_LOADERS: &[&str] = &[
    "Loader",
    "UnsafeLoader",
    "FullLoader",
    "CLoader",
    "CUnsafeLoader",
    "CFullLoader",
    "loader.Loader",
    "loader.UnsafeLoader",
    "loader.FullLoader",
    "cyaml.CLoader",
    "cyaml.CUnsafeLoader",
    "cyaml.CFullLoader",
];

/// Flag an unsafe YAML load.
#[must_use]
pub fn check(site: &CallSite<'_>, ctx: &CheckContext<'_, '_>) -> Option<Finding> {
    let callee = site.callee.as_str();
    if callee == "ruamel.yaml.YAML" {
        let unsafe_type =
            matches!(site.argument(None, "typ"), Argument::Given(Value::Str(t)) if t == "unsafe");
        return unsafe_type.then(|| {
            ctx.finding(
                &META,
                site,
                "`ruamel.yaml.YAML(typ=\"unsafe\")` constructs arbitrary Python objects".to_owned(),
            )
        });
    }
    let safe_name = if is_member(callee, YAML_MODULES, &["load", "load_all"]) {
        let loader = site.argument(Some(1), "Loader");
        let unsafe_loader = match loader {
            Argument::Missing => true,
            Argument::Given(Value::Symbol { path, .. }) => {
                is_member(path, YAML_MODULES, UNSAFE_LOADERS)
            }
            _ => false,
        };
        if !unsafe_loader {
            return None;
        }
        let all = callee.ends_with("_all");
        if all { "safe_load_all" } else { "safe_load" }
    } else if is_member(callee, YAML_MODULES, &["unsafe_load", "full_load"]) {
        "safe_load"
    } else if is_member(callee, YAML_MODULES, &["unsafe_load_all", "full_load_all"]) {
        "safe_load_all"
    } else {
        return None;
    };
    let mut finding = ctx.finding(
        &META,
        site,
        format!("`{callee}` can construct arbitrary Python objects; use `{safe_name}`"),
    );
    finding.fix = safe_load_fix(site, ctx, safe_name);
    Some(finding)
}

/// `yaml.load(stream, Loader=...)` → `yaml.safe_load(stream)`, only for the plain shape:
/// an attribute callee, the stream and at most a loader (positional or `Loader=`).
fn safe_load_fix(
    site: &CallSite<'_>,
    ctx: &CheckContext<'_, '_>,
    safe_name: &str,
) -> Option<crate::finding::Fix> {
    let Expr::Attribute(attribute) = &*site.call.func else {
        return None;
    };
    let arguments = &site.call.arguments;
    // The stream, optionally followed by a positional loader.
    let (Some(stream), 1..=2) = (arguments.args.first(), arguments.args.len()) else {
        return None;
    };
    if matches!(stream, Expr::Starred(_))
        || arguments
            .keywords
            .iter()
            .any(|k| k.arg.as_ref().is_none_or(|a| a.as_str() != "Loader"))
    {
        return None;
    }
    let module = ctx.text(attribute.value.range());
    let stream = ctx.text(stream.range());
    Some(replace(
        site.call.range(),
        &format!("{module}.{safe_name}({stream})"),
        "use the safe loader",
    ))
}

#[cfg(test)]
mod tests {
    use crate::python::test_support::{fixed, rules_hit};

    #[test]
    fn flags_unsafe_loaders() {
        assert_eq!(rules_hit("import yaml\nyaml.load(s)\n"), vec!["BRN111"]);
        assert_eq!(
            rules_hit("import yaml\nyaml.load(s, yaml.FullLoader)\n"),
            vec!["BRN111"]
        );
        assert_eq!(
            rules_hit("import yaml\nyaml.unsafe_load(s)\n"),
            vec!["BRN111"]
        );
        assert_eq!(
            rules_hit("from ruamel.yaml import YAML\nYAML(typ='unsafe').load(s)\n"),
            vec!["BRN111"]
        );
    }

    #[test]
    fn ignores_safe_loaders() {
        let source = "import yaml\nyaml.safe_load(s)\nyaml.load(s, Loader=yaml.SafeLoader)\nyaml.load(s, yaml.CSafeLoader)\nclass L(yaml.SafeLoader):\n    pass\nyaml.load(s, Loader=L)\n";
        assert!(rules_hit(source).is_empty());
    }

    #[test]
    fn fix_uses_safe_load() {
        assert_eq!(
            fixed("import yaml\nc = yaml.load(s, Loader=yaml.Loader)\n"),
            "import yaml\nc = yaml.safe_load(s)\n"
        );
        assert_eq!(
            fixed("import yaml as y\ny.full_load_all(s)\n"),
            "import yaml as y\ny.safe_load_all(s)\n"
        );
        assert_eq!(
            fixed("import yaml\nyaml.load(s, yaml.Loader)\n"),
            "import yaml\nyaml.safe_load(s)\n"
        );
    }
}
