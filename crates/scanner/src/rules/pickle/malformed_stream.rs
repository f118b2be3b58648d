//! BRN006: A pickle stream is malformed or truncated, so it could not be fully analysed.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN006",
    name: "pickle-malformed-stream",
    summary: "A pickle stream is malformed or truncated, so it could not be fully analysed.",
    severity: Severity::Medium,
    family: Family::Pickle,
    cwe: &[502, 20],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r##"
## What it does
Reports a stream that breaks: an unknown opcode, a stack underflow, a memo slot read
before it was written, non-string STACK_GLOBAL operands, a literal or FRAME that runs past
the end of the file. Everything found before the break is still reported.

## Why is this bad?
A broken stream is never `clean`. The "nullifAI" models put their payload first and
break the stream right after it: the unpickler has already run the payload when it hits
the error, while scanners that give up on errors saw nothing. brine keeps the findings
before the break (a dangerous one keeps the file `dangerous`) and otherwise says `error`.

## Example
```python
import os, pickle

class Payload:
    def __reduce__(self):
        return (os.system, ("id",))

data = pickle.dumps(Payload(), protocol=2)
open("model.pkl", "wb").write(data[:-1] + b"\xff")   # payload, then garbage
```

## Use instead
Re-export the model from its source with a safe format (safetensors) instead of
repairing a broken pickle.

## References
- [CWE-502: Deserialization of Untrusted Data](https://cwe.mitre.org/data/definitions/502.html)
- [Python `pickle` documentation, security warning](https://docs.python.org/3/library/pickle.html)
"##,
    fix: None,
};

/// The finding for a stream that breaks at `offset`.
#[must_use]
pub fn finding(why: &str, offset: u64) -> Finding {
    Finding::new(
        META.code,
        META.severity,
        Verdict::Error,
        format!("the pickle stream is malformed: {why}"),
    )
    .at_offset(offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pickle::testasm::{Asm, codes, scan};

    #[test]
    fn truncated_stream_is_an_error() {
        let bytes = Asm::new().proto(2).op(b']').finish();
        let report = scan(&bytes);
        assert_eq!(codes(&report), ["BRN006"]);
        assert_eq!(report.verdict(), Verdict::Error);
    }

    #[test]
    fn complete_stream_is_not_malformed() {
        let bytes = Asm::new().proto(2).op(b']').stop().finish();
        assert!(codes(&scan(&bytes)).is_empty());
    }
}
