//! BRN001: A pickle calls a known code-execution, I/O or gadget callable.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN001",
    name: "pickle-dangerous-call",
    summary: "A pickle calls a known code-execution, I/O or gadget callable.",
    severity: Severity::Critical,
    family: Family::Pickle,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r##"
## What it does
Reports a pickle that *calls* (REDUCE, INST, OBJ, NEWOBJ, NEWOBJ_EX, or a call of a
call's result) a global that brine's policy knows to be dangerous: `os.system`,
`builtins.eval`, `subprocess.Popen`, `pkgutil.resolve_name`, dotted paths into such
modules (`posixpath` + `os.system`) and the like. The explanation shows the call as
Python, with its symbolic arguments.

## Why is this bad?
Unpickling runs the call. Whoever wrote the file runs code on the machine that loads
it, with that process's rights (CWE-502). This is how malicious models on public hubs
work.

## Example
```python
import os, pickle

class Payload:
    def __reduce__(self):
        return (os.system, ("id",))

pickle.dump(Payload(), open("model.pkl", "wb"))
```

## Use instead
Store weights as plain tensors (safetensors) and configuration as JSON:
```python
from safetensors.torch import save_file
save_file(model.state_dict(), "model.safetensors")
```

## References
- [CWE-502: Deserialization of Untrusted Data](https://cwe.mitre.org/data/definitions/502.html)
- [Python `pickle` documentation, security warning](https://docs.python.org/3/library/pickle.html)
"##,
    fix: None,
};

/// The finding for a dangerous call of `target` at `offset`.
#[must_use]
pub fn finding(target: &str, why: &str, offset: u64, explanation: String) -> Finding {
    Finding::new(
        META.code,
        META.severity,
        Verdict::Dangerous,
        format!("the pickle calls {target} ({why})"),
    )
    .at_offset(offset)
    .explained(explanation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pickle::testasm::{Asm, codes, scan};

    #[test]
    fn os_system_call_is_dangerous() {
        let report = scan(&Asm::call_with_text("os", "system", "touch /tmp/x"));
        assert_eq!(codes(&report), ["BRN001"]);
        let f = &report.findings[0];
        assert_eq!(f.verdict, Verdict::Dangerous);
        assert_eq!(f.explanation.as_deref(), Some("os.system('touch /tmp/x')"));
        assert_eq!(f.offset, Some(31));
    }

    #[test]
    fn a_safe_call_is_not_reported() {
        let report = scan(&Asm::call_with_text("collections", "OrderedDict", "x"));
        assert!(codes(&report).is_empty());
    }
}
