//! BRN012: A pickle sets attributes on an imported module-level object (BUILD on a global).

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN012",
    name: "pickle-global-setattr",
    summary: "A pickle sets attributes on an imported module-level object (BUILD on a global).",
    severity: Severity::Critical,
    family: Family::Pickle,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r##"
## What it does
Reports BUILD applied directly to an imported global (a function, class or module
attribute) rather than to an object the pickle created. Unpickling then writes the state
into that global's `__dict__` or calls its `__setstate__`.

## Why is this bad?
Writing attributes on shared module objects rewires the process: the published
modelscan bypass sets `numpy.prod.a = "os"` and `numpy.prod.b = "system"`, then uses memo
tricks so a later STACK_GLOBAL reads them back. No pickler writes BUILD on a global.

## Example
```python
# GLOBAL numpy prod, then {'a': 'os'} BUILD: numpy.prod.__dict__.update({'a': 'os'})
data = b"\x80\x02cnumpy\nprod\n}X\x01\x00\x00\x00aX\x02\x00\x00\x00osb."
```

## Use instead
Pickle instances, never patch globals; better, store data only (safetensors, JSON).

## References
- [CWE-502: Deserialization of Untrusted Data](https://cwe.mitre.org/data/definitions/502.html)
- [Python `pickle` documentation, security warning](https://docs.python.org/3/library/pickle.html)
"##,
    fix: None,
};

/// The finding for BUILD on the global `target` at `offset`.
#[must_use]
pub fn finding(target: &str, offset: u64, explanation: String) -> Finding {
    Finding::new(
        META.code,
        META.severity,
        Verdict::Dangerous,
        format!("the pickle writes attributes of the imported global {target}"),
    )
    .at_offset(offset)
    .explained(explanation)
}

#[cfg(test)]
mod tests {
    use crate::pickle::testasm::{Asm, codes, scan};

    #[test]
    fn build_on_a_global_is_dangerous() {
        let bytes = Asm::new()
            .proto(2)
            .global("numpy", "prod")
            .op(b'}')
            .text("a")
            .text("os")
            .op(b's')
            .op(b'b')
            .stop()
            .finish();
        let report = scan(&bytes);
        let f = report
            .findings
            .iter()
            .find(|f| f.rule == "BRN012")
            .expect("BRN012");
        assert_eq!(
            f.explanation.as_deref(),
            Some("numpy.prod.__dict__.update({'a': 'os'})")
        );
    }

    #[test]
    fn build_on_an_instance_is_not_a_global_setattr() {
        let bytes = Asm::new()
            .proto(2)
            .global("collections", "OrderedDict")
            .op(b')')
            .reduce()
            .op(b'}')
            .op(b'b')
            .stop()
            .finish();
        assert!(!codes(&scan(&bytes)).contains(&"BRN012"));
    }
}
