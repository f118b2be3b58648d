//! BRN301: a pinned or locked dependency version lies inside a deserialization advisory's
//! affected range.

use crate::deps::advisories::{Advisory, AffectedPackage};
use crate::deps::manifests::Dependency;
use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN301",
    name: "vulnerable-dependency",
    summary: "A pinned or locked dependency version has a known deserialization advisory.",
    severity: Severity::High,
    family: Family::Deps,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Matches every exactly pinned (`==`) or locked version in `requirements*.txt`, `pyproject.toml`,
`poetry.lock`, `uv.lock`, `pdm.lock`, `pylock.toml`, `Pipfile.lock` and conda
`environment.yml` against brine's bundled, offline database of deserialization and
unsafe-loading advisories (PyPA/OSV records, merged by alias; ranges from PYSEC and GHSA
united when they disagree). Local version labels are ignored, so `torch==2.5.1+cpu` matches
`<2.6.0`. The message names the package, the version, the advisory id with its aliases, the
summary and the fixed version(s), or says that no fix is known.

Severity follows the advisory: `high` for code execution (deserialization, code on load,
bypassed safe loaders), `medium` for file reads and scanner bypasses, one step lower when the
advisory is disputed. The file's verdict becomes `suspicious`, never `dangerous`: a
vulnerable library is a risk for the code that uses it, not a malicious file.

## Why is this bad?
Some library versions turn a "safe" load into code execution: `torch.load(weights_only=True)`
before torch 2.6.0 (CVE-2025-32434), `numpy.load` before 1.16.3 (pickles by default), Keras
`safe_mode=True` before 3.13.2, PyYAML `full_load` before 5.4. Code that looks correct is
exploitable with these versions installed.

## Example
```text
torch==2.5.1+cpu
numpy==1.16.0
```

## Use instead
```text
torch==2.6.0
numpy==1.16.3
```

## References
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
- [OSV schema: evaluation of affected ranges](https://ossf.github.io/osv-schema/)
- [PyPA advisory database](https://github.com/pypa/advisory-database)
"#,
    fix: None,
};

/// How a dependency is named in messages: `torch 2.5.1+cpu`.
fn described(dependency: &Dependency, what: &str) -> String {
    let shown = if dependency.written_name.is_empty() {
        &dependency.name
    } else {
        &dependency.written_name
    };
    format!("{shown} {what}")
}

/// Ids for people: `PYSEC-2025-41 (CVE-2025-32434, GHSA-53q9-r3pm-6pq6)`.
#[must_use]
pub fn advisory_label(advisory: &Advisory) -> String {
    if advisory.aliases.is_empty() {
        advisory.id.clone()
    } else {
        format!("{} ({})", advisory.id, advisory.aliases.join(", "))
    }
}

/// `fixed in 2.6.0`, or what is known when no fix is.
#[must_use]
pub fn remedy(package: &AffectedPackage) -> String {
    match (package.fixed.as_slice(), package.last_affected.as_slice()) {
        ([], []) if package.no_range_data => {
            "no affected range published: every version is treated as affected".to_owned()
        }
        ([], []) => "no fixed version known".to_owned(),
        ([], last) => format!("no fixed version known (last affected {})", last.join(", ")),
        (fixed, _) => format!("fixed in {}", fixed.join(", ")),
    }
}

/// The finding for a pinned version inside an advisory's range.
#[must_use]
pub fn finding(dependency: &Dependency, advisory: &Advisory, package: &AffectedPackage) -> Finding {
    let version = dependency.version.as_deref().unwrap_or_default();
    let mut message = format!(
        "{} is affected by {}: {}; {}",
        described(dependency, version),
        advisory_label(advisory),
        advisory.summary.trim(),
        remedy(package)
    );
    if advisory.disputed {
        message.push_str(" [disputed]");
    }
    if package.sources_disagree() {
        let said: Vec<String> = package
            .sources
            .iter()
            .map(|s| format!("{} says {}", s.record, s.ranges.join(" or ")))
            .collect();
        message.push_str(&format!(
            " (sources disagree: {}; the union is used)",
            said.join("; ")
        ));
    }
    let mut finding = Finding::new(META.code, advisory.severity, Verdict::Suspicious, message)
        .at_span(dependency.span);
    finding.member.clone_from(&dependency.included_from);
    let apis: Vec<&str> = crate::deps::hints::version_sensitive_apis(&dependency.name)
        .filter(|fact| {
            fact.advisories
                .iter()
                .any(|id| advisory.all_ids().any(|a| a == *id))
        })
        .map(|fact| fact.note)
        .collect();
    if !apis.is_empty() {
        finding.explanation = Some(apis.join("; "));
    }
    finding
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deps::advisories::bundled;
    use crate::deps::manifests::span_of;

    fn torch(version: &str) -> Dependency {
        let mut d = Dependency::named("torch", span_of("torch", 0, 5), "requirements.txt");
        d.version = Some(version.to_owned());
        d
    }

    #[test]
    fn vulnerable_torch_is_reported_with_aliases_and_fix() {
        let dep = torch("2.5.1+cpu");
        let advisory = bundled().by_id("CVE-2025-32434").unwrap();
        let package = advisory.package("torch").unwrap();
        assert!(package.affects(&crate::deps::pep::parse_version("2.5.1+cpu").unwrap()));
        let f = finding(&dep, advisory, package);
        assert_eq!(f.rule, "BRN301");
        assert_eq!(f.verdict, Verdict::Suspicious);
        assert_eq!(f.severity, Severity::High);
        assert!(f.message.contains("CVE-2025-32434") && f.message.contains("fixed in 2.6.0"));
        assert!(f.explanation.unwrap().contains("weights_only"));
    }

    #[test]
    fn fixed_torch_is_not_affected() {
        let advisory = bundled().by_id("CVE-2025-32434").unwrap();
        let package = advisory.package("torch").unwrap();
        assert!(!package.affects(&crate::deps::pep::parse_version("2.6.0").unwrap()));
    }
}
