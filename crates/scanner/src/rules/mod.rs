//! The rule registry: one file per rule, grouped by family folder.
//!
//! Each rule file holds a `pub const META: RuleMeta` whose `docs` are the user docs
//! (`brine rule BRN001` prints them, `docs/rules/` is generated from them), the rule's
//! check, and its tests. Families:
//!
//! * `BRN0xx` [`pickle`]: what a pickle stream would import and call;
//! * `BRN1xx` [`code`]: unsafe loads in Python source;
//! * `BRN2xx` [`container`]: archives, compression, PyTorch/numpy/Keras/safetensors structure;
//! * `BRN3xx` [`deps`]: dependency versions with known deserialization advisories;
//! * `BRN9xx` [`scan`]: files that could not be scanned.
//!
//! Codes never change meaning and are never reused. This module holds metadata only;
//! it must not depend on how a scan is run.

pub mod code;
pub mod container;
pub mod deps;
pub mod pickle;
pub mod scan;

use crate::finding::Severity;

/// Which part of brine emits a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Pickle streams.
    Pickle,
    /// Python source.
    Code,
    /// Containers and model formats.
    Container,
    /// Dependency manifests.
    Deps,
    /// The scan itself.
    Scan,
}

impl Family {
    /// Lowercase name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Pickle => "pickle",
            Family::Code => "code",
            Family::Container => "container",
            Family::Deps => "deps",
            Family::Scan => "scan",
        }
    }
}

/// Compliance references every CWE-502 rule maps to.
pub const DESERIALIZATION_MAPPINGS: &[&str] = &[
    "OWASP A08:2021 Software and Data Integrity Failures",
    "OWASP ASVS 5.5.3",
    "NIST SP 800-53 SI-10",
    "PCI DSS 4.0 6.2.4",
];

/// Everything brine knows about a rule, except its check.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable code, e.g. `BRN001`.
    pub code: &'static str,
    /// kebab-case name, e.g. `pickle-dangerous-call`.
    pub name: &'static str,
    /// One line.
    pub summary: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// Which part of brine emits it.
    pub family: Family,
    /// CWE ids.
    pub cwe: &'static [u32],
    /// Compliance and taxonomy references.
    pub mappings: &'static [&'static str],
    /// Markdown with the sections `## What it does`, `## Why is this bad?`,
    /// `## Example`, `## Use instead` and `## References`.
    pub docs: &'static str,
    /// What the autofix does, when there is one.
    pub fix: Option<&'static str>,
}

/// Every rule, in code order (built once; reporters look rules up per finding).
#[must_use]
pub fn all() -> &'static [&'static RuleMeta] {
    static ALL: std::sync::OnceLock<Vec<&'static RuleMeta>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut rules: Vec<&'static RuleMeta> = pickle::RULES
            .iter()
            .chain(code::RULES)
            .chain(container::RULES)
            .chain(deps::RULES)
            .chain(scan::RULES)
            .copied()
            .collect();
        rules.sort_by_key(|r| r.code);
        rules
    })
}

/// Look a rule up by code (case-insensitive) or name.
#[must_use]
pub fn find(key: &str) -> Option<&'static RuleMeta> {
    all()
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(key) || r.name == key)
}

/// The sections every rule's docs must have.
pub const REQUIRED_SECTIONS: &[&str] = &[
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## References",
];

/// The rule's documentation as Markdown, as `brine rule` prints it and `docs/rules/` holds it.
#[must_use]
pub fn render_markdown(rule: &RuleMeta) -> String {
    use std::fmt::Write as _;
    let mut out = format!("# {} ({})\n\n{}\n\n", rule.name, rule.code, rule.summary);
    let _ = writeln!(out, "- Severity: {}", rule.severity.as_str());
    let _ = writeln!(out, "- Family: {}", rule.family.as_str());
    let cwe: Vec<String> = rule.cwe.iter().map(|c| format!("CWE-{c}")).collect();
    let _ = writeln!(out, "- CWE: {}", cwe.join(", "));
    if !rule.mappings.is_empty() {
        let _ = writeln!(out, "- Mappings: {}", rule.mappings.join("; "));
    }
    let _ = writeln!(out, "- Autofix: {}", rule.fix.unwrap_or("none"));
    out.push('\n');
    out.push_str(rule.docs.trim());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for rule in all() {
            assert!(codes.insert(rule.code), "duplicate code {}", rule.code);
            assert!(names.insert(rule.name), "duplicate name {}", rule.name);
            assert!(
                rule.code.len() == 6 && rule.code.starts_with("BRN"),
                "bad code {}",
                rule.code
            );
            assert!(
                rule.code[3..].bytes().all(|b| b.is_ascii_digit()),
                "bad code {}",
                rule.code
            );
            let expected = match &rule.code[3..4] {
                "0" => Family::Pickle,
                "1" => Family::Code,
                "2" => Family::Container,
                "3" => Family::Deps,
                _ => Family::Scan,
            };
            assert_eq!(
                rule.family, expected,
                "{} is in the wrong family folder",
                rule.code
            );
            assert!(!rule.cwe.is_empty(), "{} has no CWE", rule.code);
        }
    }

    #[test]
    fn every_rule_has_complete_docs() {
        for rule in all() {
            for section in REQUIRED_SECTIONS {
                assert!(
                    rule.docs.contains(section),
                    "{} lacks `{section}`",
                    rule.code
                );
            }
            assert!(!rule.summary.is_empty(), "{} lacks a summary", rule.code);
        }
    }
}
