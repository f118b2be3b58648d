//! BRN107: `numpy.load(..., allow_pickle=True)` and `numpy.lib.format.read_array(..., allow_pickle=True)`.

use crate::finding::{Finding, Severity};
use crate::python::check::{CheckContext, is_true};
use crate::python::load_path::constant_path;
use crate::python::semantic::CallSite;
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN107",
    name: "numpy-allow-pickle",
    summary: "numpy is allowed to unpickle object arrays.",
    severity: Severity::High,
    family: Family::Code,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Flags `numpy.load` and `numpy.lib.format.read_array` when `allow_pickle` is `True`,
passed by keyword, by position, through a constant (`flag = True`) or a constant
`**dict`. The default (`allow_pickle=False`) is not flagged.

## Why is this bad?
With `allow_pickle=True`, an `.npy`/`.npz` file holding an object array is unpickled,
so the file can run code when loaded (CWE-502, CVE-2019-6446).

## Example
```python
import numpy as np

arr = np.load("data.npy", allow_pickle=True)
```

## Use instead
```python
import numpy as np

arr = np.load("data.npy")
```

## References
- [numpy.load](https://numpy.org/doc/stable/reference/generated/numpy.load.html)
- [CVE-2019-6446](https://nvd.nist.gov/vuln/detail/CVE-2019-6446)
"#,
    fix: None,
};

/// Flag a numpy load that allows pickles.
#[must_use]
pub fn check(site: &CallSite<'_>, ctx: &CheckContext<'_, '_>) -> Option<Finding> {
    let position = match site.callee.as_str() {
        "numpy.load" | "numpy.lib.npyio.load" => 2,
        "numpy.lib.format.read_array" => 1,
        _ => return None,
    };
    is_true(site.argument(Some(position), "allow_pickle")).then(|| {
        let mut finding = ctx.finding(
            &META,
            site,
            format!(
                "`{}` with `allow_pickle=True` unpickles object arrays",
                site.callee
            ),
        );
        // `read_array` takes an open file; `numpy.load` takes a path first.
        if position == 2 {
            finding.load_path = constant_path(site, 0, "file");
        }
        finding
    })
}

#[cfg(test)]
mod tests {
    use crate::python::test_support::rules_hit;

    #[test]
    fn flags_allow_pickle_by_keyword_position_and_constant() {
        assert_eq!(
            rules_hit("import numpy as np\nnp.load(f, allow_pickle=True)\n"),
            vec!["BRN107"]
        );
        assert_eq!(
            rules_hit("import numpy as np\nnp.load(f, None, True)\n"),
            vec!["BRN107"]
        );
        assert_eq!(
            rules_hit("import numpy as np\nflag = True\nnp.load(f, allow_pickle=flag)\n"),
            vec!["BRN107"]
        );
    }

    #[test]
    fn ignores_default_and_false() {
        assert!(
            rules_hit(
                "import numpy as np\nnp.load(f)\nnp.load(f, allow_pickle=False)\nnp.save(f, a)\n"
            )
            .is_empty()
        );
    }
}
