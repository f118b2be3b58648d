//! BRN004: A pickle imports or calls a global that is on no allowlist.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN004",
    name: "pickle-non-allowlisted-global",
    summary: "A pickle imports or calls a global that is on no allowlist.",
    severity: Severity::Medium,
    family: Family::Pickle,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r##"
## What it does
Reports a global (referenced or called) that brine's policy neither allows nor denies,
outside the standard library: a scikit-learn estimator, a custom class from the training
script, a framework helper.

## Why is this bad?
Every pickle-based bypass of a denylist scanner used a callable the list did not
know. brine cannot prove an unknown callable harmless, so the file is `suspicious`: review
the named globals, or add trusted ones to your allowlist.

## Example
```python
import pickle
from mytraining import CustomScaler   # unknown to any allowlist
pickle.dump(CustomScaler(), open("scaler.pkl", "wb"))
```

## Use instead
Store the parameters, not the object:
```python
import json
json.dump({"mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist()}, open("scaler.json", "w"))
```

## References
- [CWE-502: Deserialization of Untrusted Data](https://cwe.mitre.org/data/definitions/502.html)
- [Python `pickle` documentation, security warning](https://docs.python.org/3/library/pickle.html)
"##,
    fix: None,
};

/// The finding for an unknown global; `invoked` says whether the pickle calls it.
#[must_use]
pub fn finding(target: &str, invoked: bool, offset: u64, explanation: Option<String>) -> Finding {
    let how = if invoked { "calls" } else { "imports" };
    Finding::new(
        META.code,
        META.severity,
        Verdict::Suspicious,
        format!("the pickle {how} {target}, which is not allowlisted"),
    )
    .at_offset(offset)
    .explained(explanation.unwrap_or_else(|| target.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pickle::testasm::{Asm, codes, scan};

    #[test]
    fn unknown_global_is_suspicious() {
        let bytes = Asm::new()
            .proto(2)
            .global("mytraining", "CustomScaler")
            .stop()
            .finish();
        let report = scan(&bytes);
        assert_eq!(codes(&report), ["BRN004"]);
        assert_eq!(report.verdict(), Verdict::Suspicious);
    }

    #[test]
    fn allowlisted_global_is_clean() {
        let bytes = Asm::new()
            .proto(2)
            .global("torch._utils", "_rebuild_tensor_v2")
            .stop()
            .finish();
        assert_eq!(scan(&bytes).verdict(), Verdict::Clean);
    }
}
