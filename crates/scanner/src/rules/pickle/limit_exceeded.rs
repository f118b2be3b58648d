//! BRN007: A pickle stream exceeds one of brine's analysis budgets.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN007",
    name: "pickle-limit-exceeded",
    summary: "A pickle stream exceeds one of brine's analysis budgets.",
    severity: Severity::Medium,
    family: Family::Pickle,
    cwe: &[502, 400],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r##"
## What it does
Reports a stream that needs more opcodes, stack items, memo entries, symbolic values
or back-to-back pickles than brine's limits allow. Analysis stops there; findings made
before the limit stay.

## Why is this bad?
Real checkpoints stay far below the limits; a stream built to exhaust a scanner (a
billion-laughs memo, ten million MEMOIZE opcodes) is built to hide something or to take
the loader down. It is never reported `clean`.

## Example
```python
# ten million memo entries of the same None
open("model.pkl", "wb").write(b"\x80\x04N" + b"\x94" * 10_000_000 + b".")
```

## Use instead
Keep files to plain tensors and data: safetensors, numpy `.npy` without pickled
objects, JSON.

## References
- [CWE-502: Deserialization of Untrusted Data](https://cwe.mitre.org/data/definitions/502.html)
- [Python `pickle` documentation, security warning](https://docs.python.org/3/library/pickle.html)
"##,
    fix: None,
};

/// The finding for a budget that ran out at `offset`.
#[must_use]
pub fn finding(why: &str, offset: u64) -> Finding {
    Finding::new(
        META.code,
        META.severity,
        Verdict::Error,
        format!("analysis stopped at a limit: {why}"),
    )
    .at_offset(offset)
}

#[cfg(test)]
mod tests {
    use crate::pickle::testasm::{Asm, codes, scan};

    #[test]
    fn memo_flood_hits_the_limit() {
        let limits = crate::Limits {
            max_pickle_memo: 100,
            ..crate::Limits::default()
        };
        let bytes = Asm::new()
            .proto(4)
            .op(b'N')
            .raw(&[0x94; 200])
            .stop()
            .finish();
        let report = crate::pickle::testasm::scan_with(&bytes, Default::default(), &limits);
        assert_eq!(codes(&report), ["BRN007"]);
    }

    #[test]
    fn small_memo_is_within_the_limit() {
        let bytes = Asm::new()
            .proto(4)
            .op(b'N')
            .raw(&[0x94; 50])
            .stop()
            .finish();
        assert!(codes(&scan(&bytes)).is_empty());
    }
}
