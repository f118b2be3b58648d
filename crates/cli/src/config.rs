//! `[tool.brine]` in `pyproject.toml`, or `brine.toml`: discovery and the trust boundary.
//!
//! Like Ruff, the closest config upward from each file applies. A config found inside the
//! scanned tree belongs to whoever wrote that tree, so it is *untrusted*: it may tune code
//! and dependency rules (select, ignore, per-file-ignores, exclude of source files) but can
//! never switch off artifact scanning or silence artifact rules. Only what the user passes
//! on the command line (`--config`, `--ignore`, `--no-artifacts`) can.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use brine_scanner::Severity;
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    select: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    per_file_ignores: HashMap<String, Vec<String>>,
    fail_on: Option<Severity>,
    /// Extra untrusted sources for the data-flow pass (`mypkg.io.read_upload()`).
    #[serde(default)]
    taint_sources: Vec<String>,
}

#[derive(Deserialize)]
struct Pyproject {
    tool: Option<Tool>,
}

#[derive(Deserialize)]
struct Tool {
    brine: Option<toml::Value>,
}

/// A loaded config file.
#[derive(Debug)]
pub struct Config {
    /// Directory the config's globs are relative to.
    root: PathBuf,
    /// Passed on the command line (may silence anything) or found in the tree (may not).
    trusted: bool,
    select: Vec<String>,
    ignore: Vec<String>,
    exclude: GlobSet,
    per_file_ignores: Vec<(GlobSet, Vec<String>)>,
    pub fail_on: Option<Severity>,
    /// Extra untrusted sources: they can only add findings, so any config may set them.
    pub taint_sources: Vec<String>,
}

fn glob_set(patterns: &[String]) -> Result<GlobSet> {
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        builder.add(Glob::new(p).with_context(|| format!("bad glob `{p}`"))?);
        // A bare directory name or pattern also excludes everything below it.
        builder.add(
            Glob::new(&format!("{}/**", p.trim_end_matches('/')))
                .with_context(|| format!("bad glob `{p}`"))?,
        );
    }
    Ok(builder.build()?)
}

/// Whether a rule code is matched by a selector (a code or a prefix such as `BRN1`).
pub fn matches_selector(code: &str, selector: &str) -> bool {
    let selector = selector.trim();
    !selector.is_empty()
        && code.len() >= selector.len()
        && code[..selector.len()].eq_ignore_ascii_case(selector)
}

/// Rules a config found in the scanned tree may tune: code (BRN1xx) and dependency (BRN3xx) rules.
fn tunable_by_untrusted(code: &str) -> bool {
    code.starts_with("BRN1") || code.starts_with("BRN3")
}

impl Config {
    fn parse(path: &Path, text: &str, trusted: bool) -> Result<Option<Config>> {
        let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
        let raw: RawConfig = if is_pyproject {
            let doc: Pyproject =
                toml::from_str(text).with_context(|| format!("parsing {}", path.display()))?;
            match doc.tool.and_then(|t| t.brine) {
                Some(value) => value
                    .try_into()
                    .with_context(|| format!("[tool.brine] in {}", path.display()))?,
                None => return Ok(None),
            }
        } else {
            toml::from_str(text).with_context(|| format!("parsing {}", path.display()))?
        };
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut per_file_ignores = Vec::new();
        for (pattern, codes) in raw.per_file_ignores {
            per_file_ignores.push((glob_set(std::slice::from_ref(&pattern))?, codes));
        }
        Ok(Some(Config {
            root,
            trusted,
            select: raw.select,
            ignore: raw.ignore,
            exclude: glob_set(&raw.exclude)?,
            per_file_ignores,
            fail_on: raw.fail_on,
            taint_sources: raw.taint_sources,
        }))
    }

    /// Load a config the user named on the command line.
    pub fn load_trusted(path: &Path) -> Result<Config> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let config = Config::parse(path, &text, true)?;
        config.with_context(|| format!("{} has no [tool.brine] section", path.display()))
    }

    fn relative<'a>(&self, path: &'a Path) -> &'a Path {
        path.strip_prefix(&self.root).unwrap_or(path)
    }

    /// Whether the config excludes this source or manifest file (never applied to artifacts).
    pub fn excludes_source(&self, path: &Path) -> bool {
        self.exclude.is_match(self.relative(path))
    }

    /// Whether a finding of `code` in `path` is kept.
    pub fn keeps(&self, code: &str, path: &Path) -> bool {
        if !self.trusted && !tunable_by_untrusted(code) {
            return true;
        }
        if !self.select.is_empty() && !self.select.iter().any(|s| matches_selector(code, s)) {
            return false;
        }
        if self.ignore.iter().any(|s| matches_selector(code, s)) {
            return false;
        }
        let rel = self.relative(path);
        !self.per_file_ignores.iter().any(|(globs, codes)| {
            globs.is_match(rel) && codes.iter().any(|s| matches_selector(code, s))
        })
    }
}

/// Finds the closest config for each file, caching per directory.
pub struct Discovery {
    explicit: Option<Arc<Config>>,
    isolated: bool,
    cache: Mutex<HashMap<PathBuf, Option<Arc<Config>>>>,
}

impl Discovery {
    pub fn new(explicit: Option<Config>, isolated: bool) -> Self {
        Discovery {
            explicit: explicit.map(Arc::new),
            isolated,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The config that applies to `file` (absolute or relative to the working directory).
    pub fn for_file(&self, file: &Path) -> Result<Option<Arc<Config>>> {
        if let Some(c) = &self.explicit {
            return Ok(Some(Arc::clone(c)));
        }
        if self.isolated {
            return Ok(None);
        }
        let dir = file
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let dir = std::path::absolute(&dir).unwrap_or(dir);
        self.for_dir(&dir)
    }

    fn for_dir(&self, dir: &Path) -> Result<Option<Arc<Config>>> {
        if let Some(hit) = self
            .cache
            .lock()
            .map_err(|_| anyhow::anyhow!("config cache poisoned"))?
            .get(dir)
        {
            return Ok(hit.clone());
        }
        let mut found = None;
        for name in ["brine.toml", "pyproject.toml"] {
            let candidate = dir.join(name);
            if let Ok(text) = std::fs::read_to_string(&candidate)
                && let Some(config) = Config::parse(&candidate, &text, false)?
            {
                found = Some(Arc::new(config));
                break;
            }
        }
        if found.is_none()
            && let Some(parent) = dir.parent()
        {
            found = self.for_dir(parent)?;
        }
        self.cache
            .lock()
            .map_err(|_| anyhow::anyhow!("config cache poisoned"))?
            .insert(dir.to_path_buf(), found.clone());
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str, trusted: bool) -> Config {
        Config::parse(Path::new("/repo/brine.toml"), text, trusted)
            .unwrap()
            .unwrap()
    }

    #[test]
    fn selectors_are_prefixes() {
        assert!(matches_selector("BRN108", "BRN1"));
        assert!(matches_selector("BRN108", "brn108"));
        assert!(!matches_selector("BRN108", "BRN11"));
        assert!(!matches_selector("BRN108", ""));
    }

    #[test]
    fn untrusted_config_cannot_silence_artifact_rules() {
        let c = cfg("ignore = [\"BRN\"]\n", false);
        assert!(c.keeps("BRN001", Path::new("/repo/m.pkl")));
        assert!(c.keeps("BRN201", Path::new("/repo/m.pkl")));
        assert!(!c.keeps("BRN108", Path::new("/repo/a.py")));
        let trusted = cfg("ignore = [\"BRN\"]\n", true);
        assert!(!trusted.keeps("BRN001", Path::new("/repo/m.pkl")));
    }

    #[test]
    fn per_file_ignores_and_excludes_are_relative_to_the_config() {
        let c = cfg(
            "exclude = [\"vendor\"]\n[per-file-ignores]\n\"tests/*\" = [\"BRN101\"]\n",
            false,
        );
        assert!(c.excludes_source(Path::new("/repo/vendor/x.py")));
        assert!(!c.excludes_source(Path::new("/repo/src/x.py")));
        assert!(!c.keeps("BRN101", Path::new("/repo/tests/t.py")));
        assert!(c.keeps("BRN101", Path::new("/repo/src/t.py")));
    }

    #[test]
    fn pyproject_without_section_is_no_config() {
        assert!(
            Config::parse(
                Path::new("/r/pyproject.toml"),
                "[project]\nname='x'\n",
                false
            )
            .unwrap()
            .is_none()
        );
        let c = Config::parse(
            Path::new("/r/pyproject.toml"),
            "[tool.brine]\nfail-on = \"high\"\n",
            false,
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.fail_on, Some(Severity::High));
    }
}
