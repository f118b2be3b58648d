//! BRN104: `marshal.load` / `marshal.loads`.

use crate::finding::{Finding, Severity};
use crate::python::check::{CheckContext, is_member};
use crate::python::semantic::CallSite;
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN104",
    name: "marshal-load",
    summary: "Data is read with marshal, which is not safe against malicious input.",
    severity: Severity::Medium,
    family: Family::Code,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Flags `marshal.load` and `marshal.loads`.

## Why is this bad?
marshal is CPython's internal format for `.pyc` files. It can build code objects, and
the documentation warns it is not secure against erroneous or maliciously constructed
data. Code objects loaded this way are typically `exec`'d next (CWE-502).

## Example
```python
import marshal

code = marshal.loads(blob)
```

## Use instead
```python
import json

data = json.loads(blob)
```

## References
- [marshal](https://docs.python.org/3/library/marshal.html)
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
"#,
    fix: None,
};

/// Flag a marshal load.
#[must_use]
pub fn check(site: &CallSite<'_>, ctx: &CheckContext<'_, '_>) -> Option<Finding> {
    is_member(&site.callee, &["marshal"], &["load", "loads"]).then(|| {
        ctx.finding(
            &META,
            site,
            format!(
                "`{}` reads marshal data, which can hold code objects",
                site.callee
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::python::test_support::rules_hit;

    #[test]
    fn flags_marshal_loads() {
        assert_eq!(
            rules_hit("import marshal\nmarshal.loads(b)\n"),
            vec!["BRN104"]
        );
    }

    #[test]
    fn ignores_marshal_dumps() {
        assert!(rules_hit("import marshal\nmarshal.dumps(x)\n").is_empty());
    }
}
