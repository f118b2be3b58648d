//! TOML lockfiles: `poetry.lock`, `uv.lock`, `pdm.lock` (all `[[package]]`) and PEP 751
//! `pylock.toml` (`[[packages]]`).
//!
//! Only what the audit and the SBOM need is read: name, exact version, and a source or
//! group hint; unknown keys are ignored, so newer lockfile versions keep working. Lines come
//! from `toml::Spanned`. A file that is not valid TOML is one problem, never a panic.

use serde::Deserialize;
use toml::Spanned;

use super::{Dependency, LineIndex, Parsed, Problem, ProblemKind, span_of, whole_file_span};

#[derive(Deserialize, Default)]
struct PackageLock {
    #[serde(default)]
    package: Vec<LockedPackage>,
    #[serde(default)]
    packages: Vec<LockedPackage>,
}

#[derive(Deserialize)]
struct LockedPackage {
    name: Spanned<String>,
    #[serde(default)]
    version: Option<String>,
    /// Poetry < 1.5.
    #[serde(default)]
    category: Option<String>,
    /// pdm.
    #[serde(default)]
    groups: Vec<String>,
    /// uv: `{ registry = ... }`, `{ editable = "." }`, `{ virtual = "." }`, `{ git = ... }`.
    #[serde(default)]
    source: Option<toml::Value>,
    /// pylock: `marker`.
    #[serde(default)]
    marker: Option<String>,
    /// pylock: where a package without an index version comes from.
    #[serde(default)]
    vcs: Option<toml::Value>,
    #[serde(default)]
    directory: Option<toml::Value>,
    #[serde(default)]
    archive: Option<toml::Value>,
}

fn parse_lock(path: &str, text: &str, format: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let lock: PackageLock = match toml::from_str(text) {
        Ok(lock) => lock,
        Err(error) => {
            parsed.problems.push(Problem {
                kind: ProblemKind::Unparsable,
                message: format!(
                    "not a valid {format}: {}",
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
    for package in lock.package.into_iter().chain(lock.packages) {
        let range = package.name.span();
        let mut dependency = Dependency::named(
            package.name.get_ref(),
            lines.span(range.start, range.end),
            path,
        );
        dependency.version = package.version;
        dependency.marker = package.marker;
        dependency.group = package
            .category
            .or_else(|| (!package.groups.is_empty()).then(|| package.groups.join(",")));
        dependency.locked = true;
        if let Some(toml::Value::Table(source)) = &package.source {
            for key in ["editable", "virtual", "path", "directory", "git", "url"] {
                if let Some(value) = source.get(key).and_then(toml::Value::as_str) {
                    dependency.url = Some(value.to_owned());
                    dependency.editable = key == "editable";
                }
            }
        }
        for table in [&package.vcs, &package.directory, &package.archive]
            .into_iter()
            .flatten()
        {
            let location = ["url", "path"]
                .iter()
                .find_map(|key| table.get(key).and_then(toml::Value::as_str));
            if let Some(location) = location {
                dependency.url = Some(location.to_owned());
            }
        }
        parsed.dependencies.push(dependency);
    }
    parsed
}

/// `poetry.lock`.
#[must_use]
pub fn parse_poetry(path: &str, text: &str) -> Parsed {
    parse_lock(path, text, "poetry.lock")
}

/// `uv.lock`.
#[must_use]
pub fn parse_uv(path: &str, text: &str) -> Parsed {
    parse_lock(path, text, "uv.lock")
}

/// `pdm.lock`.
#[must_use]
pub fn parse_pdm(path: &str, text: &str) -> Parsed {
    parse_lock(path, text, "pdm.lock")
}

/// `pylock.toml` (PEP 751).
#[must_use]
pub fn parse_pylock(path: &str, text: &str) -> Parsed {
    parse_lock(path, text, "pylock.toml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uv_lock_packages_keep_lines_and_sources() {
        let text = "version = 1\n\n[[package]]\nname = \"demo\"\nversion = \"0.1.0\"\nsource = { editable = \".\" }\n\n[[package]]\nname = \"Torch\"\nversion = \"2.5.1+cpu\"\nsource = { registry = \"https://pypi.org/simple\" }\n";
        let parsed = parse_uv("uv.lock", text);
        assert!(parsed.problems.is_empty());
        assert_eq!(parsed.dependencies.len(), 2);
        assert!(parsed.dependencies[0].editable);
        let torch = &parsed.dependencies[1];
        assert_eq!((torch.name.as_str(), torch.line), ("torch", 9));
        assert_eq!(torch.version.as_deref(), Some("2.5.1+cpu"));
        assert!(torch.url.is_none());
    }

    #[test]
    fn pylock_uses_packages_and_bad_toml_is_a_problem() {
        let parsed = parse_pylock(
            "pylock.toml",
            "lock-version = \"1.0\"\n[[packages]]\nname = \"numpy\"\nversion = \"1.16.0\"\n",
        );
        assert_eq!(parsed.dependencies[0].version.as_deref(), Some("1.16.0"));
        let unversioned = parse_pylock(
            "pylock.toml",
            "[[packages]]\nname = \"mylib\"\ndirectory = { path = \".\" }\n[[packages]]\nname = \"torch\"\n",
        );
        assert_eq!(unversioned.dependencies[0].url.as_deref(), Some("."));
        assert!(unversioned.dependencies[1].locked);
        let broken = parse_poetry("poetry.lock", "[[package]]\nname = \n");
        assert!(broken.dependencies.is_empty());
        assert_eq!(broken.problems.len(), 1);
        assert_eq!(broken.problems[0].span.line, 2);
    }
}
