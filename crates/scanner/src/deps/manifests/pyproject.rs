//! `pyproject.toml`: PEP 621 `[project].dependencies` and `optional-dependencies`, PEP 735
//! `[dependency-groups]`, and Poetry `[tool.poetry.dependencies]`, `dev-dependencies` and
//! `[tool.poetry.group.<name>.dependencies]`.
//!
//! These are direct requirements, mostly ranges: Poetry constraints (`^2.0`, `~2.1`, a bare
//! `2.5.1`) are translated to PEP 440 so the audit can ask whether a range admits an affected
//! version. Lines come from `toml::Spanned`. Non-string entries (`{include-group = ...}`)
//! are skipped; invalid TOML or an invalid PEP 508 string is a problem, never a panic.

use pep508_rs::VersionOrUrl;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

use super::{Dependency, LineIndex, Parsed, Problem, ProblemKind, span_of, whole_file_span};

#[derive(Deserialize, Default)]
struct Pyproject {
    #[serde(default)]
    project: Project,
    #[serde(default, rename = "dependency-groups")]
    dependency_groups: BTreeMap<String, Vec<Spanned<toml::Value>>>,
    #[serde(default)]
    tool: Tool,
}

#[derive(Deserialize, Default)]
struct Project {
    #[serde(default)]
    dependencies: Vec<Spanned<toml::Value>>,
    #[serde(default, rename = "optional-dependencies")]
    optional_dependencies: BTreeMap<String, Vec<Spanned<toml::Value>>>,
}

#[derive(Deserialize, Default)]
struct Tool {
    #[serde(default)]
    poetry: Poetry,
}

#[derive(Deserialize, Default)]
struct Poetry {
    #[serde(default)]
    dependencies: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default, rename = "dev-dependencies")]
    dev_dependencies: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    group: BTreeMap<String, PoetryGroup>,
}

#[derive(Deserialize, Default)]
struct PoetryGroup {
    #[serde(default)]
    dependencies: BTreeMap<String, Spanned<toml::Value>>,
}

/// Read a `pyproject.toml`.
#[must_use]
pub fn parse(path: &str, text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let document: Pyproject = match toml::from_str(text) {
        Ok(document) => document,
        Err(error) => {
            parsed.problems.push(Problem {
                kind: ProblemKind::Unparsable,
                message: format!(
                    "not a valid pyproject.toml: {}",
                    error.message().lines().next().unwrap_or_default()
                ),
                span: error
                    .span()
                    .map_or_else(|| whole_file_span(text), |r| span_of(text, r.start, r.end)),
                included_from: Vec::new(),
            });
            return parsed;
        }
    };
    let lines = LineIndex::new(text);
    pep508_list(
        path,
        &lines,
        &document.project.dependencies,
        None,
        &mut parsed,
    );
    for (extra, list) in &document.project.optional_dependencies {
        pep508_list(path, &lines, list, Some(extra), &mut parsed);
    }
    for (group, list) in &document.dependency_groups {
        pep508_list(path, &lines, list, Some(group), &mut parsed);
    }
    let poetry = &document.tool.poetry;
    poetry_table(path, &lines, &poetry.dependencies, None, &mut parsed);
    poetry_table(
        path,
        &lines,
        &poetry.dev_dependencies,
        Some("dev"),
        &mut parsed,
    );
    for (group, table) in &poetry.group {
        poetry_table(path, &lines, &table.dependencies, Some(group), &mut parsed);
    }
    parsed
}

fn pep508_list(
    path: &str,
    lines: &LineIndex<'_>,
    list: &[Spanned<toml::Value>],
    group: Option<&str>,
    parsed: &mut Parsed,
) {
    for item in list {
        let Some(requirement_text) = item.get_ref().as_str() else {
            continue;
        };
        let range = item.span();
        let span = lines.span(range.start, range.end);
        match crate::deps::pep::parse_requirement(requirement_text) {
            Ok(requirement) => {
                let mut dependency = Dependency::named(requirement.name.as_ref(), span, path);
                requirement_text
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                    .collect::<String>()
                    .clone_into(&mut dependency.written_name);
                dependency.extras = requirement.extras.iter().map(ToString::to_string).collect();
                dependency.marker = requirement.marker.try_to_string();
                match &requirement.version_or_url {
                    Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
                        dependency.set_requirement_text(&specifiers.to_string());
                    }
                    Some(VersionOrUrl::Url(url)) => dependency.url = Some(url.to_string()),
                    None => {}
                }
                dependency.group = group.map(str::to_owned);
                parsed.dependencies.push(dependency);
            }
            Err(error) => parsed.problems.push(Problem {
                kind: ProblemKind::Unparsable,
                message: format!("not a valid requirement `{requirement_text}`: {}", error),
                span,
                included_from: Vec::new(),
            }),
        }
    }
}

fn poetry_table(
    path: &str,
    lines: &LineIndex<'_>,
    table: &BTreeMap<String, Spanned<toml::Value>>,
    group: Option<&str>,
    parsed: &mut Parsed,
) {
    let mut entries: Vec<(&String, &Spanned<toml::Value>)> = table.iter().collect();
    entries.sort_by_key(|(_, value)| value.span().start);
    for (name, value) in entries {
        if name.eq_ignore_ascii_case("python") {
            continue;
        }
        let range = value.span();
        let mut dependency = Dependency::named(name, lines.span(range.start, range.end), path);
        dependency.group = group.map(str::to_owned);
        // A constraint is a string, a table, or a list of tables (one per marker).
        let tables: Vec<&toml::Value> = match value.get_ref() {
            toml::Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        let mut constraints = Vec::new();
        for item in tables {
            match item {
                toml::Value::String(constraint) => constraints.push(constraint.clone()),
                toml::Value::Table(fields) => {
                    if let Some(constraint) = fields.get("version").and_then(toml::Value::as_str) {
                        constraints.push(constraint.to_owned());
                    }
                    for key in ["git", "path", "url"] {
                        if let Some(location) = fields.get(key).and_then(toml::Value::as_str) {
                            dependency.url = Some(location.to_owned());
                        }
                    }
                    if let Some(extras) = fields.get("extras").and_then(toml::Value::as_array) {
                        dependency.extras = extras
                            .iter()
                            .filter_map(|e| e.as_str().map(str::to_owned))
                            .collect();
                    }
                    dependency.marker = fields
                        .get("markers")
                        .and_then(toml::Value::as_str)
                        .map(str::to_owned);
                }
                _ => {}
            }
        }
        if let [only] = constraints.as_slice() {
            dependency.set_requirement_text(&poetry_to_pep440(only));
        } else if !constraints.is_empty() {
            // Several marker-specific constraints: keep them all as one (unparsed) text.
            dependency.specifier = Some(constraints.join(" || "));
        }
        parsed.dependencies.push(dependency);
    }
}

/// Translate a Poetry constraint to PEP 440: `^1.2` → `>=1.2,<2.0.0`, `~1.2` → `>=1.2,<1.3`,
/// a bare `1.2.3` → `==1.2.3`, `1.2.*` → `==1.2.*`; PEP 440 clauses pass through. `||`
/// alternatives are returned unchanged (not a PEP 440 set: matched as unknown).
#[must_use]
pub fn poetry_to_pep440(constraint: &str) -> String {
    let constraint = constraint.trim();
    if constraint.contains("||") {
        return constraint.to_owned();
    }
    let clauses: Vec<String> = constraint
        .split([',', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty() && *c != "*")
        .map(translate_clause)
        .collect();
    clauses.join(",")
}

fn translate_clause(clause: &str) -> String {
    if let Some(version) = clause.strip_prefix('^') {
        let release = release_numbers(version);
        let upper = match release.as_slice() {
            [] => return format!(">={version}"),
            [major, ..] if *major > 0 => format!("{}.0.0", major.saturating_add(1)),
            [0] => "1.0.0".to_owned(),
            [0, minor, ..] if *minor > 0 || release.len() == 2 => {
                format!("0.{}.0", minor.saturating_add(1))
            }
            [0, 0, patch, ..] => format!("0.0.{}", patch.saturating_add(1)),
            _ => return format!(">={version}"),
        };
        return format!(">={version},<{upper}");
    }
    if let Some(version) = clause.strip_prefix('~').filter(|v| !v.starts_with('=')) {
        let release = release_numbers(version);
        let upper = match release.as_slice() {
            [major] => format!("{}.0", major.saturating_add(1)),
            [major, minor, ..] => format!("{major}.{}", minor.saturating_add(1)),
            [] => return format!(">={version}"),
        };
        return format!(">={version},<{upper}");
    }
    if clause.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("=={clause}");
    }
    clause.to_owned()
}

fn release_numbers(version: &str) -> Vec<u64> {
    version
        .split('.')
        .map_while(|part| part.parse::<u64>().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep621_groups_and_poetry_are_read_with_lines() {
        let text = r#"[project]
name = "demo"
dependencies = [
  "torch>=2.0,<2.6",
  "numpy==1.16.0",
]

[project.optional-dependencies]
yaml = ["PyYAML==5.3"]

[dependency-groups]
dev = ["joblib>=1.0", {include-group = "yaml"}]

[tool.poetry.dependencies]
python = "^3.10"
keras = "^3.8"
mlflow = { version = "2.14.1", extras = ["extras"] }

[tool.poetry.group.test.dependencies]
transformers = "4.30.0"
"#;
        let parsed = parse("pyproject.toml", text);
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
                ("torch", None, Some(">=2.0, <2.6"), 4),
                ("numpy", Some("1.16.0"), None, 5),
                ("pyyaml", Some("5.3"), None, 9),
                ("joblib", None, Some(">=1.0"), 12),
                ("keras", None, Some(">=3.8,<4.0.0"), 16),
                ("mlflow", Some("2.14.1"), None, 17),
                ("transformers", Some("4.30.0"), None, 20),
            ]
        );
        assert_eq!(parsed.dependencies[2].group.as_deref(), Some("yaml"));
    }

    #[test]
    fn poetry_constraints_translate() {
        assert_eq!(poetry_to_pep440("^0.2.3"), ">=0.2.3,<0.3.0");
        assert_eq!(poetry_to_pep440("^0.0.3"), ">=0.0.3,<0.0.4");
        assert_eq!(poetry_to_pep440("~1.2.3"), ">=1.2.3,<1.3");
        assert_eq!(poetry_to_pep440(">=1,<2"), ">=1,<2");
        assert_eq!(poetry_to_pep440("*"), "");
        assert_eq!(poetry_to_pep440("^1 || ^2"), "^1 || ^2");
    }

    #[test]
    fn invalid_toml_and_requirements_are_problems() {
        assert_eq!(parse("pyproject.toml", "[project\n").problems.len(), 1);
        let parsed = parse(
            "pyproject.toml",
            "[project]\ndependencies = [\"torch>>1\"]\n",
        );
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].span.line, 2);
    }
}
