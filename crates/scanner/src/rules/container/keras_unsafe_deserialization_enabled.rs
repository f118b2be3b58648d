//! BRN252: a Keras config that switches Keras safe mode off while it loads.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN252",
    name: "keras-unsafe-deserialization-enabled",
    summary: "A Keras model config calls `enable_unsafe_deserialization`, turning safe mode off.",
    severity: Severity::Critical,
    family: Family::Container,
    cwe: &[502, 693],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Reports any key or string in a Keras config that names
`enable_unsafe_deserialization` (`keras.config.enable_unsafe_deserialization`,
`keras.src.saving.serialization_lib.enable_unsafe_deserialization`, a registered name
ending in it) or the global it sets, `safe_mode_saving` (reached through
`set_global_attribute`), and any `"safe_mode": false` argument, such as one passed to a
`keras.models.load_model` that a `Lambda` layer calls.

## Why is this bad?
The function flips a process-wide switch that disables `safe_mode`. A config that makes
the loader call it first can then carry a `Lambda` whose bytecode Keras runs although the
caller asked for `safe_mode=True` (CVE-2025-9906). No legitimate model config names it.

## Example
```json
{"module": "keras.config", "class_name": "function",
 "config": "enable_unsafe_deserialization",
 "registered_name": "enable_unsafe_deserialization"}
```

## Use instead
Save models without lambdas (see `keras-lambda-layer`) and never ship code that changes
how the loader behaves; load with the default `safe_mode=True` on Keras ≥ 3.11.

## References
- [CVE-2025-9906](https://nvd.nist.gov/vuln/detail/CVE-2025-9906)
- [CWE-693](https://cwe.mitre.org/data/definitions/693.html)
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
"#,
    fix: None,
};

/// The finding for a mention at JSON path `path`.
#[must_use]
pub fn finding(path: &str) -> Finding {
    Finding::new(
        META.code,
        META.severity,
        Verdict::Dangerous,
        format!(
            "config at {path} names `enable_unsafe_deserialization`, which turns safe mode off"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::keras::scan_config_json;
    use crate::limits::Limits;

    #[test]
    fn safe_mode_switch_is_dangerous() {
        let config = br#"{"module":"keras.layers","class_name":"Dense","config":{"units":1,
            "activation":{"module":"keras.config","class_name":"function","config":"enable_unsafe_deserialization","registered_name":"enable_unsafe_deserialization"}}}"#;
        let findings = scan_config_json(config, &Limits::default());
        assert!(
            findings
                .iter()
                .any(|f| f.rule == META.code && f.verdict == Verdict::Dangerous)
        );
    }

    #[test]
    fn nested_load_model_without_safe_mode_is_dangerous() {
        // The CVE-2025-9906 write-up's second stage: a Lambda calling load_model.
        let config = br#"{"module":"keras.layers","class_name":"Lambda","config":{"name":"u",
            "function":{"module":"keras.models","class_name":"function","config":"load_model","registered_name":"function"},
            "arguments":{"safe_mode":false}}}"#;
        let findings = scan_config_json(config, &Limits::default());
        assert!(findings.iter().any(|f| f.rule == META.code), "{findings:?}");
        assert!(findings.iter().any(|f| f.rule == "BRN251"), "{findings:?}");
        let global = br#"{"arguments":{"name":"safe_mode_saving","value":false}}"#;
        assert_eq!(
            scan_config_json(global, &Limits::default())[0].rule,
            META.code
        );
    }

    #[test]
    fn ordinary_activation_is_clean() {
        let config = br#"{"module":"keras.layers","class_name":"Dense","config":{"units":1,
            "activation":{"module":"keras.activations","class_name":"function","config":"relu","registered_name":null}}}"#;
        assert!(scan_config_json(config, &Limits::default()).is_empty());
    }
}
