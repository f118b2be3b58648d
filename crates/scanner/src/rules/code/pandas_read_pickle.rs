//! BRN106: `pandas.read_pickle`.

use crate::finding::{Finding, Severity};
use crate::python::check::{CheckContext, is_member};
use crate::python::load_path::constant_path;
use crate::python::semantic::CallSite;
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN106",
    name: "pandas-read-pickle",
    summary: "A pickle file is read with pandas.read_pickle.",
    severity: Severity::High,
    family: Family::Code,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Flags `pandas.read_pickle` (`pd.read_pickle`, `pandas.io.pickle.read_pickle`).

## Why is this bad?
`read_pickle` is `pickle.load` with decompression: a DataFrame file from an untrusted
source can run code when read (CWE-502).

## Example
```python
import pandas as pd

df = pd.read_pickle("data.pkl")
```

## Use instead
```python
import pandas as pd

df = pd.read_parquet("data.parquet")
```

## References
- [pandas.read_pickle](https://pandas.pydata.org/docs/reference/api/pandas.read_pickle.html)
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
"#,
    fix: None,
};

/// Flag `read_pickle`.
#[must_use]
pub fn check(site: &CallSite<'_>, ctx: &CheckContext<'_, '_>) -> Option<Finding> {
    is_member(
        &site.callee,
        &["pandas", "pandas.io.pickle"],
        &["read_pickle"],
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
        finding.load_path = constant_path(site, 0, "filepath_or_buffer");
        finding
    })
}

#[cfg(test)]
mod tests {
    use crate::python::test_support::rules_hit;

    #[test]
    fn flags_read_pickle() {
        assert_eq!(
            rules_hit("import pandas as pd\npd.read_pickle('x')\n"),
            vec!["BRN106"]
        );
    }

    #[test]
    fn ignores_to_pickle_and_csv() {
        assert!(rules_hit("import pandas as pd\ndf.to_pickle('x')\npd.read_csv('x')\n").is_empty());
    }
}
