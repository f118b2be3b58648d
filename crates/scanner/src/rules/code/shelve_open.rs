//! BRN102: `shelve` databases, whose values are pickles.

use crate::finding::{Finding, Severity};
use crate::python::check::{CheckContext, is_member};
use crate::python::semantic::CallSite;
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN102",
    name: "shelve-open",
    summary: "A shelve database is opened; every value read from it is unpickled.",
    severity: Severity::High,
    family: Family::Code,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Flags `shelve.open`, `shelve.Shelf`, `shelve.DbfilenameShelf` and `shelve.BsdDbShelf`.

## Why is this bad?
A shelf stores pickles: reading any key unpickles its value, so a shelf file written by
someone else can run their code when read (CWE-502).

## Example
```python
import shelve

with shelve.open("cache.db") as db:
    value = db["key"]
```

## Use instead
```python
import sqlite3
import json

db = sqlite3.connect("cache.sqlite")
row = db.execute("select value from cache where key = ?", ("key",)).fetchone()
value = json.loads(row[0])
```

## References
- [shelve: security](https://docs.python.org/3/library/shelve.html)
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
"#,
    fix: None,
};

/// Flag opening a shelf.
#[must_use]
pub fn check(site: &CallSite<'_>, ctx: &CheckContext<'_, '_>) -> Option<Finding> {
    is_member(
        &site.callee,
        &["shelve"],
        &["open", "Shelf", "DbfilenameShelf", "BsdDbShelf"],
    )
    .then(|| {
        ctx.finding(
            &META,
            site,
            format!(
                "`{}` opens a shelf whose values are unpickled on read",
                site.callee
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::python::test_support::rules_hit;

    #[test]
    fn flags_shelve_open() {
        assert_eq!(
            rules_hit("import shelve\nshelve.open('x')\n"),
            vec!["BRN102"]
        );
    }

    #[test]
    fn ignores_dbm() {
        assert!(rules_hit("import dbm\ndbm.open('x')\n").is_empty());
    }
}
