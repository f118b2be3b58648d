//! Dependency audit: manifests and lockfiles against bundled deserialization advisories,
//! plus the inventory behind `brine sbom`.
//!
//! * [`manifests`] reads `requirements*.txt`/`*.in`/`constraints*.txt`, `pyproject.toml`,
//!   `poetry.lock`, `uv.lock`, `pdm.lock`, `pylock.toml`, `Pipfile.lock` and conda
//!   `environment.yml` into [`Dependency`] records with their lines;
//! * [`advisories`] holds the bundled CWE-502 advisory subset (or an OSV export given with
//!   `--advisory-db`), merged by alias;
//! * [`pep`] is PEP 440/503/508 (the swap point over `pep440_rs`/`pep508_rs`);
//! * [`hints`] lists APIs whose safety depends on the version (`torch.load` with
//!   `weights_only=True` before torch 2.6.0) to link code findings to dependency findings;
//! * [`sbom`] builds a CycloneDX 1.6 ML-BOM.
//!
//! Findings: BRN301 (pinned/locked version affected), BRN302 (range admits an affected
//! version), BRN303 (unparsable), BRN304 (include not followed). A vulnerable dependency
//! makes its manifest `suspicious`, never `dangerous`: it is a risk for the code using it,
//! not a malicious file. Environment markers are not evaluated (the target platform is not
//! known), so a marker-guarded pin is audited as if it applied.
//!
//! Fully offline. Must never fetch anything, and never resolve an include outside the
//! reader it is given.

pub mod advisories;
pub mod hints;
pub mod manifests;
pub mod pep;
pub mod sbom;

pub use advisories::{
    Advisory, AdvisoryDb, AdvisoryDbError, AffectedPackage, advisories_for, bundled,
    load_advisory_db, load_advisory_db_with_bundled, parse_advisory_db,
    parse_advisory_db_with_bundled,
};
pub use hints::{
    LinkHint, VERSION_SENSITIVE_APIS, VersionSensitiveApi, link_hint, version_sensitive_apis,
};
pub use manifests::{Dependency, ManifestKind};

use crate::finding::Finding;
use crate::limits::Limits;
use crate::rules::deps::{
    dependency_range_admits_vulnerable, unparsable_manifest, unresolved_manifest_include,
    vulnerable_dependency,
};

/// Whether a file name is a manifest or lockfile brine reads.
#[must_use]
pub fn is_manifest(file_name: &str) -> bool {
    ManifestKind::of(file_name).is_some()
}

/// The dependencies a manifest states (includes followed), with default limits. A file
/// that is not a manifest yields nothing.
#[must_use]
pub fn parse_manifest(
    path: &str,
    bytes: &[u8],
    read_relative: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Vec<Dependency> {
    parse_manifest_with(path, bytes, read_relative, &Limits::default()).dependencies
}

/// Dependencies and parse problems of a manifest.
#[must_use]
pub fn parse_manifest_with(
    path: &str,
    bytes: &[u8],
    read_relative: &dyn Fn(&str) -> Option<Vec<u8>>,
    limits: &Limits,
) -> manifests::Parsed {
    match ManifestKind::of(path) {
        Some(kind) => manifests::parse(kind, path, bytes, read_relative, limits),
        None => manifests::Parsed::default(),
    }
}

/// Scan one manifest against the bundled advisories. `read_relative` reads a file named
/// relative to this one (`-r other.txt`).
#[must_use]
pub fn scan_manifest(
    path: &str,
    bytes: &[u8],
    read_relative: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Vec<Finding> {
    scan_manifest_with(path, bytes, read_relative, bundled(), &Limits::default())
}

/// Scan one manifest against a given advisory database (for `--advisory-db`).
#[must_use]
pub fn scan_manifest_with(
    path: &str,
    bytes: &[u8],
    read_relative: &dyn Fn(&str) -> Option<Vec<u8>>,
    db: &AdvisoryDb,
    limits: &Limits,
) -> Vec<Finding> {
    let parsed = parse_manifest_with(path, bytes, read_relative, limits);
    let mut findings = Vec::new();
    for problem in &parsed.problems {
        findings.push(match problem.kind {
            manifests::ProblemKind::Unparsable => unparsable_manifest::finding(problem),
            manifests::ProblemKind::IncludeUnresolved => {
                unresolved_manifest_include::finding(problem)
            }
        });
    }
    let matches = audit(&parsed.dependencies, db);
    let mut by_dependency: Vec<Vec<&Match<'_>>> = vec![Vec::new(); parsed.dependencies.len()];
    for m in &matches {
        if let Some(slot) = by_dependency.get_mut(m.dependency) {
            slot.push(m);
        }
    }
    for (dependency, mine) in parsed.dependencies.iter().zip(by_dependency) {
        let (pinned, admitted): (Vec<&Match<'_>>, Vec<&Match<'_>>) =
            mine.into_iter().partition(|m| m.pinned);
        for m in pinned {
            if let Some(package) = m.advisory.package(&dependency.name) {
                findings.push(vulnerable_dependency::finding(
                    dependency, m.advisory, package,
                ));
            }
        }
        if !admitted.is_empty() {
            let advisories: Vec<&Advisory> = admitted.iter().map(|m| m.advisory).collect();
            findings.push(dependency_range_admits_vulnerable::finding(
                dependency,
                &advisories,
            ));
        }
    }
    findings.sort_by_key(|f| (f.member.clone(), f.span.map(|s| (s.line, s.column))));
    findings
}

/// An advisory that applies to a dependency.
#[derive(Clone, Debug)]
pub struct Match<'a> {
    /// Index into the dependencies audited.
    pub dependency: usize,
    /// The advisory.
    pub advisory: &'a Advisory,
    /// The dependency's exact version is affected (else its range merely admits one).
    pub pinned: bool,
}

/// Match dependencies against advisories. A pinned or locked version matches when it lies
/// in an affected range (local label ignored); a range matches when it overlaps one; a bare
/// requirement name admits every version; a URL, a lock entry without a version, or an
/// unparsable version or range matches nothing (nothing is known about it).
#[must_use]
pub fn audit<'a>(dependencies: &[Dependency], db: &'a AdvisoryDb) -> Vec<Match<'a>> {
    let mut matches = Vec::new();
    for (index, dependency) in dependencies.iter().enumerate() {
        if dependency.name.is_empty() {
            continue;
        }
        let candidates = db.for_package(&dependency.name);
        match (&dependency.version, &dependency.specifier, &dependency.url) {
            (Some(version), _, _) => {
                let Some(version) = pep::parse_version(version) else {
                    continue;
                };
                for advisory in candidates {
                    if advisory
                        .package(&dependency.name)
                        .is_some_and(|p| p.affects(&version))
                    {
                        matches.push(Match {
                            dependency: index,
                            advisory,
                            pinned: true,
                        });
                    }
                }
            }
            (None, specifier, url) => {
                let admitted = match (specifier, url) {
                    (Some(text), _) => match pep::parse_specifiers(text) {
                        Some(specifiers) => pep::specifiers_to_intervals(&specifiers),
                        None => continue,
                    },
                    (None, Some(_)) => continue,
                    // A lock entry without a version is a path/VCS/workspace package.
                    (None, None) if dependency.locked => continue,
                    (None, None) => vec![pep::Interval::everything()],
                };
                for advisory in candidates {
                    if advisory
                        .package(&dependency.name)
                        .is_some_and(|p| pep::any_overlap(&admitted, &p.intervals))
                    {
                        matches.push(Match {
                            dependency: index,
                            advisory,
                            pinned: false,
                        });
                    }
                }
            }
        }
    }
    matches
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Verdict;

    #[test]
    fn manifests_are_recognised_by_name_only() {
        assert!(is_manifest("requirements.txt"));
        assert!(is_manifest("uv.lock"));
        assert!(!is_manifest("model.pt"));
        assert!(!is_manifest("requirements.py"));
    }

    #[test]
    fn scan_reports_pins_ranges_and_problems_in_line_order() {
        let text = b"torch==2.5.1+cpu\ntorch>=2.0\nnumpy==1.16.3\ntorch>>1\n-r missing.txt\n";
        let findings = scan_manifest("requirements.txt", text, &|_| None);
        let rules: Vec<(&str, u32)> = findings
            .iter()
            .map(|f| (f.rule, f.span.map_or(0, |s| s.line)))
            .collect();
        assert!(
            rules
                .iter()
                .filter(|(r, l)| *r == "BRN301" && *l == 1)
                .count()
                >= 2
        );
        assert!(rules.contains(&("BRN302", 2)));
        assert!(!rules.iter().any(|(_, l)| *l == 3));
        assert!(rules.contains(&("BRN303", 4)));
        assert!(rules.contains(&("BRN304", 5)));
        assert!(
            findings
                .windows(2)
                .all(|w| w[0].span.unwrap().line <= w[1].span.unwrap().line)
        );
        let verdict = crate::finding::combine(findings.iter().map(|f| f.verdict));
        assert_eq!(verdict, Verdict::Error);
    }

    #[test]
    fn clean_manifest_has_no_findings() {
        let findings = scan_manifest(
            "requirements.txt",
            b"torch==2.10.1\nnumpy==2.1.0\nhttps://example.invalid/x.whl\n",
            &|_| None,
        );
        assert!(findings.is_empty(), "{findings:?}");
        assert!(scan_manifest("notes.md", b"torch==2.5.1", &|_| None).is_empty());
        // A lock entry without a version (path/VCS source) is not "any version".
        let lock =
            b"[[packages]]\nname = \"torch\"\nvcs = { url = \"https://example.invalid/t.git\" }\n";
        assert!(scan_manifest("pylock.toml", lock, &|_| None).is_empty());
        // The same bare name in a requirements file admits every version.
        let bare = scan_manifest("requirements.txt", b"torch\n", &|_| None);
        assert_eq!(bare.len(), 1);
        assert_eq!(bare[0].rule, "BRN302");
    }
}
