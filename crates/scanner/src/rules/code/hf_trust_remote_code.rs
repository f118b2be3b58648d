//! BRN113: Hugging Face loaders called with `trust_remote_code=True`.

use crate::finding::{Finding, Severity};
use crate::python::check::{CheckContext, hub_repo_parameter, is_true};
use crate::python::semantic::CallSite;
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN113",
    name: "hf-trust-remote-code",
    summary: "A Hugging Face loader runs Python code from the model or dataset repository.",
    severity: Severity::High,
    family: Family::Code,
    cwe: &[502, 94],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Flags `from_pretrained` of any `transformers`, `diffusers`, `peft` or
`sentence_transformers` class, `transformers.pipeline`, `datasets.load_dataset` and
`sentence_transformers.SentenceTransformer` when `trust_remote_code=True` (keyword,
constant or constant `**dict`).

## Why is this bad?
`trust_remote_code=True` downloads the repository's Python modules (modeling code,
dataset scripts) and imports them: whoever can push to that repository runs code in
your process (CWE-94).

## Example
```python
from transformers import AutoModel

model = AutoModel.from_pretrained("org/model", trust_remote_code=True)
```

## Use instead
```python
from transformers import AutoModel

model = AutoModel.from_pretrained(
    "org/model", revision="0123456789abcdef0123456789abcdef01234567"
)
```

## References
- [transformers: custom models](https://huggingface.co/docs/transformers/custom_models)
- [CWE-94](https://cwe.mitre.org/data/definitions/94.html)
"#,
    fix: None,
};

/// Flag a hub loader trusting remote code.
#[must_use]
pub fn check(site: &CallSite<'_>, ctx: &CheckContext<'_, '_>) -> Option<Finding> {
    hub_repo_parameter(&site.callee)?;
    is_true(site.argument(None, "trust_remote_code")).then(|| {
        ctx.finding(
            &META,
            site,
            format!(
                "`{}` with `trust_remote_code=True` imports code from the repository",
                site.callee
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::python::test_support::rules_hit;

    #[test]
    fn flags_trust_remote_code() {
        let source = "import datasets\nPIN = '0123456789abcdef0123456789abcdef01234567'\ndatasets.load_dataset('org/d', revision=PIN, trust_remote_code=True)\n";
        assert_eq!(rules_hit(source), vec!["BRN113"]);
    }

    #[test]
    fn ignores_false_and_unrelated() {
        let source = "from transformers import AutoModel\nAutoModel.from_pretrained('./local', trust_remote_code=False)\nother.from_pretrained('x', trust_remote_code=True)\n";
        assert!(rules_hit(source).is_empty());
    }
}
