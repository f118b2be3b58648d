//! conda `environment.yml`: the `dependencies:` list and its nested `pip:` list.
//!
//! A small line reader, not a YAML parser: it understands the subset conda writes and
//! people hand-edit — top-level `key:` lines, block list items `- value` (optionally quoted,
//! with `# comments`), and one nested `- pip:` block. Flow lists (`[a, b]`), anchors and
//! multi-line scalars are not read (documented limitation). pip entries are PEP 508; conda
//! entries are match specs (`[channel::]name[=version[=build]]`, `name==v`, `name>=v`,
//! `name v`) whose names are mapped to PyPI names where they differ (`pytorch` → `torch`),
//! because only packages that are also on PyPI can be audited against PyPI advisories.

use pep508_rs::VersionOrUrl;

use super::{Dependency, LineIndex, Parsed, Problem, ProblemKind};
use crate::finding::Span;

/// conda-forge names whose PyPI name differs.
const CONDA_TO_PYPI: &[(&str, &str)] = &[
    ("pytorch", "torch"),
    ("pytorch-cpu", "torch"),
    ("pytorch-gpu", "torch"),
    ("py-xgboost", "xgboost"),
    ("pytorch-lightning", "pytorch-lightning"),
    ("tensorflow-base", "tensorflow"),
];

/// conda entries that are the environment itself, not packages.
const NOT_PACKAGES: &[&str] = &["python", "pip"];

/// Read an `environment.yml`.
#[must_use]
pub fn parse(path: &str, text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut in_dependencies = false;
    // Indentation of the `- pip:` item while inside its block.
    let mut pip_block: Option<usize> = None;
    let lines = LineIndex::new(text);
    let mut offset = 0usize;
    for raw in text.split_inclusive('\n') {
        let line_start = offset;
        offset = offset.saturating_add(raw.len());
        let line = strip_comment(raw.trim_end_matches(['\n', '\r']));
        if line.trim().is_empty() {
            continue;
        }
        let indent = line.len().saturating_sub(line.trim_start().len());
        let content = line.trim();
        if indent == 0 && !content.starts_with('-') {
            in_dependencies =
                content.trim_end_matches(':').trim() == "dependencies" && content.ends_with(':');
            pip_block = None;
            continue;
        }
        if !in_dependencies {
            continue;
        }
        let Some(item) = content.strip_prefix('-').map(unquote) else {
            continue;
        };
        if let Some(pip_indent) = pip_block {
            if indent > pip_indent {
                pip_entry(path, lines.line_span(line_start), item, &mut parsed);
                continue;
            }
            pip_block = None;
        }
        if item.trim_end_matches(':').trim() == "pip" && item.ends_with(':') {
            pip_block = Some(indent);
            continue;
        }
        conda_entry(path, lines.line_span(line_start), item, &mut parsed);
    }
    parsed
}

fn strip_comment(line: &str) -> &str {
    let mut previous_is_space = true;
    let mut quote: Option<char> = None;
    for (i, ch) in line.char_indices() {
        match quote {
            Some(q) if ch == q => quote = None,
            Some(_) => {}
            None if ch == '"' || ch == '\'' => quote = Some(ch),
            None if ch == '#' && previous_is_space => return line.get(..i).unwrap_or(line),
            None => {}
        }
        previous_is_space = ch.is_whitespace();
    }
    line
}

fn unquote(item: &str) -> &str {
    let item = item.trim();
    for q in ['"', '\''] {
        if let Some(inner) = item.strip_prefix(q).and_then(|i| i.strip_suffix(q)) {
            return inner.trim();
        }
    }
    item
}

fn pip_entry(path: &str, span: Span, item: &str, parsed: &mut Parsed) {
    if item.starts_with('-') || item.is_empty() {
        // pip options (`-r`, `--index-url`) inside the block are not followed.
        return;
    }
    match crate::deps::pep::parse_requirement(item) {
        Ok(requirement) => {
            let mut dependency = Dependency::named(requirement.name.as_ref(), span, path);
            dependency.extras = requirement.extras.iter().map(ToString::to_string).collect();
            dependency.marker = requirement.marker.try_to_string();
            match &requirement.version_or_url {
                Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
                    dependency.set_requirement_text(&specifiers.to_string());
                }
                Some(VersionOrUrl::Url(url)) => dependency.url = Some(url.to_string()),
                None => {}
            }
            dependency.group = Some("pip".into());
            parsed.dependencies.push(dependency);
        }
        Err(error) => parsed.problems.push(Problem {
            kind: ProblemKind::Unparsable,
            message: format!("not a valid pip requirement `{item}`: {}", error),
            span,
            included_from: Vec::new(),
        }),
    }
}

fn conda_entry(path: &str, span: Span, item: &str, parsed: &mut Parsed) {
    let spec = item.rsplit("::").next().unwrap_or(item).trim();
    let name_len = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(spec.len());
    let conda_name = spec.get(..name_len).unwrap_or_default();
    if conda_name.is_empty() || NOT_PACKAGES.contains(&conda_name.to_ascii_lowercase().as_str()) {
        return;
    }
    let lowered = conda_name.to_ascii_lowercase();
    let pypi_name = CONDA_TO_PYPI
        .iter()
        .find(|(conda, _)| *conda == lowered)
        .map_or(conda_name, |(_, pypi)| *pypi);
    let mut dependency = Dependency::named(pypi_name, span, path);
    dependency.written_name = conda_name.to_owned();
    dependency.conda_name = Some(lowered);
    dependency.group = Some("conda".into());
    let rest = spec.get(name_len..).unwrap_or_default().trim();
    let fuzzy = rest
        .strip_prefix('=')
        .filter(|r| !r.starts_with('='))
        .or_else(|| {
            rest.starts_with(|c: char| c.is_ascii_digit())
                .then_some(rest)
        });
    match fuzzy {
        Some(version_and_build) => {
            // `=1.2.3=build` or `1.2.3 build`: the build string is not a version.
            let version = version_and_build
                .split(['=', ' '])
                .next()
                .unwrap_or_default()
                .trim();
            let parts = version.split('.').count();
            if version.contains('*') {
                dependency.specifier = Some(format!("=={version}"));
            } else if parts >= 3 {
                dependency.version = Some(version.to_owned());
            } else if !version.is_empty() {
                // conda's `numpy=1.16` is the fuzzy `1.16.*`.
                dependency.specifier = Some(format!("=={version}.*"));
            }
        }
        None => dependency.set_requirement_text(rest),
    }
    parsed.dependencies.push(dependency);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conda_and_pip_entries_are_read() {
        let text = "name: demo\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.10\n  - numpy=1.16.0  # old\n  - pytorch::pytorch=2.5.1=py3.10_cpu_0\n  - \"pyyaml==5.3\"\n  - scipy=1.10\n  - pip\n  - pip:\n    - keras==3.8.0\n    - --index-url https://example.invalid\n    - transformers>=4.0\n  - joblib 1.2.0 py_0\nvariables:\n  - notadep=1.0.0\n";
        let parsed = parse("environment.yml", text);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let found: Vec<(&str, Option<&str>, Option<&str>, u32)> = parsed
            .dependencies
            .iter()
            .map(|d| {
                (
                    d.name.as_str(),
                    d.version.as_deref(),
                    d.specifier.as_deref(),
                    d.line,
                )
            })
            .collect();
        assert_eq!(
            found,
            vec![
                ("numpy", Some("1.16.0"), None, 6),
                ("torch", Some("2.5.1"), None, 7),
                ("pyyaml", Some("5.3"), None, 8),
                ("scipy", None, Some("==1.10.*"), 9),
                ("keras", Some("3.8.0"), None, 12),
                ("transformers", None, Some(">=4.0"), 14),
                ("joblib", Some("1.2.0"), None, 15),
            ]
        );
        assert_eq!(
            parsed.dependencies[1].conda_name.as_deref(),
            Some("pytorch")
        );
        assert_eq!(parsed.dependencies[4].conda_name, None);
    }

    #[test]
    fn bad_pip_lines_are_problems() {
        let parsed = parse(
            "environment.yml",
            "dependencies:\n  - pip:\n    - torch>>1\n",
        );
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].span.line, 3);
    }
}
