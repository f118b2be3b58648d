//! Python front end: decoding, parsing, name resolution and the code rules' driver.
//!
//! The only module that names `ruff_*` types. Decodes per BOM and PEP 263 cookie
//! ([`source`]), parses with error recovery ([`parse`]: a broken file still yields its
//! tree and its sinks), resolves every call to a qualified name through imports and
//! aliases ([`semantic`]), runs the enabled `BRN1xx` rules on each resolved call
//! ([`check`]) and drops findings suppressed by `# noqa` / `# nosec` ([`noqa`]).
//!
//! Must never execute or import the code it reads, never skip a file for its size, and
//! never recurse without a bound.

pub mod check;
pub mod load_path;
pub mod noqa;
pub mod parse;
pub mod semantic;
pub mod source;

use crate::finding::Finding;
use crate::limits::Limits;
use crate::rules::code as rules;

/// Settings for scanning Python source.
#[derive(Clone, Debug)]
pub struct CodeSettings {
    /// Rule codes or prefixes to run (`BRN1`, `BRN108`); empty means every code rule.
    pub select: Vec<String>,
    /// Rule codes or prefixes never to run; wins over `select`.
    pub ignore: Vec<String>,
    /// Statement/expression nesting walked before deeper code is skipped with a note.
    pub max_nesting: usize,
    /// Bytes of a string constant kept for constant propagation.
    pub max_kept_literal: usize,
}

impl Default for CodeSettings {
    fn default() -> Self {
        let limits = Limits::default();
        CodeSettings {
            select: Vec::new(),
            ignore: Vec::new(),
            max_nesting: limits.max_source_nesting,
            max_kept_literal: limits.max_kept_literal,
        }
    }
}

impl CodeSettings {
    /// Whether the rule `code` runs under these settings.
    #[must_use]
    pub fn is_enabled(&self, code: &str) -> bool {
        let matches = |patterns: &[String]| {
            patterns
                .iter()
                .any(|p| !p.is_empty() && code.starts_with(p.to_ascii_uppercase().as_str()))
        };
        (self.select.is_empty() || matches(&self.select)) && !matches(&self.ignore)
    }
}

/// Scan one Python source file: every unsafe load the enabled rules recognise, plus
/// notes for decoding problems, syntax errors and code nested past the budget.
/// Findings are in file order; suppressed ones are dropped.
#[must_use]
pub fn scan_source(_path: &str, bytes: &[u8], settings: &CodeSettings) -> Vec<Finding> {
    scan_source_then(bytes, settings, |_, _, _| ()).0
}

/// [`scan_source`], then hand the parsed file, its semantic model and the findings to
/// `analyse` (the data-flow pass), so a file is decoded, parsed and modelled only once.
pub fn scan_source_then<R>(
    bytes: &[u8],
    settings: &CodeSettings,
    analyse: impl FnOnce(&parse::ParsedSource<'_>, &semantic::SemanticModel<'_>, &[Finding]) -> R,
) -> (Vec<Finding>, R) {
    let decoded = source::decode(bytes);
    let parsed = parse::ParsedSource::parse(&decoded.text);
    let mut findings = Vec::new();

    if let Some(note) = decoded.note
        && settings.is_enabled(rules::source_encoding::META.code)
    {
        findings.push(rules::source_encoding::finding(note));
    }
    let problems = parsed.syntax_problems();
    if let Some(first) = problems.first()
        && settings.is_enabled(rules::syntax_error::META.code)
    {
        findings.push(rules::syntax_error::finding(
            parsed.span(first.range),
            &first.message,
            problems.len(),
        ));
    }

    let checks: Vec<check::CallCheck> = rules::CALL_CHECKS
        .iter()
        .filter(|(meta, _)| settings.is_enabled(meta.code))
        .map(|(_, check)| *check)
        .collect();
    let model = semantic::build(
        parsed.parsed.syntax(),
        settings.max_nesting,
        settings.max_kept_literal,
    );
    if let Some(cut) = model.nesting_cut
        && settings.is_enabled(rules::nesting_limit::META.code)
    {
        findings.push(rules::nesting_limit::finding(
            parsed.span(cut),
            settings.max_nesting,
        ));
    }
    if !checks.is_empty() {
        let context = check::CheckContext { parsed: &parsed };
        for site in &model.calls {
            findings.extend(checks.iter().filter_map(|check| check(site, &context)));
        }
    }

    let suppressions = noqa::Suppressions::from_comments(&parsed.comments());
    findings.retain(|f| {
        f.span
            .is_none_or(|span| !suppressions.suppresses(f.rule, &[span.line, span.end_line]))
    });
    findings.sort_by_key(|f| f.span.map(|s| (s.start_byte, s.end_byte)));
    let result = analyse(&parsed, &model, &findings);
    let deep = model.nesting_cut.is_some();
    drop(model);
    if deep {
        dispose_deep_tree(parsed.parsed, decoded.text.len());
    }
    (findings, result)
}

/// Decode and parse a file and hand the tree to `analyse` without running any rule (for
/// passes that need the tree only, such as summarizing a file the data flow goes through).
pub fn parse_then<R>(
    bytes: &[u8],
    settings: &CodeSettings,
    analyse: impl FnOnce(&parse::ParsedSource<'_>) -> R,
) -> R {
    // A selector no rule code starts with: the tree is built and walked, nothing is checked.
    let quiet = CodeSettings {
        select: vec!["-".to_owned()],
        ..settings.clone()
    };
    scan_source_then(bytes, &quiet, |parsed, _, _| analyse(parsed)).1
}

/// The resolved calls in a file whose qualified callee `wanted` accepts, with their spans
/// (for linking API uses, such as `torch.load`, to dependency findings).
#[must_use]
pub fn calls_to(
    parsed: &parse::ParsedSource<'_>,
    model: &semantic::SemanticModel<'_>,
    wanted: impl Fn(&str) -> bool,
) -> Vec<(String, crate::finding::Span)> {
    use ruff_text_size::Ranged as _;
    model
        .calls
        .iter()
        .filter(|site| wanted(&site.callee))
        .map(|site| (site.callee.clone(), parsed.span(site.call.range())))
        .collect()
}

/// Drop a tree nested past the walk budget without overflowing the stack: dropping
/// nested boxes recurses once per level, so it happens on a thread whose stack is sized
/// from the text (a level takes at least one byte). Where no such thread can be had
/// (wasm, or the reservation fails) the tree is leaked instead: memory bounded by the
/// file, which beats aborting the scan.
fn dispose_deep_tree<T: Send + 'static>(tree: T, text_len: usize) {
    // On wasm there are no threads: the size only sizes the thread's stack elsewhere.
    #[cfg(target_family = "wasm")]
    let _ = text_len;
    let slot = std::sync::Arc::new(std::sync::Mutex::new(Some(tree)));
    #[cfg(not(target_family = "wasm"))]
    {
        let for_thread = std::sync::Arc::clone(&slot);
        let stack = text_len.saturating_mul(1024).clamp(8 << 20, 1 << 36);
        let spawned = std::thread::Builder::new()
            .stack_size(stack)
            .spawn(move || {
                let tree = for_thread.lock().ok().and_then(|mut t| t.take());
                drop(tree);
            });
        if let Ok(handle) = spawned {
            let _ = handle.join();
        }
    }
    if let Ok(mut leftover) = slot.lock()
        && let Some(tree) = leftover.take()
    {
        std::mem::forget(tree);
    }
}

/// Apply the findings' fixes to `source` (the decoded text the findings point into).
/// Fixes are applied in order; one that overlaps an earlier one, or whose range does not
/// fall on character boundaries of `source`, is skipped.
#[must_use]
pub fn apply_fixes(source: &str, findings: &[Finding]) -> String {
    let mut fixes: Vec<&crate::finding::Fix> =
        findings.iter().filter_map(|f| f.fix.as_ref()).collect();
    fixes.sort_by_key(|fix| (fix.start_byte, fix.end_byte));
    let mut out = String::with_capacity(source.len());
    let mut copied_to = 0usize;
    let mut previous_start = None;
    for fix in fixes {
        let (Ok(start), Ok(end)) = (
            usize::try_from(fix.start_byte),
            usize::try_from(fix.end_byte),
        ) else {
            continue;
        };
        let overlaps = start < copied_to || previous_start == Some(start);
        if overlaps || end < start || source.get(start..end).is_none() {
            continue;
        }
        previous_start = Some(start);
        out.push_str(source.get(copied_to..start).unwrap_or_default());
        out.push_str(&fix.content);
        copied_to = end;
    }
    out.push_str(source.get(copied_to..).unwrap_or_default());
    out
}

/// Helpers for the rules' unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use super::{CodeSettings, apply_fixes, scan_source};

    /// The rule codes flagged in `source`, in file order.
    pub(crate) fn rules_hit(source: &str) -> Vec<&'static str> {
        scan_source("test.py", source.as_bytes(), &CodeSettings::default())
            .iter()
            .map(|f| f.rule)
            .collect()
    }

    /// `source` with every fix applied.
    pub(crate) fn fixed(source: &str) -> String {
        apply_fixes(
            source,
            &scan_source("test.py", source.as_bytes(), &CodeSettings::default()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::rules_hit;
    use super::*;

    #[test]
    fn the_model_is_reusable() {
        let source = b"import pickle\ndef f(x):\n    return pickle.loads(x)\n";
        let (findings, (scopes, sink_scope_kind)) =
            scan_source_then(source, &CodeSettings::default(), |_, model, findings| {
                assert_eq!(findings.len(), 1, "the pass sees the findings");
                let site = model.calls.iter().find(|c| c.callee == "pickle.loads");
                let kind = site.and_then(|c| model.scopes.get(c.scope)).map(|s| s.kind);
                (model.scopes.len(), kind)
            });
        assert_eq!(findings.len(), 1);
        assert_eq!(scopes, 2);
        assert_eq!(sink_scope_kind, Some(semantic::ScopeKind::Function));
    }

    #[test]
    fn select_and_ignore_by_prefix() {
        let settings = CodeSettings {
            select: vec!["BRN1".into()],
            ignore: vec!["BRN108".into()],
            ..CodeSettings::default()
        };
        assert!(settings.is_enabled("BRN101"));
        assert!(!settings.is_enabled("BRN108"));
        assert!(!settings.is_enabled("BRN001"));
        let findings = scan_source("x.py", b"import torch\ntorch.load(f)\n", &settings);
        assert!(findings.is_empty());
    }

    #[test]
    fn noqa_drops_findings() {
        assert!(rules_hit("import pickle\npickle.loads(b)  # noqa: BRN101\n").is_empty());
        assert!(rules_hit("import pickle\npickle.loads(  # nosec B301\n    b)\n").is_empty());
        assert_eq!(
            rules_hit("import pickle\npickle.loads(b)  # noqa: BRN108\n"),
            vec!["BRN101"]
        );
    }

    #[test]
    fn mentions_in_strings_and_comments_are_not_calls() {
        let source =
            "import pickle\n# pickle.loads(b)\ns = 'pickle.loads(b)'\n\"\"\"torch.load(f)\"\"\"\n";
        assert!(rules_hit(source).is_empty());
    }

    #[test]
    fn broken_files_still_report_sinks() {
        let hits = rules_hit(
            "import pickle\nprint 'py2'\nx = foo(1,\ndef f():\n    return pickle.loads(b)\n",
        );
        assert!(hits.contains(&"BRN190"));
        assert!(hits.contains(&"BRN101"));
    }

    #[test]
    fn findings_are_untainted_with_character_spans() {
        let findings = scan_source(
            "x.py",
            "é = 1; import pickle; pickle.loads(b)\n".as_bytes(),
            &CodeSettings::default(),
        );
        let span = findings.first().and_then(|f| f.span);
        assert_eq!(span.map(|s| (s.line, s.column)), Some((1, 23)));
        assert_eq!(findings.first().and_then(|f| f.tainted), Some(false));
    }

    #[test]
    fn overlapping_fixes_apply_once() {
        let source = "import torch\ntorch.load(f)\n";
        let mut findings = scan_source("x.py", source.as_bytes(), &CodeSettings::default());
        findings.extend(findings.clone());
        assert_eq!(
            apply_fixes(source, &findings),
            "import torch\ntorch.load(f, weights_only=True)\n"
        );
    }

    #[test]
    fn hostile_nesting_neither_overflows_nor_aborts() {
        let source = format!(
            "x = {}1{}\ny = {}1\n",
            "[".repeat(100_000),
            "]".repeat(100_000),
            "-".repeat(100_000)
        );
        let outcome = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || rules_hit(&source))
            .map(|h| h.join());
        let hits = outcome.ok().and_then(Result::ok).unwrap_or_default();
        assert_eq!(hits, vec!["BRN192"]);
    }

    #[test]
    fn deep_nesting_in_a_default_thread() {
        let source = format!(
            "import pickle\nx = {}pickle.loads(b){}\n",
            "[".repeat(1000),
            "]".repeat(1000)
        );
        let outcome = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || rules_hit(&source))
            .map(|h| h.join());
        let hits = outcome.ok().and_then(Result::ok).unwrap_or_default();
        assert!(hits.contains(&"BRN192"), "{hits:?}");
    }
}
