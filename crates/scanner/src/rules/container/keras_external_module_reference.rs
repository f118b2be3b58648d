//! BRN251: a Keras config that names a module or function outside Keras.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN251",
    name: "keras-external-module-reference",
    summary: "A Keras model config makes the loader import a module or call a function outside Keras.",
    severity: Severity::High,
    family: Family::Container,
    cwe: &[502, 470],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Reads every serialized object in a Keras config (`{"module": ..., "class_name": ...,
"config": ..., "registered_name": ...}`, and the Keras 2 `Lambda` fields `module` +
`function` with `"function_type": "function"`) and judges the module it names:

* a module that runs code, commands or I/O (`os`, `subprocess`, `builtins`, `importlib`,
  `socket`, ...): **dangerous**;
* a Keras function that acts on the host, such as `keras.utils.get_file`: **dangerous**;
* any other module outside Keras/TensorFlow (a custom layer's package, `__main__`):
  **suspicious**, because loading imports code that the file does not contain.

## Why is this bad?
Before Keras 3.8 the loader imported any `module` a config named and called the function
it named, even with `safe_mode=True` (CVE-2025-1550): a config saying
`{"module": "os", "class_name": "function", "config": "system"}` hands `os.system` to the
model. Later versions restrict modules but still reach Keras-internal gadgets
(CVE-2025-8747: `get_file` writes attacker-chosen files).

## Example
```json
{"module": "keras.layers", "class_name": "Dense", "config": {"units": 1,
  "activation": {"module": "os", "class_name": "function", "config": "system",
                 "registered_name": "system"}}}
```

## Use instead
```json
{"module": "keras.layers", "class_name": "Dense", "config": {"units": 1,
  "activation": "relu"}}
```
Ship custom layers as code registered with `keras.saving.register_keras_serializable`
and review the package they come from.

## References
- [CVE-2025-1550](https://nvd.nist.gov/vuln/detail/CVE-2025-1550)
- [CVE-2025-8747](https://nvd.nist.gov/vuln/detail/CVE-2025-8747)
- [CWE-470](https://cwe.mitre.org/data/definitions/470.html)
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
"#,
    fix: None,
};

/// The finding for `reference` (`module.name`) at JSON path `path`, with the verdict the
/// module deserves and why.
#[must_use]
pub fn finding(path: &str, reference: &str, verdict: Verdict, why: &str) -> Finding {
    let severity = if verdict == Verdict::Dangerous {
        Severity::Critical
    } else {
        Severity::Medium
    };
    Finding::new(
        META.code,
        severity,
        verdict,
        format!("config at {path} makes Keras load `{reference}`: {why}"),
    )
    .explained(reference.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::keras::scan_config_json;
    use crate::limits::Limits;

    #[test]
    fn os_system_activation_is_dangerous() {
        let config = br#"{"module":"keras.layers","class_name":"Dense","config":{"units":1,
            "activation":{"module":"os","class_name":"function","config":"system","registered_name":"system"}}}"#;
        let findings = scan_config_json(config, &Limits::default());
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].rule, META.code);
        assert_eq!(findings[0].verdict, Verdict::Dangerous);
        assert_eq!(findings[0].explanation.as_deref(), Some("os.system"));
    }

    #[test]
    fn third_party_layer_is_suspicious_and_keras_is_clean() {
        let custom = br#"{"module":"my_pkg.layers","class_name":"Scale","config":{},"registered_name":"my_pkg>Scale"}"#;
        let findings = scan_config_json(custom, &Limits::default());
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].verdict, Verdict::Suspicious);
        let keras = br#"{"module":"keras.layers","class_name":"Dense","config":{"units":1,"activation":"relu"},"registered_name":null}"#;
        assert!(scan_config_json(keras, &Limits::default()).is_empty());
    }
}
