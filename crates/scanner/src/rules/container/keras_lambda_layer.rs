//! BRN250: a Keras config that carries a serialized Python lambda (marshalled bytecode).

use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN250",
    name: "keras-lambda-layer",
    summary: "A Keras model config carries marshalled Python bytecode that runs when the model is used.",
    severity: Severity::Critical,
    family: Family::Container,
    cwe: &[502, 94],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Finds serialized lambdas in a Keras model config: Keras 3 `.keras` archives store them as
`{"class_name": "__lambda__", "config": {"code": "<base64 marshal>", ...}}` (or
`{"value": [code, defaults, closure]}`), legacy Keras 2 `.h5` files as a `Lambda` layer
with `"function_type": "lambda"` and `"function": ["<base64 marshal>", defaults, closure]`.
brine decodes the base64 and reads the marshalled code object without loading it, and
reports the names (`co_names`) and string constants it uses.

## Why is this bad?
Loading the model calls `marshal.loads` on the bytecode and wraps it in a function that
runs whenever the layer is called: arbitrary code execution (CVE-2024-3660). Keras 3
refuses lambdas only while `safe_mode=True`, and the legacy `.h5` loader ignored
`safe_mode` (CVE-2025-9905), so the model is one `safe_mode=False` away from running it.

## Example
```python
model = keras.Sequential([keras.layers.Lambda(lambda x: __import__("os").system("id") or x)])
model.save("model.keras")
```

## Use instead
```python
@keras.saving.register_keras_serializable(package="my_package")
class Scale(keras.layers.Layer):
    def call(self, x):
        return x * 2
```
A registered layer class is rebuilt from code you ship, not from bytecode in the file.

## References
- [CVE-2024-3660](https://nvd.nist.gov/vuln/detail/CVE-2024-3660)
- [CVE-2025-9905](https://nvd.nist.gov/vuln/detail/CVE-2025-9905)
- [Keras safe mode](https://keras.io/api/models/model_saving_apis/model_saving_and_loading/)
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
"#,
    fix: None,
};

/// The finding for a lambda at JSON path `path`; `summary` says what its bytecode uses.
#[must_use]
pub fn finding(path: &str, summary: &str) -> Finding {
    Finding::new(
        META.code,
        META.severity,
        Verdict::Dangerous,
        format!("serialized Python lambda at {path}: bytecode runs when the model is used"),
    )
    .explained(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::keras::scan_config_json;
    use crate::limits::Limits;

    #[test]
    fn keras3_lambda_is_dangerous() {
        let config = br#"{"module":"keras","class_name":"Sequential","config":{"layers":[
            {"module":"keras.layers","class_name":"Lambda","config":{"name":"l",
             "function":{"class_name":"__lambda__","config":{"code":"4wEAAAAA","defaults":null,"closure":null}}}}]}}"#;
        let findings = scan_config_json(config, &Limits::default());
        assert!(
            findings
                .iter()
                .any(|f| f.rule == META.code && f.verdict == Verdict::Dangerous)
        );
    }

    #[test]
    fn named_function_lambda_is_not_bytecode() {
        let config = br#"{"class_name":"Lambda","config":{"name":"l","function":{"module":"keras.activations","class_name":"function","config":"relu","registered_name":"relu"}}}"#;
        assert!(scan_config_json(config, &Limits::default()).is_empty());
    }
}
