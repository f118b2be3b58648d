//! What a code rule gets to look at, and the helpers rules share: building a finding
//! for a call, mechanical fixes, and recognising Hugging Face hub ids.
//!
//! Rules decide; this module only constructs. It must never look at anything but the
//! parsed file and its semantic model.

use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::finding::{Finding, Fix, Severity, Verdict};
use crate::python::parse::ParsedSource;
use crate::python::semantic::{Argument, CallSite, Value};
use crate::rules::RuleMeta;

/// A rule's check on one resolved call.
pub type CallCheck = fn(&CallSite<'_>, &CheckContext<'_, '_>) -> Option<Finding>;

/// The file a rule is checking.
pub struct CheckContext<'p, 'src> {
    /// The parsed file.
    pub parsed: &'p ParsedSource<'src>,
}

/// The verdict a source finding contributes: a reachable deserializer is dangerous,
/// weaker risks are suspicious, notes are clean.
#[must_use]
pub fn verdict_for(severity: Severity) -> Verdict {
    match severity {
        Severity::Critical | Severity::High => Verdict::Dangerous,
        Severity::Medium | Severity::Low => Verdict::Suspicious,
        Severity::Info => Verdict::Clean,
    }
}

impl CheckContext<'_, '_> {
    /// A finding for `meta` at the whole call. Calls through a restricted unpickler
    /// subclass (one that overrides `find_class`) are lowered to `Low`.
    #[must_use]
    pub fn finding(
        &self,
        meta: &'static RuleMeta,
        site: &CallSite<'_>,
        message: String,
    ) -> Finding {
        let (severity, message) = if site.restricted {
            (
                Severity::Low,
                format!(
                    "{message} (through a subclass that overrides `find_class`: check its allow-list)"
                ),
            )
        } else {
            (meta.severity, message)
        };
        let mut finding = Finding::new(meta.code, severity, verdict_for(severity), message)
            .at_span(self.parsed.span(site.call.range()));
        finding.tainted = Some(false);
        finding
    }

    /// A fix that passes `keyword=value_text`: replaces the value when the keyword is
    /// written out, inserts it as the last argument when it is absent. `None` when the
    /// keyword comes from a `**dict` and cannot be edited in place.
    #[must_use]
    pub fn keyword_fix(
        &self,
        site: &CallSite<'_>,
        keyword: &str,
        value_text: &str,
        title: &str,
    ) -> Option<Fix> {
        if let Some(node) = site.keyword_node(keyword) {
            return Some(replace(node.value.range(), value_text, title));
        }
        if site.keywords.iter().any(|k| k.name == keyword) {
            return None;
        }
        let arguments = &site.call.arguments;
        let last_end = arguments
            .args
            .iter()
            .map(Ranged::end)
            .chain(arguments.keywords.iter().map(Ranged::end))
            .max();
        let (at, text) = match last_end {
            Some(end) => (end, format!(", {keyword}={value_text}")),
            None => (
                arguments.end().checked_sub(TextSize::new(1))?,
                format!("{keyword}={value_text}"),
            ),
        };
        Some(replace(TextRange::empty(at), &text, title))
    }

    /// The source text of a node.
    #[must_use]
    pub fn text(&self, range: TextRange) -> &str {
        self.parsed.slice(range)
    }
}

/// A fix replacing `range` with `content`.
#[must_use]
pub fn replace(range: TextRange, content: &str, title: &str) -> Fix {
    Fix {
        title: title.to_owned(),
        start_byte: range.start().to_u32(),
        end_byte: range.end().to_u32(),
        content: content.to_owned(),
    }
}

/// Whether `callee` is `module.name` for one of the modules and names.
#[must_use]
pub fn is_member(callee: &str, modules: &[&str], names: &[&str]) -> bool {
    modules.iter().any(|module| {
        callee
            .strip_prefix(module)
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|name| names.contains(&name))
    })
}

/// The argument is the constant `True`.
#[must_use]
pub fn is_true(argument: Argument<'_>) -> bool {
    matches!(argument, Argument::Given(Value::Bool(true)))
}

/// Libraries whose loaders download from the Hugging Face hub.
const HUB_LIBRARIES: &[&str] = &[
    "transformers",
    "diffusers",
    "peft",
    "sentence_transformers",
    "huggingface_hub",
    "datasets",
];

/// Where a hub loader takes its repository id: (position, parameter name).
#[must_use]
pub fn hub_repo_parameter(callee: &str) -> Option<(Option<usize>, &'static str)> {
    let root = callee.split('.').next().unwrap_or_default();
    if !HUB_LIBRARIES.contains(&root) || callee.contains("()") {
        return None;
    }
    if callee.ends_with(".from_pretrained") {
        // `PeftModel.from_pretrained(base_model, model_id)` takes the id second;
        // `AutoPeftModel*.from_pretrained(model_id)` takes it first.
        return Some(if callee.starts_with("peft.PeftModel") {
            (Some(1), "model_id")
        } else {
            (Some(0), "pretrained_model_name_or_path")
        });
    }
    match callee {
        "transformers.pipeline" => Some((Some(1), "model")),
        "huggingface_hub.hf_hub_download"
        | "huggingface_hub.snapshot_download"
        | "huggingface_hub.file_download.hf_hub_download"
        | "huggingface_hub._snapshot_download.snapshot_download" => Some((Some(0), "repo_id")),
        "datasets.load_dataset" => Some((Some(0), "path")),
        "sentence_transformers.SentenceTransformer" | "sentence_transformers.CrossEncoder" => {
            Some((Some(0), "model_name_or_path"))
        }
        _ => None,
    }
}

/// `datasets` builders that read local files rather than a hub repository.
const LOCAL_DATASET_BUILDERS: &[&str] = &[
    "csv",
    "json",
    "parquet",
    "text",
    "arrow",
    "pandas",
    "imagefolder",
    "audiofolder",
    "videofolder",
    "webdataset",
    "sql",
    "generator",
    "xml",
];

/// Whether a constant names a hub repository (`org/name` or a legacy `name`) rather
/// than a local path. Paths start with `.`, `/` or `~`, or hold `\` or a drive colon.
#[must_use]
pub fn is_hub_id(text: &str, callee: &str) -> bool {
    if text.is_empty()
        || text.starts_with(['.', '/', '~'])
        || text.contains(['\\', ':'])
        || text.matches('/').count() > 1
    {
        return false;
    }
    if callee == "datasets.load_dataset" && LOCAL_DATASET_BUILDERS.contains(&text) {
        return false;
    }
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

/// Whether a revision pins a full 40-hex commit hash.
#[must_use]
pub fn is_commit_hash(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_ids_versus_local_paths() {
        assert!(is_hub_id(
            "org/name",
            "transformers.AutoModel.from_pretrained"
        ));
        assert!(is_hub_id("gpt2", "transformers.AutoModel.from_pretrained"));
        assert!(!is_hub_id(
            "./models/x",
            "transformers.AutoModel.from_pretrained"
        ));
        assert!(!is_hub_id(
            "/abs/x",
            "transformers.AutoModel.from_pretrained"
        ));
        assert!(!is_hub_id("~/x", "transformers.AutoModel.from_pretrained"));
        assert!(!is_hub_id(
            "C:\\models",
            "transformers.AutoModel.from_pretrained"
        ));
        assert!(!is_hub_id("csv", "datasets.load_dataset"));
    }

    #[test]
    fn commit_hashes() {
        assert!(is_commit_hash("0123456789abcdef0123456789abcdef01234567"));
        assert!(!is_commit_hash("main"));
    }

    #[test]
    fn members() {
        assert!(is_member(
            "pickle.loads",
            &["pickle", "cPickle"],
            &["load", "loads"]
        ));
        assert!(!is_member("pickle.dumps", &["pickle"], &["load", "loads"]));
        assert!(!is_member("picklex.loads", &["pickle"], &["loads"]));
    }
}
