//! BRN003: A pickle calls a standard-library callable that is on no allowlist.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN003",
    name: "pickle-stdlib-gadget-call",
    summary: "A pickle calls a standard-library callable that is on no allowlist.",
    severity: Severity::High,
    family: Family::Pickle,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r##"
## What it does
Reports a call of a standard-library global that brine's policy neither allows nor
denies (say `logging.config.listen` in a module the denylist has not caught up with).

## Why is this bad?
The standard library is where pickle gadgets live: every published scanner bypass
calls a stdlib function the denylist forgot (`pip.main`, `pkgutil.resolve_name`,
`asyncio.unix_events...`, `uuid._get_command_stdout`). Model files need tensors, not
stdlib calls, so an unknown stdlib call is treated as dangerous.

## Example
```python
import pickle, uuid

class Payload:
    def __reduce__(self):
        return (uuid._get_command_stdout, ("touch", "/tmp/x"))

pickle.dump(Payload(), open("model.pkl", "wb"))
```

## Use instead
Save tensors with safetensors and plain settings as JSON; neither can call anything.

## References
- [CWE-502: Deserialization of Untrusted Data](https://cwe.mitre.org/data/definitions/502.html)
- [Python `pickle` documentation, security warning](https://docs.python.org/3/library/pickle.html)
"##,
    fix: None,
};

/// The finding for a call of an unknown standard-library global.
#[must_use]
pub fn finding(target: &str, offset: u64, explanation: String) -> Finding {
    Finding::new(
        META.code,
        META.severity,
        Verdict::Dangerous,
        format!("the pickle calls {target}, a standard-library callable that is not allowlisted"),
    )
    .at_offset(offset)
    .explained(explanation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pickle::testasm::{Asm, codes, scan};

    #[test]
    fn unknown_stdlib_call_is_dangerous() {
        // A harmless stdlib function no list is likely to name: judged by the stdlib rule.
        let report = scan(&Asm::call_with_text("colorsys", "rgb_to_hsv", "x"));
        assert_eq!(codes(&report), ["BRN003"]);
        assert_eq!(report.verdict(), Verdict::Dangerous);
    }

    #[test]
    fn unknown_third_party_call_is_not_a_stdlib_gadget() {
        let report = scan(&Asm::call_with_text("sklearn.base", "thing", "x"));
        assert!(!codes(&report).contains(&"BRN003"));
    }
}
