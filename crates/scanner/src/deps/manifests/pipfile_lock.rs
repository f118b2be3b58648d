//! `Pipfile.lock` (JSON): the `default` and `develop` sections, each `name → {version:
//! "==x", hashes, markers}`.
//!
//! serde_json keeps no positions, so each entry's line is found by looking for its quoted
//! key after its section's key in the text (pipenv writes one key per line). Invalid JSON is
//! one problem; entries that are not objects are skipped. Never panics on input.

use super::{Dependency, LineIndex, Parsed, Problem, ProblemKind, whole_file_span};

/// Read a `Pipfile.lock`.
#[must_use]
pub fn parse(path: &str, text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let document: serde_json::Value = match serde_json::from_str(text) {
        Ok(document) => document,
        Err(error) => {
            parsed.problems.push(Problem {
                kind: ProblemKind::Unparsable,
                message: format!("not valid JSON: {error}"),
                span: whole_file_span(text),
                included_from: Vec::new(),
            });
            return parsed;
        }
    };
    let lines = LineIndex::new(text);
    for section in ["default", "develop"] {
        let Some(entries) = document.get(section).and_then(serde_json::Value::as_object) else {
            continue;
        };
        let section_at = find_key(text, section, 0).unwrap_or(0);
        // Keys are searched onward from the previous one (pipenv writes them sorted, as
        // serde_json iterates them), falling back to the section start: linear, not quadratic.
        let mut search_from = section_at;
        for (name, entry) in entries {
            let Some(fields) = entry.as_object() else {
                continue;
            };
            let at = find_key(text, name, search_from)
                .or_else(|| find_key(text, name, section_at))
                .unwrap_or(section_at);
            search_from = at;
            let quoted_len = name.len().saturating_add(2);
            let mut dependency =
                Dependency::named(name, lines.span(at, at.saturating_add(quoted_len)), path);
            if let Some(version) = fields.get("version").and_then(serde_json::Value::as_str) {
                dependency.set_requirement_text(version);
            }
            dependency.hashes = fields
                .get("hashes")
                .and_then(serde_json::Value::as_array)
                .map(|hashes| {
                    hashes
                        .iter()
                        .filter_map(|h| h.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            dependency.marker = fields
                .get("markers")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned);
            for key in ["git", "path", "file"] {
                if let Some(location) = fields.get(key).and_then(serde_json::Value::as_str) {
                    dependency.url = Some(location.to_owned());
                }
            }
            dependency.editable = fields
                .get("editable")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false);
            dependency.group = Some(section.to_owned());
            dependency.locked = true;
            parsed.dependencies.push(dependency);
        }
    }
    parsed
}

/// Byte offset of `"key"` followed by `:` at or after `from`.
fn find_key(text: &str, key: &str, from: usize) -> Option<usize> {
    let needle = format!("\"{key}\"");
    let mut start = from;
    while let Some(found) = text.get(start..).and_then(|rest| rest.find(&needle)) {
        let at = start.saturating_add(found);
        let after = at.saturating_add(needle.len());
        if text
            .get(after..)
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
        {
            return Some(at);
        }
        start = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_versions_and_lines() {
        let text = r#"{
    "_meta": {"hash": {"sha256": "x"}},
    "default": {
        "numpy": {
            "hashes": ["sha256:aa"],
            "version": "==1.16.0"
        },
        "torch": {"version": "==2.6.0", "markers": "python_version >= '3.9'"}
    },
    "develop": {
        "pyyaml": {"version": "==5.3"}
    }
}"#;
        let parsed = parse("Pipfile.lock", text);
        let found: Vec<(&str, Option<&str>, u32)> = parsed
            .dependencies
            .iter()
            .map(|d| (d.name.as_str(), d.version.as_deref(), d.line))
            .collect();
        assert_eq!(
            found,
            vec![
                ("numpy", Some("1.16.0"), 4),
                ("torch", Some("2.6.0"), 8),
                ("pyyaml", Some("5.3"), 11),
            ]
        );
        assert_eq!(parsed.dependencies[2].group.as_deref(), Some("develop"));
        assert_eq!(parse("Pipfile.lock", "{").problems.len(), 1);
    }
}
