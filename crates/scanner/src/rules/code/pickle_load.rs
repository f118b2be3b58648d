//! BRN101: loads through the standard `pickle` family (`pickle`, `cPickle`, `_pickle`).

use crate::finding::{Finding, Severity};
use crate::python::check::{CheckContext, is_member};
use crate::python::semantic::CallSite;
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN101",
    name: "pickle-load",
    summary: "Data is deserialized with pickle, which runs code chosen by whoever wrote the data.",
    severity: Severity::High,
    family: Family::Code,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Flags `pickle.load`, `pickle.loads`, the private `_load`/`_loads`, and
`Unpickler(...).load()` / `_Unpickler(...).load()` from `pickle`, `cPickle` and `_pickle`,
however the module or function was imported, aliased or passed around
(`p = pickle`, `getattr(pickle, "loads")`, `importlib.import_module("pickle")`).
A load through a local `Unpickler` subclass that overrides `find_class` is reported at
`low` severity: it is only as safe as its allow-list.

## Why is this bad?
Unpickling calls any importable callable with arguments chosen by the data
(`os.system`, `eval`, `subprocess.Popen`...). Loading a pickle from anyone you do not
trust is running their code (CWE-502).

## Example
```python
import pickle

with open("payload.pkl", "rb") as f:
    obj = pickle.load(f)
```

## Use instead
```python
import json

with open("payload.json", "rb") as f:
    obj = json.load(f)
```

## References
- [pickle: restricting globals](https://docs.python.org/3/library/pickle.html#restricting-globals)
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
"#,
    fix: None,
};

const MODULES: &[&str] = &["pickle", "cPickle", "_pickle", "six.moves.cPickle"];
const LOADERS: &[&str] = &[
    "load",
    "loads",
    "_load",
    "_loads",
    "Unpickler().load",
    "_Unpickler().load",
];

/// Flag a pickle-family load.
#[must_use]
pub fn check(site: &CallSite<'_>, ctx: &CheckContext<'_, '_>) -> Option<Finding> {
    is_member(&site.callee, MODULES, LOADERS).then(|| {
        ctx.finding(
            &META,
            site,
            format!(
                "`{}` unpickles data, which can run arbitrary code",
                site.callee
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::python::test_support::rules_hit;

    #[test]
    fn flags_loads_and_unpickler() {
        assert_eq!(
            rules_hit("import cPickle as p\np.loads(b)\n"),
            vec!["BRN101"]
        );
        assert_eq!(
            rules_hit("from pickle import Unpickler\nUnpickler(f).load()\n"),
            vec!["BRN101"]
        );
    }

    #[test]
    fn ignores_dumps() {
        assert!(rules_hit("import pickle\npickle.dumps(x)\npickle.dump(x, f)\n").is_empty());
    }

    #[test]
    fn restricted_subclass_is_low() {
        let source = "import pickle\nclass Safe(pickle.Unpickler):\n    def find_class(self, module, name):\n        raise pickle.UnpicklingError(name)\nSafe(f).load()\n";
        let findings = crate::python::scan_source(
            "t.py",
            source.as_bytes(),
            &crate::python::CodeSettings::default(),
        );
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings.first().map(|f| f.severity),
            Some(crate::finding::Severity::Low)
        );
    }
}
