//! BRN010: A pickle fetches an attribute that brine cannot pin to a fixed global.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN010",
    name: "pickle-dynamic-getattr",
    summary: "A pickle fetches an attribute that brine cannot pin to a fixed global.",
    severity: Severity::Critical,
    family: Family::Pickle,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r##"
## What it does
Reports a call of `getattr` whose object is not a plain global, whose attribute name is
not a constant, or whose attribute is a dunder (`__globals__`, `__builtins__`). A constant
fetch from a global, `getattr(SomeEnum, 'MEMBER')`, is not reported here: brine turns it
into the dotted global `SomeEnum.MEMBER` and judges that instead.

## Why is this bad?
`getattr` on a value computed inside the pickle reaches anything: methods of objects
the stream built, entries of dicts it fetched (`builtins.__dict__`), interpreter internals
through dunders (`__globals__`, `__subclasses__`).

## Example
```python
import builtins, pickle

class Payload:
    def __reduce__(self):
        return (getattr, (builtins.__dict__, "__getitem__"))
```

## Use instead
Store enum members and settings by value (`"ADAMW_TORCH"` as a string in JSON).

## References
- [CWE-502: Deserialization of Untrusted Data](https://cwe.mitre.org/data/definitions/502.html)
- [Python `pickle` documentation, security warning](https://docs.python.org/3/library/pickle.html)
"##,
    fix: None,
};

/// The finding for an arbitrary attribute fetch at `offset`.
#[must_use]
pub fn finding(offset: u64, explanation: String) -> Finding {
    Finding::new(
        META.code,
        META.severity,
        Verdict::Dangerous,
        "the pickle fetches an arbitrary attribute with getattr",
    )
    .at_offset(offset)
    .explained(explanation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pickle::testasm::{Asm, codes, scan};

    #[test]
    fn dunder_getattr_is_dangerous() {
        let bytes = Asm::new()
            .proto(2)
            .global("builtins", "getattr")
            .global("numpy", "core")
            .text("__builtins__")
            .tuple2()
            .reduce()
            .stop()
            .finish();
        let report = scan(&bytes);
        assert!(codes(&report).contains(&"BRN010"));
        assert_eq!(report.verdict(), Verdict::Dangerous);
    }

    #[test]
    fn enum_member_fetch_is_not_dangerous() {
        let bytes = Asm::new()
            .proto(2)
            .global("builtins", "getattr")
            .global("transformers.training_args", "OptimizerNames")
            .text("ADAMW_TORCH")
            .tuple2()
            .reduce()
            .stop()
            .finish();
        let report = scan(&bytes);
        assert!(!codes(&report).contains(&"BRN010"));
        assert!(report.verdict() < Verdict::Error, "{:?}", report.findings);
        assert!(
            report
                .globals
                .iter()
                .any(|g| g.name == "OptimizerNames.ADAMW_TORCH")
        );
    }
}
