//! BRN254: a Keras config that makes the loader read a file or URL outside the archive.

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN254",
    name: "keras-external-resource",
    summary: "A Keras model config makes the loader read a file, URL or SavedModel outside the model file.",
    severity: Severity::Medium,
    family: Family::Container,
    cwe: &[73, 502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Reports layers whose config points the loader at a resource outside the model file:

* a `TFSMLayer`, which loads a TensorFlow SavedModel (graph ops included) from the
  `filepath` in its config;
* a lookup or text-vectorization layer (`StringLookup`, `IntegerLookup`,
  `TextVectorization`) whose `vocabulary` is a path or URL rather than a list.

## Why is this bad?
Loading such a model reads whatever path or URL the file chose: a local file disclosed
through the vocabulary, a request to an internal address (CVE-2025-12058), or a
SavedModel whose ops read and write files. The model is not self-contained, so scanning it
says nothing about what it will load. The verdict is `suspicious`.

## Example
```json
{"module": "keras.layers", "class_name": "StringLookup",
 "config": {"name": "lookup", "vocabulary": "/etc/passwd"}}
```

## Use instead
```json
{"module": "keras.layers", "class_name": "StringLookup",
 "config": {"name": "lookup", "vocabulary": ["cat", "dog"]}}
```
Keep vocabularies and sub-models inside the saved model (`model.save` stores adapted
vocabularies in the archive).

## References
- [CVE-2025-12058](https://nvd.nist.gov/vuln/detail/CVE-2025-12058)
- [CWE-73](https://cwe.mitre.org/data/definitions/73.html)
"#,
    fix: None,
};

/// The finding for layer `layer` at JSON path `path` reading `resource`.
#[must_use]
pub fn finding(path: &str, layer: &str, resource: &str) -> Finding {
    Finding::new(
        META.code,
        META.severity,
        Verdict::Suspicious,
        format!("{layer} at {path} makes Keras read {resource:?} from outside the model"),
    )
    .explained(resource.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::keras::scan_config_json;
    use crate::limits::Limits;

    #[test]
    fn vocabulary_path_and_savedmodel_are_suspicious() {
        let lookup = br#"{"module":"keras.layers","class_name":"StringLookup","config":{"name":"l","vocabulary":"/etc/passwd"}}"#;
        let findings = scan_config_json(lookup, &Limits::default());
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].rule, META.code);
        assert_eq!(findings[0].verdict, Verdict::Suspicious);
        let tfsm = br#"{"module":"keras.layers","class_name":"TFSMLayer","config":{"name":"t","filepath":"/tmp/saved"}}"#;
        assert_eq!(
            scan_config_json(tfsm, &Limits::default())[0].rule,
            META.code
        );
    }

    #[test]
    fn inline_vocabulary_is_clean() {
        let lookup = br#"{"module":"keras.layers","class_name":"StringLookup","config":{"name":"l","vocabulary":["a","b"]}}"#;
        assert!(scan_config_json(lookup, &Limits::default()).is_empty());
    }
}
