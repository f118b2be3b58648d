//! BRN304: a `-r`/`-c` include of a requirements file could not be followed.

use crate::deps::manifests::Problem;
use crate::finding::{Finding, Severity, Verdict};
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN304",
    name: "unresolved-manifest-include",
    summary: "A requirements include (-r/-c) could not be followed, so it was not audited.",
    severity: Severity::Low,
    family: Family::Deps,
    cwe: &[502],
    mappings: &[],
    docs: r#"
## What it does
Reports an `-r`/`--requirement` or `-c`/`--constraint` line whose file was missing, remote
(`https://...`: brine never fetches), absolute (only paths relative to the manifest are read),
nested deeper than the include-depth limit, or over the include budget. Cycles are not
reported: each file is read once.

## Why is this bad?
Dependencies in a file brine did not read are dependencies it did not check, so the verdict
is `error`, never clean.

## Example
```text
-r https://example.invalid/requirements.txt
```

## Use instead
```text
-r requirements-base.txt
```

## References
- [pip requirements file format](https://pip.pypa.io/en/stable/reference/requirements-file-format/)
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
"#,
    fix: None,
};

/// The finding for an include that was not followed.
#[must_use]
pub fn finding(problem: &Problem) -> Finding {
    let mut finding = Finding::new(
        META.code,
        META.severity,
        Verdict::Error,
        problem.message.clone(),
    )
    .at_span(problem.span);
    finding.member.clone_from(&problem.included_from);
    finding
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deps::manifests::{ProblemKind, requirements};
    use crate::limits::Limits;

    #[test]
    fn missing_include_is_an_error_finding() {
        let parsed = requirements::parse(
            "requirements.txt",
            "-r gone.txt\n",
            &|_| None,
            &Limits::default(),
        );
        assert_eq!(parsed.problems[0].kind, ProblemKind::IncludeUnresolved);
        let f = finding(&parsed.problems[0]);
        assert_eq!((f.rule, f.verdict), ("BRN304", Verdict::Error));
    }

    #[test]
    fn present_include_is_followed() {
        let parsed = requirements::parse(
            "requirements.txt",
            "-r base.txt\n",
            &|name| (name == "base.txt").then(|| b"numpy==2.0.0\n".to_vec()),
            &Limits::default(),
        );
        assert!(parsed.problems.is_empty());
        assert_eq!(parsed.dependencies.len(), 1);
    }
}
