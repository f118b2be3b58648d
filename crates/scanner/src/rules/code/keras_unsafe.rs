//! BRN110: Keras deserialization with safe mode turned off.

use crate::finding::{Finding, Severity};
use crate::python::check::{CheckContext, is_member};
use crate::python::semantic::{Argument, CallSite, Value};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN110",
    name: "keras-unsafe-deserialization",
    summary: "Keras is told to deserialize Lambda layers and arbitrary code (safe_mode=False).",
    severity: Severity::High,
    family: Family::Code,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Flags `load_model(..., safe_mode=False)` from `keras.models`, `keras.saving`,
`tf.keras.models` / `tensorflow.keras.models` and `tf_keras.models` (by keyword, position
or constant), and `keras.config.enable_unsafe_deserialization()`.

## Why is this bad?
With safe mode off, Keras deserializes `Lambda` layers, whose Python bytecode is
executed when the model loads (CWE-502, CVE-2024-3660).

## Example
```python
import keras

model = keras.models.load_model("model.keras", safe_mode=False)
```

## Use instead
```python
import keras

model = keras.models.load_model("model.keras")
```

## References
- [keras.saving.load_model](https://keras.io/api/models/model_saving_apis/model_saving_and_loading/)
- [CVE-2024-3660](https://nvd.nist.gov/vuln/detail/CVE-2024-3660)
"#,
    fix: None,
};

const KERAS_MODULES: &[&str] = &[
    "keras.models",
    "keras.saving",
    "keras.saving.saving_api",
    "tensorflow.keras.models",
    "tensorflow.keras.saving",
    "tf_keras.models",
];

/// Flag unsafe Keras deserialization.
#[must_use]
pub fn check(site: &CallSite<'_>, ctx: &CheckContext<'_, '_>) -> Option<Finding> {
    let callee = site.callee.as_str();
    let enables_unsafe = is_member(
        callee,
        &[
            "keras.config",
            "tensorflow.keras.config",
            "keras.src.saving.serialization_lib",
        ],
        &["enable_unsafe_deserialization"],
    );
    let unsafe_load = is_member(callee, KERAS_MODULES, &["load_model"])
        && matches!(
            site.argument(Some(3), "safe_mode"),
            Argument::Given(Value::Bool(false))
        );
    (enables_unsafe || unsafe_load).then(|| {
        ctx.finding(
            &META,
            site,
            format!("`{callee}` turns off Keras safe mode, so Lambda layers run code on load"),
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::python::test_support::rules_hit;

    #[test]
    fn flags_safe_mode_false_and_enable() {
        assert_eq!(
            rules_hit("import tensorflow as tf\ntf.keras.models.load_model(p, safe_mode=False)\n"),
            vec!["BRN110"]
        );
        assert_eq!(
            rules_hit("import keras\nkeras.config.enable_unsafe_deserialization()\n"),
            vec!["BRN110"]
        );
    }

    #[test]
    fn ignores_default_safe_mode() {
        assert!(rules_hit("from keras.models import load_model\nload_model(p)\nload_model(p, safe_mode=True)\n").is_empty());
    }
}
