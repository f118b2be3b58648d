//! BRN302: an unpinned requirement's range admits a version with a deserialization advisory.

use crate::deps::advisories::Advisory;
use crate::deps::manifests::Dependency;
use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN302",
    name: "dependency-range-admits-vulnerable",
    summary: "An unpinned requirement allows a version with a known deserialization advisory.",
    severity: Severity::Low,
    family: Family::Deps,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
For requirements that are ranges rather than pins (`torch>=2.0`, Poetry `^3.8`, conda
`numpy=1.16`, or a bare name), checks whether the range admits any version inside a bundled
deserialization advisory's affected range, and lists those advisories in one finding per
requirement. brine does not resolve the range (it never runs pip), so this says only that a
resolver *may* pick an affected version: with a stale lockfile, a constraint, or an old index.
The file's verdict becomes `suspicious`.

## Why is this bad?
A range such as `torch>=2.0` lets an installer choose torch 2.5.1, where
`torch.load(weights_only=True)` still executes code (CVE-2025-32434). Raising the lower bound
to the fixed version removes the choice.

## Example
```text
torch>=2.0
keras
```

## Use instead
```text
torch>=2.6.0
keras>=3.13.2
```

## References
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
- [PEP 440 version specifiers](https://peps.python.org/pep-0440/#version-specifiers)
"#,
    fix: None,
};

/// The finding for a range admitting affected versions of `advisories` (not empty).
#[must_use]
pub fn finding(dependency: &Dependency, advisories: &[&Advisory]) -> Finding {
    let range = dependency.specifier.as_deref().unwrap_or("any version");
    let shown = if dependency.written_name.is_empty() {
        &dependency.name
    } else {
        &dependency.written_name
    };
    let fixes: Vec<String> = advisories
        .iter()
        .filter_map(|a| a.package(&dependency.name))
        .flat_map(|p| p.fixed.iter().cloned())
        .collect();
    let highest_fix = fixes
        .iter()
        .filter_map(|f| crate::deps::pep::parse_version(f).map(|v| (v, f)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, f)| format!("; the highest fixed version is {f}"))
        .unwrap_or_default();
    let labels: Vec<String> = advisories
        .iter()
        .map(|a| super::vulnerable_dependency::advisory_label(a))
        .collect();
    let mut finding = Finding::new(
        META.code,
        META.severity,
        Verdict::Suspicious,
        format!(
            "{shown} ({range}) admits versions affected by {}{highest_fix}",
            labels.join(", ")
        ),
    )
    .at_span(dependency.span);
    finding.member.clone_from(&dependency.included_from);
    finding
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deps::advisories::bundled;
    use crate::deps::manifests::span_of;
    use crate::deps::pep;

    fn admits(specifier: &str, id: &str) -> bool {
        let advisory = bundled().by_id(id).unwrap();
        let admitted = pep::specifiers_to_intervals(&pep::parse_specifiers(specifier).unwrap());
        pep::any_overlap(&admitted, &advisory.package("torch").unwrap().intervals)
    }

    #[test]
    fn open_range_admits_and_raised_floor_does_not() {
        assert!(admits(">=2.0", "CVE-2025-32434"));
        assert!(!admits(">=2.6.0", "CVE-2025-32434"));
        let mut dep = Dependency::named("torch", span_of("torch>=2.0", 0, 10), "requirements.txt");
        dep.specifier = Some(">=2.0".into());
        let f = finding(&dep, &[bundled().by_id("CVE-2025-32434").unwrap()]);
        assert_eq!(f.rule, "BRN302");
        assert_eq!(f.verdict, Verdict::Suspicious);
        assert!(
            f.message.contains("highest fixed version is 2.6.0"),
            "{}",
            f.message
        );
    }
}
