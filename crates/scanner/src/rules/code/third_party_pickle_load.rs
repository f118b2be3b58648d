//! BRN103: pickle-compatible third-party loaders: `dill`, `cloudpickle`, `jsonpickle`.

use crate::finding::{Finding, Severity};
use crate::python::check::{CheckContext, is_member};
use crate::python::semantic::CallSite;
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN103",
    name: "third-party-pickle-load",
    summary: "Data is deserialized with dill, cloudpickle or jsonpickle, which run code from the data.",
    severity: Severity::High,
    family: Family::Code,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Flags `dill.load`/`loads`/`Unpickler(...).load()`, `cloudpickle.load`/`loads`, and
`jsonpickle.decode` (also `jsonpickle.unpickler.decode` and `Unpickler().restore`).

## Why is this bad?
dill and cloudpickle are pickle with more types: loading runs whatever the data asks.
jsonpickle rebuilds arbitrary objects named in JSON and calls their constructors and
`__setstate__`, which is code execution as well (CWE-502).

## Example
```python
import jsonpickle

obj = jsonpickle.decode(request_body)
```

## Use instead
```python
import json

obj = json.loads(request_body)
```

## References
- [jsonpickle: security](https://jsonpickle.github.io/#jsonpickle-usage)
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
"#,
    fix: None,
};

/// Flag a dill, cloudpickle or jsonpickle load.
#[must_use]
pub fn check(site: &CallSite<'_>, ctx: &CheckContext<'_, '_>) -> Option<Finding> {
    let callee = site.callee.as_str();
    let hit = is_member(
        callee,
        &["dill", "cloudpickle"],
        &["load", "loads", "Unpickler().load"],
    ) || is_member(
        callee,
        &["jsonpickle", "jsonpickle.unpickler"],
        &["decode", "Unpickler().restore"],
    );
    hit.then(|| {
        ctx.finding(
            &META,
            site,
            format!("`{callee}` deserializes objects named by the data, which can run code"),
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::python::test_support::rules_hit;

    #[test]
    fn flags_dill_and_jsonpickle() {
        assert_eq!(rules_hit("import dill\ndill.loads(b)\n"), vec!["BRN103"]);
        assert_eq!(
            rules_hit("from jsonpickle import decode\ndecode(s)\n"),
            vec!["BRN103"]
        );
        assert_eq!(
            rules_hit("import cloudpickle as cp\ncp.load(f)\n"),
            vec!["BRN103"]
        );
    }

    #[test]
    fn ignores_encoding() {
        assert!(
            rules_hit("import jsonpickle, dill\njsonpickle.encode(x)\ndill.dumps(x)\n").is_empty()
        );
    }
}
