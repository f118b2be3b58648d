//! BRN114: Hugging Face hub downloads not pinned to a commit hash.

use crate::finding::{Finding, Severity};
use crate::python::check::{CheckContext, hub_repo_parameter, is_commit_hash, is_hub_id};
use crate::python::semantic::{Argument, CallSite, Value};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN114",
    name: "hf-unpinned-revision",
    summary: "A model or dataset is downloaded from the Hugging Face hub without pinning a commit.",
    severity: Severity::Medium,
    family: Family::Code,
    cwe: &[502, 494],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Flags hub loaders (`from_pretrained` of `transformers`/`diffusers`/`peft`/
`sentence_transformers` classes, `transformers.pipeline(model=...)`,
`huggingface_hub.hf_hub_download`, `snapshot_download`, `datasets.load_dataset`,
`SentenceTransformer(...)`) whose repository argument is a constant hub id (`"org/name"`
or a legacy `"gpt2"`) and whose `revision` is missing or not a full 40-hex commit hash.

Local paths (starting with `.`, `/`, `~`, holding `\` or `:`), `datasets` builders such
as `"csv"`, and repository ids or revisions brine cannot resolve to a constant (a
variable, a parameter) are not flagged: brine cannot tell whether they are pinned.

## Why is this bad?
A branch or tag moves: the files you load tomorrow are whatever the repository owner (or
whoever compromised their account) pushed last, including pickled weights or remote code
(CWE-494). Pinning a commit makes the download reproducible and reviewable.

## Example
```python
from huggingface_hub import hf_hub_download

path = hf_hub_download("org/model", "model.safetensors")
```

## Use instead
```python
from huggingface_hub import hf_hub_download

path = hf_hub_download(
    "org/model", "model.safetensors", revision="0123456789abcdef0123456789abcdef01234567"
)
```

## References
- [huggingface_hub: revision](https://huggingface.co/docs/huggingface_hub/guides/download)
- [CWE-494](https://cwe.mitre.org/data/definitions/494.html)
"#,
    fix: None,
};

/// Flag an unpinned hub download.
#[must_use]
pub fn check(site: &CallSite<'_>, ctx: &CheckContext<'_, '_>) -> Option<Finding> {
    let (position, name) = hub_repo_parameter(&site.callee)?;
    let Argument::Given(Value::Str(repo)) = site.argument(position, name) else {
        return None;
    };
    if !is_hub_id(repo, &site.callee) {
        return None;
    }
    let pinned = match site.argument(None, "revision") {
        Argument::Missing | Argument::Given(Value::None) => false,
        Argument::Given(Value::Str(revision)) => is_commit_hash(revision),
        _ => true,
    };
    (!pinned).then(|| {
        ctx.finding(
            &META,
            site,
            format!(
                "`{}` downloads `{repo}` without pinning `revision` to a commit hash",
                site.callee
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::python::test_support::rules_hit;

    #[test]
    fn flags_unpinned_and_branch_revisions() {
        assert_eq!(
            rules_hit("from transformers import AutoModel\nAutoModel.from_pretrained('org/m')\n"),
            vec!["BRN114"]
        );
        assert_eq!(
            rules_hit(
                "import huggingface_hub as h\nh.snapshot_download('org/m', revision='main')\n"
            ),
            vec!["BRN114"]
        );
        assert_eq!(
            rules_hit(
                "from transformers import pipeline\npipeline('text-generation', model='gpt2')\n"
            ),
            vec!["BRN114"]
        );
    }

    #[test]
    fn ignores_pinned_local_and_unknown() {
        let source = "from transformers import AutoModel\nAutoModel.from_pretrained('org/m', revision='0123456789abcdef0123456789abcdef01234567')\nAutoModel.from_pretrained('./out')\nAutoModel.from_pretrained(path)\nimport datasets\ndatasets.load_dataset('csv', data_files='x.csv')\n";
        assert!(rules_hit(source).is_empty());
    }
}
