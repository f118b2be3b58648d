//! BRN002: A pickle imports a dangerous callable without visibly calling it.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN002",
    name: "pickle-dangerous-reference",
    summary: "A pickle imports a dangerous callable without visibly calling it.",
    severity: Severity::High,
    family: Family::Pickle,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r##"
## What it does
Reports a dangerous global (`os.system`, `builtins.eval`...) that the pickle imports
(GLOBAL, STACK_GLOBAL, INST, EXT) but that brine did not see being called.

## Why is this bad?
A benign model has no reason to import `os.system`. The reference may be handed to a
later call that brine cannot see (an object's `__setstate__`, a container the loading code
calls into), so it is treated as dangerous, one step below a visible call.

## Example
```python
import os, pickle
pickle.dump({"hook": os.system}, open("model.pkl", "wb"))
```

## Use instead
Keep only data in the file:
```python
import json
json.dump({"hook": "none"}, open("config.json", "w"))
```

## References
- [CWE-502: Deserialization of Untrusted Data](https://cwe.mitre.org/data/definitions/502.html)
- [Python `pickle` documentation, security warning](https://docs.python.org/3/library/pickle.html)
"##,
    fix: None,
};

/// The finding for a dangerous global referenced at `offset`.
#[must_use]
pub fn finding(target: &str, why: &str, offset: u64) -> Finding {
    Finding::new(
        META.code,
        META.severity,
        Verdict::Dangerous,
        format!("the pickle imports {target} ({why})"),
    )
    .at_offset(offset)
    .explained(target.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pickle::testasm::{Asm, codes, scan};

    #[test]
    fn referenced_os_system_is_dangerous() {
        let bytes = Asm::new().proto(2).global("os", "system").stop().finish();
        let report = scan(&bytes);
        assert_eq!(codes(&report), ["BRN002"]);
        assert_eq!(report.findings[0].severity, Severity::High);
    }

    #[test]
    fn referenced_safe_global_is_not_reported() {
        let bytes = Asm::new()
            .proto(2)
            .global("collections", "OrderedDict")
            .stop()
            .finish();
        assert!(codes(&scan(&bytes)).is_empty());
    }
}
