//! BRN005: A pickle imports a global through an extension code that cannot be resolved.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN005",
    name: "pickle-unresolved-extension",
    summary: "A pickle imports a global through an extension code that cannot be resolved.",
    severity: Severity::Medium,
    family: Family::Pickle,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r##"
## What it does
Reports an EXT1/EXT2/EXT4 opcode whose code was not registered by a
`copyreg.add_extension(module, name, code)` call earlier in the same stream. The global it
stands for depends on the loading process's registry and cannot be read from the file.

## Why is this bad?
Extension codes hide the imported name from scanners that only read GLOBAL opcodes.
No mainstream library registers extension codes for model files.

## Example
```python
import copyreg, os, pickle
copyreg.add_extension("os", "system", 0xF0)   # in the loader
pickle.dumps(os.system, protocol=2)           # b'\x80\x02\x82\xf0.'
```

## Use instead
Let the pickle name its globals plainly, or better, store plain data (safetensors, JSON).

## References
- [CWE-502: Deserialization of Untrusted Data](https://cwe.mitre.org/data/definitions/502.html)
- [Python `pickle` documentation, security warning](https://docs.python.org/3/library/pickle.html)
"##,
    fix: None,
};

/// The finding for extension `code` at `offset`.
#[must_use]
pub fn finding(code: i64, offset: u64) -> Finding {
    Finding::new(
        META.code,
        META.severity,
        Verdict::Suspicious,
        format!("the pickle imports extension code {code}, which the stream never registered"),
    )
    .at_offset(offset)
    .explained(format!("copyreg._inverted_registry[{code}]"))
}

#[cfg(test)]
mod tests {
    use crate::pickle::testasm::{Asm, codes, scan};

    #[test]
    fn unregistered_extension_is_suspicious() {
        let bytes = Asm::new().proto(2).op(0x82).op(0xf0).stop().finish();
        let report = scan(&bytes);
        assert_eq!(codes(&report), ["BRN005"]);
    }

    #[test]
    fn extension_registered_in_the_stream_resolves() {
        let bytes = Asm::new()
            .proto(2)
            .global("copyreg", "add_extension")
            .text("collections")
            .text("OrderedDict")
            .int(0xf0)
            .tuple3()
            .reduce()
            .op(b'0')
            .op(0x82)
            .op(0xf0)
            .stop()
            .finish();
        let report = scan(&bytes);
        assert!(!codes(&report).contains(&"BRN005"));
        assert!(report.globals.iter().any(|g| g.name == "OrderedDict"));
    }
}
