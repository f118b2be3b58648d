//! BRN105: `joblib.load`, which unpickles.

use crate::finding::{Finding, Severity};
use crate::python::check::{CheckContext, is_member};
use crate::python::load_path::constant_path;
use crate::python::semantic::CallSite;
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN105",
    name: "joblib-load",
    summary: "A joblib file is loaded; joblib files are pickles.",
    severity: Severity::High,
    family: Family::Code,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Flags `joblib.load` (and the old `sklearn.externals.joblib.load`).

When the file is named by a constant path and `brine.lock` pins it (`brine lock`), `brine
scan` hashes it: a file that still matches its pin and was locked as clean lowers an untainted
finding to `low`, and the message names the lock entry; a changed or missing file is said so.

## Why is this bad?
joblib persists objects with pickle (plus raw numpy buffers). Loading a joblib file
from an untrusted source, such as a scikit-learn model downloaded from a hub, runs
whatever code it carries (CWE-502).

## Example
```python
import joblib

model = joblib.load("model.joblib")
```

## Use instead
```python
import skops.io

model = skops.io.load("model.skops", trusted=["sklearn.linear_model.LogisticRegression"])
```

## References
- [joblib persistence: security](https://joblib.readthedocs.io/en/stable/persistence.html)
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
"#,
    fix: None,
};

/// Flag a joblib load.
#[must_use]
pub fn check(site: &CallSite<'_>, ctx: &CheckContext<'_, '_>) -> Option<Finding> {
    is_member(
        &site.callee,
        &["joblib", "sklearn.externals.joblib"],
        &["load"],
    )
    .then(|| {
        let mut finding = ctx.finding(
            &META,
            site,
            format!(
                "`{}` unpickles the file, which can run arbitrary code",
                site.callee
            ),
        );
        finding.load_path = constant_path(site, 0, "filename");
        finding
    })
}

#[cfg(test)]
mod tests {
    use crate::python::test_support::rules_hit;

    #[test]
    fn flags_joblib_load() {
        assert_eq!(
            rules_hit("from joblib import load\nload('m.joblib')\n"),
            vec!["BRN105"]
        );
    }

    #[test]
    fn ignores_joblib_dump() {
        assert!(rules_hit("import joblib\njoblib.dump(m, 'm.joblib')\n").is_empty());
    }
}
