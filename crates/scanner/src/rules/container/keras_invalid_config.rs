//! BRN253: a Keras model config that could not be read, so the model was not judged.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN253",
    name: "keras-invalid-config",
    summary: "A Keras model config is not valid JSON or exceeds the config budget.",
    severity: Severity::Medium,
    family: Family::Container,
    cwe: &[20, 502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Reports a Keras `config.json` or legacy `model_config` attribute that is not valid JSON,
nests deeper than 128 levels, is not text, or is larger than the config budget
(`max_config_bytes`, 64 MiB by default).

## Why is this bad?
The model config decides what Keras imports and calls while loading. One that brine
cannot read is one brine cannot vouch for: the verdict is `error`, never `clean`. A config
built to break parsers is also a classic way to make a scanner give up while the real
loader, more lenient, goes on.

## Example
```json
{"class_name": "Sequential", "config": {"layers": [
```

## Use instead
Re-save the model with `model.save("model.keras")`, which writes complete JSON.

## References
- [Keras v3 file format](https://keras.io/guides/serialization_and_saving/)
- [CWE-20](https://cwe.mitre.org/data/definitions/20.html)
"#,
    fix: None,
};

/// The finding for an unreadable config; `detail` says why.
#[must_use]
pub fn finding(detail: &str) -> Finding {
    Finding::new(
        META.code,
        META.severity,
        Verdict::Error,
        format!("Keras model config not judged: {detail}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::keras::scan_config_json;
    use crate::limits::Limits;

    #[test]
    fn truncated_and_oversized_configs_are_errors() {
        let truncated = scan_config_json(
            br#"{"class_name": "Sequential", "config": {"#,
            &Limits::default(),
        );
        assert_eq!(truncated.len(), 1);
        assert_eq!(truncated[0].rule, META.code);
        assert_eq!(truncated[0].verdict, Verdict::Error);
        let limits = Limits {
            max_config_bytes: 4,
            ..Limits::default()
        };
        assert_eq!(scan_config_json(b"{\"a\": 1}", &limits)[0].rule, META.code);
        let deep = "[".repeat(100_000);
        assert_eq!(
            scan_config_json(deep.as_bytes(), &Limits::default())[0].rule,
            META.code
        );
    }

    #[test]
    fn complete_config_is_clean() {
        assert!(
            scan_config_json(
                br#"{"class_name":"Sequential","config":{"layers":[]}}"#,
                &Limits::default()
            )
            .is_empty()
        );
    }
}
