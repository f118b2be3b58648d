//! BRN008: A pickle stream is built in a way no pickler writes.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN008",
    name: "pickle-structural-tamper",
    summary: "A pickle stream is built in a way no pickler writes.",
    severity: Severity::Low,
    family: Family::Pickle,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r##"
## What it does
Reports structure that CPython's pickler never produces: PROTO that is not the first
opcode or appears twice, an opcode straddling a FRAME boundary, a FRAME that starts inside
another, a FRAME longer than the pickle, out-of-band buffers (NEXT_BUFFER) in a file.

## Why is this bad?
Hand-edited streams exist to confuse scanners that walk opcodes differently from the
unpickler (frame and protocol games, buffer references a scanner skips).

## Example
```python
import pickle
data = pickle.dumps([1, 2], protocol=4)
open("model.pkl", "wb").write(data[:2] + b"\x80\x04" + data[2:])   # PROTO twice
```

## Use instead
Write files with `pickle.dump` unchanged, or better, with safetensors.

## References
- [CWE-502: Deserialization of Untrusted Data](https://cwe.mitre.org/data/definitions/502.html)
- [Python `pickle` documentation, security warning](https://docs.python.org/3/library/pickle.html)
"##,
    fix: None,
};

/// The finding for tampered structure at `offset`.
#[must_use]
pub fn finding(why: &str, offset: u64) -> Finding {
    Finding::new(
        META.code,
        META.severity,
        Verdict::Suspicious,
        format!("the pickle stream is tampered with: {why}"),
    )
    .at_offset(offset)
    .explained(format!(
        "# nothing runs here, but no pickler writes this: {why}"
    ))
}

#[cfg(test)]
mod tests {
    use crate::pickle::testasm::{Asm, codes, scan};

    #[test]
    fn repeated_proto_is_tamper() {
        let bytes = Asm::new().proto(4).proto(4).op(b'N').stop().finish();
        let report = scan(&bytes);
        assert_eq!(codes(&report), ["BRN008"]);
        assert_eq!(report.findings[0].offset, Some(2));
    }

    #[test]
    fn single_proto_is_fine() {
        let bytes = Asm::new().proto(4).op(b'N').stop().finish();
        assert!(codes(&scan(&bytes)).is_empty());
    }
}
