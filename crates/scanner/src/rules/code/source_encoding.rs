//! BRN191: a Python file's bytes did not decode cleanly (unknown coding cookie, bad bytes).

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN191",
    name: "python-source-encoding",
    summary: "A Python file declares an unknown encoding or holds undecodable bytes.",
    severity: Severity::Info,
    family: Family::Code,
    cwe: &[502],
    mappings: &[],
    docs: r#"
## What it does
Notes that the file's PEP 263 coding cookie names an encoding brine does not know, or
that its bytes are not valid in the declared (or default UTF-8) encoding. brine then
reads it as UTF-8 with replacement characters and scans it anyway.

## Why is this bad?
Not by itself (the verdict stays `clean`), but names spelled with undecodable bytes may
be misread, so the scan of this file may be incomplete.

## Example
```python
# -*- coding: klingon -*-
x = 1
```

## Use instead
```python
# -*- coding: utf-8 -*-
x = 1
```

## References
- [PEP 263: defining Python source code encodings](https://peps.python.org/pep-0263/)
"#,
    fix: None,
};

/// The note, with the decoder's explanation.
#[must_use]
pub fn finding(note: String) -> Finding {
    let mut finding = Finding::new(META.code, META.severity, Verdict::Clean, note);
    finding.tainted = Some(false);
    finding
}

#[cfg(test)]
mod tests {
    use crate::python::test_support::rules_hit;

    #[test]
    fn unknown_cookie_is_noted() {
        assert_eq!(rules_hit("# coding: klingon\nx = 1\n"), vec!["BRN191"]);
    }

    #[test]
    fn known_cookie_is_fine() {
        assert!(rules_hit("# coding: latin-1\nx = 1\n").is_empty());
    }
}
