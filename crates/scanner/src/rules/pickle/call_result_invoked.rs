//! BRN011: A pickle calls the value another call returned.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN011",
    name: "pickle-call-result-invoked",
    summary: "A pickle calls the value another call returned.",
    severity: Severity::High,
    family: Family::Pickle,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r##"
## What it does
Reports a call whose callee is not an imported global but a computed value: the result
of an earlier call (`pkgutil.resolve_name('os:system')('id')`), a persistent id, a
literal. Dangerous when the value came from a dangerous or unknown standard-library
callable, suspicious otherwise.

## Why is this bad?
Calling a returned value launders the real target: the callable is chosen at load time
by strings in the file, so a denylist of imported names never sees it. This is the
`pkgutil.resolve_name` universal bypass.

## Example
```python
import pickle, pkgutil

class Resolve:
    def __reduce__(self):
        return (pkgutil.resolve_name, ("os:system",))
# REDUCE on Resolve's result with ('id',) calls os.system('id')
```

## Use instead
Reference real functions directly, or better, store data only (safetensors, JSON).

## References
- [CWE-502: Deserialization of Untrusted Data](https://cwe.mitre.org/data/definitions/502.html)
- [Python `pickle` documentation, security warning](https://docs.python.org/3/library/pickle.html)
"##,
    fix: None,
};

/// The finding for calling `what` at `offset`; `dangerous` picks the verdict.
#[must_use]
pub fn finding(dangerous: bool, what: &str, offset: u64, explanation: String) -> Finding {
    let (severity, verdict) = if dangerous {
        (Severity::Critical, Verdict::Dangerous)
    } else {
        (Severity::Medium, Verdict::Suspicious)
    };
    Finding::new(
        META.code,
        severity,
        verdict,
        format!("the pickle calls {what}"),
    )
    .at_offset(offset)
    .explained(explanation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pickle::testasm::{Asm, codes, scan};

    #[test]
    fn calling_resolve_name_result_is_dangerous() {
        let bytes = Asm::new()
            .proto(2)
            .global("pkgutil", "resolve_name")
            .text("os:system")
            .tuple1()
            .reduce()
            .text("id")
            .tuple1()
            .reduce()
            .stop()
            .finish();
        let report = scan(&bytes);
        let f = report
            .findings
            .iter()
            .find(|f| f.rule == "BRN011")
            .expect("BRN011");
        assert_eq!(f.verdict, Verdict::Dangerous);
        assert_eq!(
            f.explanation.as_deref(),
            Some("pkgutil.resolve_name('os:system')('id')")
        );
    }

    #[test]
    fn calling_a_returned_value_once_is_not_reported() {
        let report = scan(&Asm::call_with_text("pkgutil", "resolve_name", "os:system"));
        assert!(!codes(&report).contains(&"BRN011"));
    }
}
